/**
 * GGUF metadata key/value pairs (oci-model-formats.md §6.2). Every value type is read, including nested
 * arrays up to a fixed depth. Large arrays (a 150k-token vocabulary) are walked, not kept: only scalars
 * and short arrays are retained, so memory follows the limit, not the counts the file claims.
 */
import { clip, type FindingSink } from '../finding-budget.js';
import { GgufStructureError, type GgufReader } from './reader.js';
import { GGUF_RULES as RULES } from './rules.js';

export const VALUE_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Byte width of fixed-size value types. */
const FIXED_WIDTH: ReadonlyMap<number, number> = new Map([
  [VALUE_TYPE.UINT8, 1],
  [VALUE_TYPE.INT8, 1],
  [VALUE_TYPE.UINT16, 2],
  [VALUE_TYPE.INT16, 2],
  [VALUE_TYPE.UINT32, 4],
  [VALUE_TYPE.INT32, 4],
  [VALUE_TYPE.FLOAT32, 4],
  [VALUE_TYPE.BOOL, 1],
  [VALUE_TYPE.UINT64, 8],
  [VALUE_TYPE.INT64, 8],
  [VALUE_TYPE.FLOAT64, 8],
]);

/** ggml's `GGUF_MAX_STRING_LENGTH` and `GGUF_MAX_ARRAY_ELEMENTS` (`src/gguf.cpp`). */
export const MAX_STRING_LENGTH = 1024 ** 3;
export const MAX_ARRAY_ELEMENTS = 1024 ** 3;
/** Arrays of arrays deeper than this serve no model (ggml rejects any nesting). */
export const MAX_ARRAY_NESTING = 4;
/** Arrays up to this many elements keep their values (tags, languages); longer ones only their length. */
const RETAINED_ARRAY_ELEMENTS = 64;

export type GgufScalar = number | bigint | boolean | string;

export interface GgufArray {
  readonly elementType: number;
  readonly length: number;
  /** The elements, for top-level arrays of at most 64 scalars; undefined otherwise. */
  readonly values?: readonly GgufValue[];
}

export type GgufValue = GgufScalar | GgufArray;

export interface GgufKeyValue {
  readonly key: string;
  readonly type: number;
  readonly value: GgufValue;
  /** File offset of the key. */
  readonly offset: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

/**
 * Reads `count` key/value pairs into `pairs`, in file order (duplicates reported and kept). Pairs read
 * before a structural error stay in `pairs`.
 */
export async function readMetadata(reader: GgufReader, count: number, sink: FindingSink, pairs: GgufKeyValue[]): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const offset = reader.pos;
    const key = await readString(reader, sink, `metadata key ${i}`, `offset ${offset}`);
    if (key.length === 0) sink.add(RULES.invalidString, { message: `metadata key ${i} is empty`, location: `offset ${offset}` });
    if (seen.has(key))
      sink.add(RULES.duplicateKey, { message: `metadata key "${clip(key)}" appears more than once`, location: `key ${clip(key)}`, details: { offset } });
    seen.add(key);
    const type = await reader.u32();
    const value = await readValue(reader, type, 0, key, sink);
    pairs.push({ key, type, value, offset });
  }
}

async function readValue(reader: GgufReader, type: number, depth: number, key: string, sink: FindingSink): Promise<GgufValue> {
  switch (type) {
    case VALUE_TYPE.UINT8:
      return reader.u8();
    case VALUE_TYPE.INT8:
      return reader.i8();
    case VALUE_TYPE.UINT16:
      return reader.u16();
    case VALUE_TYPE.INT16:
      return reader.i16();
    case VALUE_TYPE.UINT32:
      return reader.u32();
    case VALUE_TYPE.INT32:
      return reader.i32();
    case VALUE_TYPE.FLOAT32:
      return reader.f32();
    case VALUE_TYPE.UINT64:
      return reader.u64();
    case VALUE_TYPE.INT64:
      return reader.i64();
    case VALUE_TYPE.FLOAT64:
      return reader.f64();
    case VALUE_TYPE.BOOL: {
      const at = reader.pos;
      const byte = await reader.u8();
      if (byte > 1) reportBool(sink, key, byte, at);
      return byte !== 0;
    }
    case VALUE_TYPE.STRING:
      return readString(reader, sink, `value of "${clip(key)}"`, `key ${clip(key)}`);
    case VALUE_TYPE.ARRAY:
      return readArray(reader, depth, key, sink);
    default:
      throw new GgufStructureError(RULES.invalidValueType, {
        message: `metadata "${clip(key)}" has unknown value type ${type}`,
        location: `key ${clip(key)}`,
        details: { type },
      });
  }
}

async function readArray(reader: GgufReader, depth: number, key: string, sink: FindingSink): Promise<GgufArray> {
  const location = `key ${clip(key)}`;
  if (depth >= MAX_ARRAY_NESTING)
    throw new GgufStructureError(RULES.nestingTooDeep, { message: `metadata "${clip(key)}" nests arrays deeper than ${MAX_ARRAY_NESTING} levels`, location });
  const elementType = await reader.u32();
  const length = await reader.count();
  const minimum = minimumSize(elementType, reader);
  if (minimum === undefined)
    throw new GgufStructureError(RULES.invalidValueType, {
      message: `metadata "${clip(key)}" is an array of unknown value type ${elementType}`,
      location,
      details: { type: elementType },
    });
  const tooLong = { message: `metadata "${clip(key)}" claims ${length} array elements, more than the file or format allows`, location, details: { length: length.toString() } };
  if (length > BigInt(MAX_ARRAY_ELEMENTS)) throw new GgufStructureError(RULES.lengthOutOfBounds, tooLong);
  reader.requireAvailable(length * BigInt(minimum), RULES.lengthOutOfBounds, tooLong);
  const count = Number(length);

  // Only short top-level arrays of scalars are kept: nested ones would multiply (64^depth values).
  if (count <= RETAINED_ARRAY_ELEMENTS && depth === 0 && elementType !== VALUE_TYPE.ARRAY) {
    const values: GgufValue[] = [];
    for (let i = 0; i < count; i++) values.push(await readValue(reader, elementType, depth + 1, key, sink));
    return { elementType, length: count, values };
  }
  if (elementType === VALUE_TYPE.BOOL) await checkBools(reader, count, key, sink);
  else if (elementType === VALUE_TYPE.STRING) await skipStrings(reader, count, key);
  else if (elementType === VALUE_TYPE.ARRAY) for (let i = 0; i < count; i++) await readArray(reader, depth + 1, key, sink);
  else reader.skip(count * minimum);
  return { elementType, length: count };
}

/** Smallest encoding of one element: fixed width, or just the length/count prefix. */
function minimumSize(type: number, reader: GgufReader): number | undefined {
  if (type === VALUE_TYPE.STRING) return reader.countBytes;
  if (type === VALUE_TYPE.ARRAY) return 4 + reader.countBytes;
  return FIXED_WIDTH.get(type);
}

/**
 * Reads one string after checking its length against the format cap, the file and the header limit.
 * Invalid UTF-8 and NUL bytes are reported; the text is still returned (lossily decoded).
 */
export async function readString(reader: GgufReader, sink: FindingSink, what: string, location: string): Promise<string> {
  const length = await reader.count();
  const tooLong = { message: `${what} claims ${length} bytes, more than the file or format allows`, location, details: { length: length.toString() } };
  if (length > BigInt(MAX_STRING_LENGTH)) throw new GgufStructureError(RULES.lengthOutOfBounds, tooLong);
  reader.requireAvailable(length, RULES.lengthOutOfBounds, tooLong);
  const bytes = await reader.bytes(Number(length));
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    sink.add(RULES.invalidString, { message: `${what} is not valid UTF-8`, location });
    return LENIENT_UTF8.decode(bytes);
  }
  if (text.includes('\0')) sink.add(RULES.invalidString, { message: `${what} contains a NUL byte`, location });
  return text;
}

/**
 * Walks an array of strings without keeping them. Element text is not decoded: vocabularies legitimately
 * hold byte-level tokens, and only their framing matters for reading the rest of the file.
 */
async function skipStrings(reader: GgufReader, count: number, key: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const length = reader.countIfBuffered() ?? (await reader.count());
    const tooLong = { message: `element ${i} of "${clip(key)}" claims ${length} bytes, more than the file or format allows`, location: `key ${clip(key)}` };
    if (length > BigInt(MAX_STRING_LENGTH)) throw new GgufStructureError(RULES.lengthOutOfBounds, tooLong);
    reader.requireAvailable(length, RULES.lengthOutOfBounds, tooLong);
    reader.skip(Number(length));
  }
}

async function checkBools(reader: GgufReader, count: number, key: string, sink: FindingSink): Promise<void> {
  await reader.scan(count, (chunk, offset) => {
    const bad = chunk.findIndex((b) => b > 1);
    if (bad >= 0) reportBool(sink, key, chunk[bad]!, offset + bad);
  });
}

function reportBool(sink: FindingSink, key: string, byte: number, offset: number): void {
  sink.add(RULES.invalidBool, { message: `boolean in "${clip(key)}" has value ${byte}`, location: `key ${clip(key)}`, details: { offset } });
}
