/**
 * Validation of a decoded safetensors header, check for check with the reference reader
 * (`Metadata::validate` in huggingface/safetensors `tensor.rs`; oci-model-formats.md §6.1):
 * tensor entries, dtypes, shape × dtype = byte range, and a data layout that is sorted, contiguous from
 * 0, non-overlapping and ends exactly at the end of the file.
 */
import { clip as display, type FindingSink } from '../finding-budget.js';
import { DTYPE_BITS } from './dtypes.js';
import { SAFETENSORS_RULES as RULES } from './rules.js';

export const METADATA_KEY = '__metadata__';
const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

/** A tensor's byte range inside the data section. */
export interface TensorRange {
  readonly name: string;
  readonly begin: number;
  readonly end: number;
}

/**
 * Checks `__metadata__` and every tensor entry; returns the byte ranges of the entries whose offsets are
 * well-formed, for {@link validateLayout}.
 */
export function validateEntries(header: Record<string, unknown>, sink: FindingSink): TensorRange[] {
  const ranges: TensorRange[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) validateMetadata(entry, sink);
    else {
      const range = validateTensor(name, entry, sink);
      if (range) ranges.push(range);
    }
  }
  return ranges;
}

function validateMetadata(metadata: unknown, sink: FindingSink): void {
  if (!isPlainObject(metadata)) {
    sink.add(RULES.invalidMetadata, { message: `__metadata__ is ${describe(metadata)}, not an object`, location: `key ${METADATA_KEY}` });
    return;
  }
  for (const [key, value] of Object.entries(metadata))
    if (typeof value !== 'string')
      sink.add(RULES.invalidMetadata, {
        message: `__metadata__ value "${display(key)}" is ${describe(value)}, not a string`,
        location: `key ${METADATA_KEY}.${display(key)}`,
      });
}

function validateTensor(name: string, entry: unknown, sink: FindingSink): TensorRange | undefined {
  const location = `tensor ${display(name)}`;
  if (!isPlainObject(entry)) {
    sink.add(RULES.invalidTensorInfo, { message: `tensor "${display(name)}" is ${describe(entry)}, not an object`, location });
    return undefined;
  }
  const extra = Object.keys(entry).filter((k) => !TENSOR_FIELDS.has(k));
  if (extra.length > 0)
    sink.add(RULES.unexpectedField, {
      message: `tensor "${display(name)}" has fields the format does not define: ${extra.slice(0, 5).map(display).join(', ')}`,
      location,
      details: { fields: extra.slice(0, 20).map(display) },
    });

  const bits = dtypeBits(name, entry['dtype'], location, sink);
  const shape = shapeOf(name, entry['shape'], location, sink);
  const range = rangeOf(name, entry['data_offsets'], location, sink);
  if (bits !== undefined && shape !== undefined && range !== undefined) checkSize(name, bits, shape, range, location, sink);
  return range;
}

function dtypeBits(name: string, dtype: unknown, location: string, sink: FindingSink): number | undefined {
  if (typeof dtype !== 'string') {
    sink.add(RULES.invalidTensorInfo, { message: `tensor "${display(name)}" dtype is ${describe(dtype)}, not a string`, location });
    return undefined;
  }
  const bits = DTYPE_BITS.get(dtype);
  if (bits === undefined)
    sink.add(RULES.unknownDtype, { message: `tensor "${display(name)}" has unknown dtype "${display(dtype)}"`, location, details: { dtype: display(dtype) } });
  return bits;
}

function shapeOf(name: string, shape: unknown, location: string, sink: FindingSink): readonly number[] | undefined {
  if (!Array.isArray(shape)) {
    sink.add(RULES.invalidTensorInfo, { message: `tensor "${display(name)}" shape is ${describe(shape)}, not an array`, location });
    return undefined;
  }
  const bad = shape.findIndex((d) => !isIndex(d));
  if (bad >= 0) {
    sink.add(RULES.invalidShape, {
      message: `tensor "${display(name)}" dimension ${bad} is ${describe(shape[bad])}, not a non-negative safe integer`,
      location,
    });
    return undefined;
  }
  return shape as number[];
}

function rangeOf(name: string, offsets: unknown, location: string, sink: FindingSink): TensorRange | undefined {
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    sink.add(RULES.invalidTensorInfo, {
      message: `tensor "${display(name)}" data_offsets is ${describe(offsets)}, not [BEGIN, END]`,
      location,
    });
    return undefined;
  }
  const [begin, end] = offsets as unknown[];
  if (!isIndex(begin) || !isIndex(end) || end < begin) {
    sink.add(RULES.invalidOffsets, {
      message: `tensor "${display(name)}" data_offsets [${describe(begin)}, ${describe(end)}] are not non-negative integers with END ≥ BEGIN`,
      location,
    });
    return undefined;
  }
  return { name, begin, end };
}

/** Element count × dtype bits must be whole bytes and equal the range; BigInt so nothing overflows. */
function checkSize(name: string, bits: number, shape: readonly number[], range: TensorRange, location: string, sink: FindingSink): void {
  const elements = shape.reduce((product, d) => product * BigInt(d), 1n);
  const totalBits = elements * BigInt(bits);
  const rangeBytes = BigInt(range.end - range.begin);
  if (totalBits % 8n === 0n && totalBits / 8n === rangeBytes) return;
  sink.add(RULES.sizeMismatch, {
    message:
      totalBits % 8n !== 0n
        ? `tensor "${display(name)}" holds ${totalBits} bits, not a whole number of bytes`
        : `tensor "${display(name)}" needs ${totalBits / 8n} bytes (shape [${shape.join(', ')}]) but data_offsets span ${rangeBytes}`,
    location,
    details: { shape: shape.slice(0, 16), expectedBytes: (totalBits / 8n).toString(), rangeBytes: rangeBytes.toString() },
  });
}

/**
 * Sorted by offset, ranges must start at 0, follow each other without gap or overlap, and end exactly at
 * the end of the data section (`dataSize` = file size − 8 − N).
 */
export function validateLayout(ranges: readonly TensorRange[], dataSize: number, sink: FindingSink): void {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: TensorRange | undefined;
  for (const range of sorted) {
    const location = `tensor ${display(range.name)}`;
    if (range.begin > covered)
      sink.add(RULES.offsetGap, {
        message: `bytes ${covered}..${range.begin} of the data section belong to no tensor (before "${display(range.name)}")`,
        location,
        details: { gapStart: covered, gapEnd: range.begin },
      });
    else if (range.begin < covered && last)
      sink.add(RULES.offsetOverlap, {
        message: `tensor "${display(range.name)}" [${range.begin}, ${range.end}) overlaps "${display(last.name)}" [${last.begin}, ${last.end})`,
        location,
        details: { other: display(last.name) },
      });
    if (range.end >= covered) {
      covered = range.end;
      last = range;
    }
  }
  if (covered > dataSize)
    sink.add(RULES.dataOutOfBounds, {
      message: `tensor data needs ${covered} bytes but the data section has ${dataSize}`,
      location: last ? `tensor ${display(last.name)}` : 'data section',
      details: { needed: covered, available: dataSize },
    });
  else if (dataSize > covered)
    sink.add(RULES.trailingData, {
      message: `${dataSize - covered} bytes follow the last tensor`,
      location: `data offset ${covered}`,
      details: { trailingBytes: dataSize - covered },
    });
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `"${display(value)}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}
