/**
 * GGUF v1–v3 header parser (oci-model-formats.md §6.2): magic, version and byte order, counts, metadata,
 * alignment, tensor table, then the data layout checked against the file size. It reads the header
 * only, never tensor data; a structural break stops parsing with a finding and returns what was read.
 */
import type { AnalyzerLimits } from '../limits.js';
import { sourceSize } from '../source-size.js';
import type { FindingSink } from '../finding-budget.js';
import { LimitExceededError } from '../engine-rules.js';
import { TruncatedError, type ByteSource } from '../source.js';
import { readMetadata, VALUE_TYPE, type GgufKeyValue } from './metadata.js';
import { GgufReader, GgufStructureError } from './reader.js';
import { GGUF_RULES as RULES } from './rules.js';
import { alignUp, readTensorInfos, validateTensorLayout, type GgufTensorInfo } from './tensors.js';

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const DEFAULT_ALIGNMENT = 32;
/** Padding bytes inspected for non-zero content; alignments are normally 32. */
const MAX_PADDING_CHECKED = 64 * 1024;

export interface GgufFile {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly tensorCount: number;
  readonly metadataCount: number;
  /** Every key/value pair read, in file order (duplicates included). */
  readonly metadata: readonly GgufKeyValue[];
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** False when a structural problem stopped parsing; metadata and tensors are then partial. */
  readonly complete: boolean;
}

interface ParseState {
  version: number;
  littleEndian: boolean;
  tensorCount: number;
  metadataCount: number;
  readonly metadata: GgufKeyValue[];
  readonly tensors: GgufTensorInfo[];
  alignment: number;
}

/**
 * Parses and validates a GGUF header, reporting every problem in the file to `sink`. Throws
 * {@link LimitExceededError} when the header is beyond this scanner's limits; errors of the source
 * itself (a failed Range request) propagate.
 */
export async function parseGguf(source: ByteSource, limits: AnalyzerLimits, sink: FindingSink): Promise<GgufFile> {
  const state: ParseState = { version: 0, littleEndian: true, tensorCount: 0, metadataCount: 0, metadata: [], tensors: [], alignment: DEFAULT_ALIGNMENT };
  const reader = new GgufReader(source, source.size, limits.maxHeaderBytes);
  let complete = false;
  try {
    await readHeader(reader, state, limits, sink);
    await readMetadata(reader, state.metadataCount, sink, state.metadata);
    state.alignment = alignmentOf(state.metadata, sink);
    await readTensorInfos(reader, state.tensorCount, sink, state.tensors);
    await checkDataSection(reader, source, state, limits, sink);
    complete = true;
  } catch (error) {
    if (error instanceof GgufStructureError) sink.add(error.rule, error.input);
    else if (error instanceof TruncatedError)
      sink.add(RULES.truncated, { message: `file ends at offset ${error.offset + error.got} inside the GGUF header`, location: `offset ${error.offset}` });
    else throw error;
  }
  if (complete && !state.metadata.some((kv) => kv.key === 'general.architecture'))
    sink.add(RULES.missingArchitecture, { message: 'metadata has no general.architecture key', location: 'metadata' });
  return { ...state, complete };
}

async function readHeader(reader: GgufReader, state: ParseState, limits: AnalyzerLimits, sink: FindingSink): Promise<void> {
  if ((await reader.u32()) !== MAGIC) throw new GgufStructureError(RULES.badMagic, { message: 'file does not start with "GGUF"', location: 'offset 0' });
  let version = await reader.u32();
  // No byte-order flag exists: a byte-swapped file shows its version in the high half (ggml gguf.cpp).
  if (version !== 0 && (version & 0xffff) === 0) {
    reader.littleEndian = false;
    version = byteSwap32(version);
  }
  state.version = version;
  state.littleEndian = reader.littleEndian;
  if (version === 0 || version > 3)
    throw new GgufStructureError(RULES.unsupportedVersion, { message: `GGUF version ${version} does not exist`, location: 'offset 4', details: { version } });
  if (version === 1) {
    reader.narrowSizes = true;
    sink.add(RULES.unsupportedVersion, { message: 'GGUF version 1 is no longer loaded by llama.cpp', location: 'offset 4', severity: 'Low', details: { version } });
  }
  const tensorCount = await reader.count();
  const metadataCount = await reader.count();
  // Smallest possible entries: a tensor is name length + n_dims + type + offset; a pair is key length + type + 1 byte.
  const minimum = tensorCount * BigInt(reader.countBytes + 16) + metadataCount * BigInt(reader.countBytes + 5);
  reader.requireAvailable(minimum, RULES.countOutOfBounds, {
    message: `header claims ${tensorCount} tensors and ${metadataCount} metadata pairs, more than the file can hold`,
    location: 'offset 8',
    details: { tensorCount: tensorCount.toString(), metadataCount: metadataCount.toString() },
  });
  if (tensorCount > BigInt(limits.maxMembers)) throw new LimitExceededError('gguf tensors', Number(tensorCount), limits.maxMembers);
  if (metadataCount > BigInt(limits.maxMembers)) throw new LimitExceededError('gguf metadata pairs', Number(metadataCount), limits.maxMembers);
  state.tensorCount = Number(tensorCount);
  state.metadataCount = Number(metadataCount);
}

/** `general.alignment`: a u32 power of two (ggml gguf.cpp), else the default 32. */
function alignmentOf(metadata: readonly GgufKeyValue[], sink: FindingSink): number {
  const entry = metadata.find((kv) => kv.key === 'general.alignment');
  if (!entry) return DEFAULT_ALIGNMENT;
  const value = entry.value;
  if (entry.type !== VALUE_TYPE.UINT32 || typeof value !== 'number' || value === 0 || (value & (value - 1)) !== 0) {
    sink.add(RULES.invalidAlignment, {
      message: `general.alignment is ${typeof value === 'object' ? 'an array' : String(value)} (type ${entry.type}); a u32 power of two is required`,
      location: 'key general.alignment',
    });
    return DEFAULT_ALIGNMENT;
  }
  return value;
}

async function checkDataSection(reader: GgufReader, source: ByteSource, state: ParseState, limits: AnalyzerLimits, sink: FindingSink): Promise<void> {
  const alignment = BigInt(state.alignment);
  const tableEnd = reader.pos;
  // ggml aligns the data start only when there are tensors.
  const dataStart = state.tensors.length > 0 ? alignUp(BigInt(tableEnd), alignment) : BigInt(tableEnd);
  const padding = Number(dataStart) - tableEnd;
  const size = source.size;
  const checkable = Math.min(padding, MAX_PADDING_CHECKED, size === undefined ? padding : Math.max(0, size - tableEnd));
  let nonzero = -1;
  await reader.scan(checkable, (chunk, offset) => {
    const at = chunk.findIndex((b) => b !== 0);
    if (nonzero < 0 && at >= 0) nonzero = offset + at;
  });
  if (nonzero >= 0)
    sink.add(RULES.nonzeroPadding, { message: `padding before the tensor data holds non-zero bytes (first at offset ${nonzero})`, location: `offset ${nonzero}` });
  const fileSize = BigInt(await sourceSize(source, reader.fetchedEnd, limits));
  validateTensorLayout(state.tensors, { dataStart, alignment, fileSize }, sink);
}

function byteSwap32(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}
