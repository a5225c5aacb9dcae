/**
 * Decoding a 7z folder: a graph of coders whose out streams feed other coders' in streams (bind
 * pairs) and whose free in streams read the packed streams. Decoded: LZMA2 (the default), LZMA, BZip2,
 * Deflate, Copy, and the filters in front of them — the branch converters BCJ (x86), ARM, ARMT, ARM64,
 * PPC, SPARC, IA64 (sevenzip-filters.ts), Delta, and BCJ2's four streams (sevenzip-bcj2.ts) — the chains
 * 7-Zip's `-mf` and py7zr's defaults (BCJ + LZMA2) write. LZMA gets the 13-byte "LZMA alone" header its
 * packed stream lacks; LZMA2 is wrapped into a one-block xz stream (xz's LZMA2 filter has the same
 * one-byte dictionary property) with an index built from the folder's sizes, which xz-embedded checks at
 * the end. Encryption (7zAES) and methods without a decoder here (PPMd…) are named, not decoded.
 * Method ids: 7-Zip `DOC/Methods.txt`; xz layout: the .xz file format 1.1.0.
 */
import { crc32 } from './crc32.js';
import { decompress, inflateRaw } from './decompress.js';
import { decodeBcj2 } from './sevenzip-bcj2.js';
import { decodeBranchFilter, decodeDelta, type BranchFilter } from './sevenzip-filters.js';
import type { Coder, Folder } from './sevenzip-header.js';

const BRANCH_FILTERS: Readonly<Record<string, readonly [BranchFilter, string]>> = {
  '03030103': ['x86', 'BCJ'],
  '03030205': ['ppc', 'PPC'],
  '03030401': ['ia64', 'IA64'],
  '03030501': ['arm', 'ARM'],
  '03030701': ['armt', 'ARMT'],
  '03030805': ['sparc', 'SPARC'],
  '0a': ['arm64', 'ARM64'],
};

const METHOD_NAMES: Readonly<Record<string, string>> = {
  '00': 'Copy',
  '21': 'LZMA2',
  '030101': 'LZMA',
  '040108': 'Deflate',
  '040202': 'BZip2',
  '0303011b': 'BCJ2',
  '03': 'Delta',
  '030401': 'PPMd',
  '040109': 'Deflate64',
  '020302': 'Swap2',
  '020304': 'Swap4',
  '0b': 'RISCV',
  '06f10701': '7zAES',
  ...Object.fromEntries(Object.entries(BRANCH_FILTERS).map(([id, [, name]]) => [id, name])),
};
const AES = '06f10701';
const BCJ2 = '0303011b';

function methodName(method: string): string {
  return METHOD_NAMES[method] ?? `method ${method}`;
}

/** Opens the folder's `index`th packed stream. */
export type PackedStreams = (index: number) => AsyncIterable<Uint8Array>;

export type FolderDecoding =
  | { readonly ok: true; readonly decode: (packed: PackedStreams) => AsyncIterable<Uint8Array> }
  | { readonly ok: false; readonly encrypted: boolean; readonly methods: string };

/** Decodes one coder's output from its input streams. */
type CoderDecoder = (inputs: readonly AsyncIterable<Uint8Array>[]) => AsyncIterable<Uint8Array>;

/** How to decode `folder`, or why it cannot be. `maxOutputBytes` bounds what a header may declare. */
export function folderDecoding(folder: Folder, maxOutputBytes: number): FolderDecoding {
  const methods = folder.coders.map((c) => methodName(c.method)).join(' + ');
  const encrypted = folder.coders.some((c) => c.method === AES);
  const unsupported = { ok: false, encrypted, methods } as const;
  if (encrypted || folder.coders.some((c) => c.outStreams !== 1)) return unsupported;
  const wiring = folderWiring(folder);
  if (hasLoop(folder, wiring)) return unsupported;
  const decoders: CoderDecoder[] = [];
  for (const [index, coder] of folder.coders.entries()) {
    const decoder = coderDecoder(coder, folder.unpackSizes[wiring.firstOut[index]!]!, wiring.inputSizes(index), maxOutputBytes);
    if (!decoder) return unsupported;
    decoders.push(decoder);
  }
  // Every coder decodes one out stream (BCJ2 included, the 4-in/1-out form 7-Zip writes), so a stream's
  // producer is its coder, and following bind pairs from the main output reaches each coder once.
  const produce = (out: number, packed: PackedStreams): AsyncIterable<Uint8Array> => {
    const coder = wiring.coderOfOut[out]!;
    const inputs = wiring.inStreamsOf(coder).map((inStream) => {
      const packedIndex = folder.packedInStreams.indexOf(inStream);
      if (packedIndex >= 0) return packed(packedIndex);
      return produce(folder.bindPairs.find((pair) => pair.inIndex === inStream)!.outIndex, packed);
    });
    return decoders[coder]!(inputs);
  };
  return { ok: true, decode: (packed) => produce(folder.mainOut, packed) };
}

interface Wiring {
  /** The coder each out stream belongs to. */
  readonly coderOfOut: readonly number[];
  readonly firstOut: readonly number[];
  readonly inStreamsOf: (coder: number) => number[];
  /** Byte counts of each of a coder's inputs (packed size or the producing out stream's size). */
  readonly inputSizes: (coder: number) => number[];
}

function folderWiring(folder: Folder): Wiring {
  const coderOfOut: number[] = [];
  const firstOut: number[] = [];
  const firstIn: number[] = [];
  let ins = 0;
  for (const [index, coder] of folder.coders.entries()) {
    firstOut.push(coderOfOut.length);
    firstIn.push(ins);
    for (let k = 0; k < coder.outStreams; k++) coderOfOut.push(index);
    ins += coder.inStreams;
  }
  const inStreamsOf = (coder: number): number[] => Array.from({ length: folder.coders[coder]!.inStreams }, (_, k) => firstIn[coder]! + k);
  const sizeOfIn = (inStream: number): number => {
    const packedIndex = folder.packedInStreams.indexOf(inStream);
    if (packedIndex >= 0) return folder.packed[packedIndex]!.size;
    return folder.unpackSizes[folder.bindPairs.find((pair) => pair.inIndex === inStream)!.outIndex]!;
  };
  return { coderOfOut, firstOut, inStreamsOf, inputSizes: (coder) => inStreamsOf(coder).map(sizeOfIn) };
}

/** A chain of bind pairs that comes back to a coder it left (hostile headers only). */
function hasLoop(folder: Folder, wiring: Wiring): boolean {
  const visiting = new Set<number>();
  const visit = (coder: number): boolean => {
    if (visiting.has(coder)) return true;
    visiting.add(coder);
    for (const inStream of wiring.inStreamsOf(coder)) {
      const pair = folder.bindPairs.find((p) => p.inIndex === inStream);
      if (pair && visit(wiring.coderOfOut[pair.outIndex]!)) return true;
    }
    visiting.delete(coder);
    return false;
  };
  return visit(wiring.coderOfOut[folder.mainOut]!);
}

/** The decoder of one coder whose output is `size` bytes, from inputs of `inputSizes` bytes. */
function coderDecoder(coder: Coder, size: number, inputSizes: readonly number[], maxOutputBytes: number): CoderDecoder | undefined {
  const limits = { maxOutputBytes };
  const { method, properties } = coder;
  if (method === BCJ2) {
    if (coder.inStreams !== 4 || size > maxOutputBytes) return undefined;
    return (inputs) => decodeBcj2([inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!], size);
  }
  if (coder.inStreams !== 1) return undefined;
  const branch = BRANCH_FILTERS[method];
  if (branch) {
    if (properties.length !== 0 && properties.length !== 4) return undefined;
    const start = properties.length === 4 ? new DataView(properties.buffer, properties.byteOffset, 4).getUint32(0, true) : 0;
    return ([input]) => decodeBranchFilter(branch[0], input!, start);
  }
  switch (method) {
    case '00':
      return ([input]) => input!;
    case '03':
      if (properties.length !== 1) return undefined;
      return ([input]) => decodeDelta(input!, properties[0]! + 1);
    case '030101':
      if (properties.length !== 5) return undefined;
      return ([input]) => decompress('lzma', prefixed(lzmaAloneHeader(properties, size), input!), limits);
    case '21':
      if (properties.length !== 1) return undefined;
      return ([input]) => decompress('xz', asXzStream(properties[0]!, inputSizes[0]!, size, input!), limits);
    case '040202':
      return ([input]) => decompress('bzip2', input!, limits);
    case '040108':
      return ([input]) => inflateRaw(input!, limits);
    default:
      return undefined;
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
