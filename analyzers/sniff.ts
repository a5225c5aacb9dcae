/**
 * Content sniffing: which parser a file needs is decided from its bytes, never from its name or media
 * type (magic table: ../shared/reference/oci-model-formats.md §6). The engine compares the result with
 * what the name and media type claim and reports disagreements.
 */
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import type { Format } from './formats.js';
import { looksLikePickle } from './pickle/sniff.js';
import { zfileDataOffset } from './archive/joblib-zfile.js';
import { isTarHeader } from './archive/tar-reader.js';
import { modelProtobufKind } from './protobuf/model-kind.js';

/** How many leading bytes the sniffer needs (tar's `ustar` magic sits at offset 257). */
export const SNIFF_BYTES = 4096;

const startsWith = (head: Uint8Array, magic: readonly number[], at = 0): boolean =>
  head.length >= at + magic.length && magic.every((b, i) => head[at + i] === b);

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const HDF5_SIGNATURE = [0x89, ...ascii('HDF\r\n'), 0x1a, 0x0a];

const MAGIC: ReadonlyArray<readonly [Format, readonly number[], number?]> = [
  ['gguf', ascii('GGUF')],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zip', [0x50, 0x4b, 0x05, 0x06]], // empty zip: end of central directory only
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', ascii('BZh')],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['npy', [0x93, ...ascii('NUMPY')]],
  // HDF5 may follow a user block: the signature sits at 0, 512, 1024, 2048… (HDF5 file format spec §2.1).
  ['hdf5', HDF5_SIGNATURE],
  ['hdf5', HDF5_SIGNATURE, 512],
  ['hdf5', HDF5_SIGNATURE, 1024],
  ['hdf5', HDF5_SIGNATURE, 2048],
  ['tar', ascii('ustar'), 257],
];

/**
 * Sniff a file from its first bytes (up to {@link SNIFF_BYTES}) and its total size when known.
 */
export function sniffFormat(head: Uint8Array, size: number | undefined): Format {
  if (head.length === 0) return 'empty';
  for (const [format, magic, at] of MAGIC) if (startsWith(head, magic, at ?? 0)) return format;
  // V7 and other magic-less tars: a first block tarfile accepts as a header (checksum, number fields).
  if (isTarHeader(head)) return 'tar';
  if (looksLikeSafetensors(head, size)) return 'safetensors';
  // ONNX, SavedModel and Keras metadata protobufs have no magic: the head must parse as their schema (protobuf/model-kind.ts).
  if (modelProtobufKind(head) !== undefined) return 'protobuf';
  if (looksLikeLzmaAlone(head)) return 'lzma';
  // joblib's legacy Z-file: a short header in front of a zlib stream (archive/joblib-zfile.ts).
  if (zfileDataOffset(head) !== undefined) return 'zlib';
  if (looksLikeZlib(head)) return 'zlib';
  // Pickle before text: a protocol-0 pickle is printable ASCII (`cos\nsystem\n…`).
  if (looksLikePickle(head)) return 'pickle';
  const text = textKind(head);
  if (text !== undefined) return text;
  return 'unknown';
}

/** safetensors: u64 LE header length N with 2 ≤ N ≤ 100 MB, 8+N ≤ size, and the header starting with `{`. */
function looksLikeSafetensors(head: Uint8Array, size: number | undefined): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getBigUint64(0, true);
  if (n < 2n || n > 100_000_000n) return false;
  return size === undefined || 8n + n <= BigInt(size);
}

/** Legacy .lzma ("LZMA alone", as joblib writes): properties byte 0x5D then a little-endian dict size. */
function looksLikeLzmaAlone(head: Uint8Array): boolean {
  return head.length >= 13 && head[0] === 0x5d && head[1] === 0x00 && head[2] === 0x00;
}

/** Bytes of a zlib head that must inflate cleanly; a shorter head is a whole file and must be one stream. */
const ZLIB_PROBE_BYTES = 1024;

/**
 * zlib (RFC 1950, what joblib writes for `compress='zlib'`/`True`): deflate method 8 with a window of at
 * most 32 KiB, no preset dictionary and the header's mod-31 check — about 1 random file in 2000 passes
 * that — then the content: the first KiB must inflate without error and produce output, and a file
 * shorter than that must be one complete stream with a matching Adler-32.
 */
function looksLikeZlib(head: Uint8Array): boolean {
  if (head.length < 3) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (flg & 0x20) !== 0 || ((cmf << 8) | flg) % 31 !== 0) return false;
  const whole = head.length < ZLIB_PROBE_BYTES;
  try {
    const out = inflateSync(head.subarray(0, ZLIB_PROBE_BYTES), {
      finishFlush: whole ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
      maxOutputLength: 1 << 20,
    });
    return whole || out.length > 0;
  } catch (error) {
    // More than 1 MiB out of 1 KiB in means it inflated fine (and compresses very well).
    return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
  }
}

function textKind(head: Uint8Array): Format | undefined {
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  let control = 0;
  for (let j = i; j < head.length; j++) {
    const b = head[j]!;
    if (b === 0) return undefined;
    if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  }
  if (control > head.length / 100) return undefined;
  const first = head.slice(i).find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  return first === 0x7b || first === 0x5b ? 'json' : 'text';
}
