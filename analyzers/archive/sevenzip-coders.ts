/**
 * Decoding a 7z folder: the single-coder folders 7-Zip and py7zr write for model files (LZMA2, the
 * default; LZMA; BZip2; Deflate; Copy), on top of the decoders the compressed-file analyzer already uses.
 * LZMA gets the 13-byte "LZMA alone" header its packed stream lacks; LZMA2 is wrapped into a one-block xz
 * stream (xz's LZMA2 filter has the same one-byte dictionary property) with an index built from the
 * folder's sizes, which xz-embedded checks at the end. Filter chains (BCJ, Delta…) and encryption are
 * named, not decoded. Method ids: 7-Zip `DOC/Methods.txt`; xz layout: the .xz file format 1.1.0.
 */
import { crc32 } from './crc32.js';
import { decompress, inflateRaw } from './decompress.js';
import type { Folder } from './sevenzip-header.js';

const METHOD_NAMES: Readonly<Record<string, string>> = {
  '00': 'Copy',
  '21': 'LZMA2',
  '030101': 'LZMA',
  '040108': 'Deflate',
  '040202': 'BZip2',
  '03030103': 'BCJ',
  '0303011b': 'BCJ2',
  '03': 'Delta',
  '030401': 'PPMd',
  '06f10701': '7zAES',
};
const AES = '06f10701';

function methodName(method: string): string {
  return METHOD_NAMES[method] ?? `method ${method}`;
}

export type FolderDecoding =
  | { readonly ok: true; readonly decode: (packed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array> }
  | { readonly ok: false; readonly encrypted: boolean; readonly methods: string };

/** How to decode `folder`, or why it cannot be. `maxOutputBytes` bounds what a header may declare. */
export function folderDecoding(folder: Folder, maxOutputBytes: number): FolderDecoding {
  const methods = folder.coders.map((c) => methodName(c.method)).join(' + ');
  const encrypted = folder.coders.some((c) => c.method === AES);
  const [coder] = folder.coders;
  if (encrypted || folder.coders.length !== 1 || folder.packed.length !== 1 || !coder) return { ok: false, encrypted, methods };
  const size = folder.unpackSize;
  const limits = { maxOutputBytes };
  switch (coder.method) {
    case '00':
      return { ok: true, decode: (packed) => packed };
    case '030101':
      if (coder.properties.length !== 5) return { ok: false, encrypted, methods };
      return { ok: true, decode: (packed) => decompress('lzma', prefixed(lzmaAloneHeader(coder.properties, size), packed), limits) };
    case '21':
      if (coder.properties.length !== 1) return { ok: false, encrypted, methods };
      return { ok: true, decode: (packed) => decompress('xz', asXzStream(coder.properties[0]!, folder.packed[0]!.size, size, packed), limits) };
    case '040202':
      return { ok: true, decode: (packed) => decompress('bzip2', packed, limits) };
    case '040108':
      return { ok: true, decode: (packed) => inflateRaw(packed, limits) };
    default:
      return { ok: false, encrypted, methods };
  }
}

/** Properties byte, dictionary size, then the unpacked size the folder declares. */
function lzmaAloneHeader(properties: Uint8Array, unpackSize: number): Uint8Array {
  const header = new Uint8Array(13);
  header.set(properties, 0);
  new DataView(header.buffer).setBigUint64(5, BigInt(unpackSize), true);
  return header;
}

async function* prefixed(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield head;
  yield* rest;
}

/** xz stream header, one block (no check) holding the raw LZMA2 data, the index and the footer. */
async function* asXzStream(dictionaryProperty: number, packedSize: number, unpackSize: number, packed: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const streamFlags = new Uint8Array([0x00, 0x00]); // check type None
  yield concat([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], streamFlags, le32(crc32(streamFlags)));
  // Block header: size field ((12 / 4) - 1), flags (one filter, no sizes), filter LZMA2 (id 0x21, one
  // property byte), padding to a multiple of four, CRC32.
  const blockHeader = new Uint8Array([0x02, 0x00, 0x21, 0x01, dictionaryProperty, 0x00, 0x00, 0x00]);
  yield concat(blockHeader, le32(crc32(blockHeader)));
  yield* packed;
  const unpadded = blockHeader.length + 4 + packedSize;
  yield new Uint8Array((4 - (packedSize % 4)) % 4);
  const records = concat([0x00], varint(1), varint(unpadded), varint(unpackSize));
  const index = concat(records, new Uint8Array((4 - (records.length % 4)) % 4));
  yield concat(index, le32(crc32(index)));
  const backward = concat(le32(index.length / 4), streamFlags); // (index + CRC) / 4 - 1
  yield concat(le32(crc32(backward)), backward, [0x59, 0x5a]);
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function le32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return Buffer.concat(parts.map((part) => Uint8Array.from(part)));
}
