/**
 * Zip record layouts (PKWARE APPNOTE.TXT 6.3.10 §4.3, §4.4, §4.5.3) and the small parsers shared by
 * the central-directory and stream readers.
 */

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DATA_DESCRIPTOR = 0x08074b50;

export const LOCAL_HEADER_BYTES = 30;
export const CENTRAL_HEADER_BYTES = 46;
export const EOCD_BYTES = 22;
export const ZIP64_LOCATOR_BYTES = 20;
export const ZIP64_EOCD_BYTES = 56;
/** The EOCD comment is at most 65535 bytes, so the record starts within this many bytes of the end. */
export const EOCD_SEARCH_BYTES = EOCD_BYTES + 0xffff;

/** General-purpose flag bits (APPNOTE §4.4.4). */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_PATCHED = 0x0020;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;

/** Compression methods (APPNOTE §4.4.5) the reader can open. */
export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;
export const METHOD_BZIP2 = 12;
export const METHOD_LZMA = 14;
export const METHOD_ZSTD = 93;
export const METHOD_XZ = 95;
export const SUPPORTED_METHODS: ReadonlySet<number> = new Set([
  METHOD_STORED,
  METHOD_DEFLATED,
  METHOD_BZIP2,
  METHOD_LZMA,
  METHOD_ZSTD,
  METHOD_XZ,
]);

export const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
export const u32 = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
/** u64 as a number; values past 2^53 become imprecise but stay huge, which every bound check rejects. */
export const u64 = (b: Uint8Array, at: number): number => u32(b, at) + u32(b, at + 4) * 2 ** 32;

/** Fields of a local file header (APPNOTE §4.3.7). */
export interface LocalHeader {
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly nameLength: number;
  readonly extraLength: number;
}

export function parseLocalHeader(b: Uint8Array): LocalHeader | undefined {
  if (b.length < LOCAL_HEADER_BYTES || u32(b, 0) !== SIG_LOCAL) return undefined;
  return {
    flags: u16(b, 6),
    method: u16(b, 8),
    crc32: u32(b, 14),
    compressedSize: u32(b, 18),
    uncompressedSize: u32(b, 22),
    nameLength: u16(b, 26),
    extraLength: u16(b, 28),
  };
}

/**
 * ZIP64 extended information (header id 1, APPNOTE §4.5.3): each 64-bit value is present only when the
 * corresponding 32-bit field is 0xFFFFFFFF, in this order.
 */
export function applyZip64(
  extra: Uint8Array,
  fields: { uncompressedSize: number; compressedSize: number; localHeaderOffset?: number },
): { uncompressedSize: number; compressedSize: number; localHeaderOffset?: number; zip64: boolean } {
  const out = { ...fields, zip64: false };
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = u16(extra, at);
    const size = u16(extra, at + 2);
    const body = at + 4;
    if (id === 0x0001) {
      out.zip64 = true;
      let p = body;
      const take = (): number | undefined => (p + 8 <= body + size && p + 8 <= extra.length ? u64(extra, (p += 8) - 8) : undefined);
      if (fields.uncompressedSize === 0xffffffff) out.uncompressedSize = take() ?? out.uncompressedSize;
      if (fields.compressedSize === 0xffffffff) out.compressedSize = take() ?? out.compressedSize;
      if (fields.localHeaderOffset === 0xffffffff) out.localHeaderOffset = take() ?? out.localHeaderOffset;
    }
    at = body + size;
  }
  return out;
}

/** Names are UTF-8 when flag bit 11 says so; otherwise bytes map 1:1 (latin1) so nothing is lost. */
export function decodeName(bytes: Uint8Array, flags: number): string {
  return new TextDecoder(flags & FLAG_UTF8 ? 'utf-8' : 'latin1').decode(bytes);
}

/**
 * Why a member name is unsafe to extract (Zip Slip): absolute paths, drive letters, `..` components,
 * NUL bytes. Both separators count, as Windows extractors accept `\`.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.startsWith('/') || name.startsWith('\\')) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split(/[\\/]/).includes('..')) return 'climbs out of the extraction directory with ..';
  return undefined;
}
