/**
 * GGUF tensor table and data layout, with ggml's reader checks (`src/gguf.cpp`; oci-model-formats.md
 * §6.2): names under 64 bytes and unique, at most 4 non-negative dimensions whose product fits in
 * int64, known types with whole-block rows, offsets aligned, inside the file, not overlapping, and
 * laid out contiguously in table order. All arithmetic is BigInt: offsets are u64 and forged.
 */
import { clip, type FindingSink } from '../finding-budget.js';
import { GGML_TYPES } from './ggml-types.js';
import { readString } from './metadata.js';
import { GgufStructureError, type GgufReader } from './reader.js';
import { GGUF_RULES as RULES } from './rules.js';

/** ggml's `GGML_MAX_NAME` (names must be shorter) and `GGML_MAX_DIMS`. */
export const MAX_NAME_BYTES = 64;
export const MAX_DIMS = 4;
const INT64_MAX = (1n << 63n) - 1n;
const UTF8 = new TextEncoder();

export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly bigint[];
  /** ggml type id. */
  readonly type: number;
  /** Offset of the data, relative to the start of the data section. */
  readonly offset: bigint;
  readonly elements: bigint;
  /** Data size in bytes; undefined when type or shape make it unknowable. */
  readonly bytes: bigint | undefined;
}

/**
 * Reads `count` tensor descriptions into `tensors`, reporting invalid ones; stops at one whose layout
 * cannot be read (those read before it stay in `tensors`).
 */
export async function readTensorInfos(reader: GgufReader, count: number, sink: FindingSink, tensors: GgufTensorInfo[]): Promise<void> {
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const name = await readString(reader, sink, `tensor ${i} name`, `offset ${at}`);
    const location = `tensor ${clip(name)}`;
    if (UTF8.encode(name).length >= MAX_NAME_BYTES)
      sink.add(RULES.invalidTensorInfo, { message: `tensor name "${clip(name)}" is ${MAX_NAME_BYTES} bytes or longer`, location });
    if (names.has(name)) sink.add(RULES.duplicateTensor, { message: `tensor "${clip(name)}" is described more than once`, location });
    names.add(name);

    const nDims = await reader.u32();
    if (nDims > MAX_DIMS)
      throw new GgufStructureError(RULES.invalidTensorInfo, { message: `tensor "${clip(name)}" has ${nDims} dimensions; at most ${MAX_DIMS} are allowed`, location });
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(reader.narrowSizes ? BigInt(await reader.u32()) : await reader.u64());
    const type = await reader.u32();
    const offset = await reader.u64();
    tensors.push({ name, dims, type, offset, ...sizeOf(name, dims, type, sink) });
  }
}

function sizeOf(name: string, dims: readonly bigint[], type: number, sink: FindingSink): { elements: bigint; bytes: bigint | undefined } {
  const location = `tensor ${clip(name)}`;
  let elements = 1n;
  for (const d of dims) elements *= d;
  if (dims.some((d) => d > INT64_MAX) || elements > INT64_MAX) {
    sink.add(RULES.invalidTensorInfo, {
      message: `tensor "${clip(name)}" dimensions [${dims.join(', ')}] overflow a 64-bit element count`,
      location,
    });
    return { elements, bytes: undefined };
  }
  const ggml = GGML_TYPES.get(type);
  if (!ggml) {
    sink.add(RULES.unknownTensorType, { message: `tensor "${clip(name)}" has unknown or removed ggml type ${type}`, location, details: { type } });
    return { elements, bytes: undefined };
  }
  const rowLength = dims[0] ?? 1n;
  if (rowLength % BigInt(ggml.blockSize) !== 0n) {
    sink.add(RULES.invalidTensorInfo, {
      message: `tensor "${clip(name)}" row length ${rowLength} is not a multiple of the ${ggml.name} block size ${ggml.blockSize}`,
      location,
    });
    return { elements, bytes: undefined };
  }
  return { elements, bytes: (elements / BigInt(ggml.blockSize)) * BigInt(ggml.typeSize) };
}

export interface DataLayout {
  /** Absolute offset of the data section (the aligned end of the tensor table). */
  readonly dataStart: bigint;
  readonly alignment: bigint;
  readonly fileSize: bigint;
}

/** `align(x) = x + (A − x mod A) mod A` (gguf.md). */
export function alignUp(value: bigint, alignment: bigint): bigint {
  return value + ((alignment - (value % alignment)) % alignment);
}

/** Checks alignment, bounds, overlap, ggml's contiguous order, and bytes after the last tensor. */
export function validateTensorLayout(tensors: readonly GgufTensorInfo[], layout: DataLayout, sink: FindingSink): void {
  const { dataStart, alignment, fileSize } = layout;
  let expected = 0n;
  for (const t of tensors) {
    const location = `tensor ${clip(t.name)}`;
    if (t.offset % alignment !== 0n)
      sink.add(RULES.misalignedTensor, { message: `tensor "${clip(t.name)}" offset ${t.offset} is not a multiple of the alignment ${alignment}`, location });
    if (t.bytes !== undefined && dataStart + t.offset + t.bytes > fileSize)
      sink.add(RULES.tensorOutOfBounds, {
        message: `tensor "${clip(t.name)}" needs bytes up to ${dataStart + t.offset + t.bytes} but the file has ${fileSize}`,
        location,
        details: { offset: t.offset.toString(), bytes: t.bytes.toString(), fileSize: fileSize.toString() },
      });
    if (t.offset !== expected)
      sink.add(RULES.tensorLayout, {
        message: `tensor "${clip(t.name)}" starts at data offset ${t.offset}; ggml expects ${expected} (right after the previous tensor)`,
        location,
        details: { offset: t.offset.toString(), expected: expected.toString() },
      });
    expected = t.bytes === undefined ? t.offset : t.offset + alignUp(t.bytes, alignment);
  }
  checkOverlaps(tensors, sink);
  checkTrailing(tensors, layout, sink);
}

function checkOverlaps(tensors: readonly GgufTensorInfo[], sink: FindingSink): void {
  const sized = tensors.filter((t) => t.bytes !== undefined && t.bytes > 0n);
  sized.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  let previous: GgufTensorInfo | undefined;
  for (const t of sized) {
    if (previous && t.offset < previous.offset + previous.bytes!)
      sink.add(RULES.tensorOverlap, {
        message: `tensor "${clip(t.name)}" at ${t.offset} overlaps "${clip(previous.name)}" [${previous.offset}, ${previous.offset + previous.bytes!})`,
        location: `tensor ${clip(t.name)}`,
        details: { other: clip(previous.name) },
      });
    if (!previous || t.offset + t.bytes! > previous.offset + previous.bytes!) previous = t;
  }
}

/** The file may end anywhere up to the last tensor's end plus alignment padding, no further. */
function checkTrailing(tensors: readonly GgufTensorInfo[], layout: DataLayout, sink: FindingSink): void {
  if (tensors.some((t) => t.bytes === undefined)) return;
  let end = 0n;
  for (const t of tensors) if (t.offset + t.bytes! > end) end = t.offset + t.bytes!;
  // Writers pad after the last tensor (and after a tensor-less header) up to the alignment.
  const allowed = alignUp(layout.dataStart + end, layout.alignment);
  if (layout.fileSize > allowed)
    sink.add(RULES.trailingData, {
      message: `${layout.fileSize - allowed} bytes follow the last tensor's data and padding`,
      location: `offset ${allowed}`,
      details: { trailingBytes: (layout.fileSize - allowed).toString() },
    });
}
