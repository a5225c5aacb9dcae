/**
 * One `TensorProto`: its shape, type and where its data lives, checked without reading the data. The
 * size of `raw_data` is its field length; typed values are counted from packed lengths (varints by a
 * bounded scan); external data is checked by its entries (external-data.ts).
 */
import { clip, type FindingSink } from '../finding-budget.js';
import { WireFormatError, type WireField, type WireReader } from '../protobuf/wire-reader.js';
import { decodeVarint, signedOf, WireType, type Varint } from '../protobuf/varint.js';
import { ONNX_DATA_TYPES, rawBytes, typedValues, type OnnxDataType } from './dtypes.js';
import { inspectLocation, parseDecimal } from './external-data.js';
import { ONNX_RULES as RULES } from './rules.js';
import { DATA_LOCATION_EXTERNAL, STRING_ENTRY, TENSOR } from './schema.js';

/** Packed dims beyond this many bytes (over a thousand dimensions) are not a real shape. */
const MAX_DIMS_BYTES = 8 * 1024;
/** Packed varint arrays above this size are not counted (reading them would cost more than it tells). */
const MAX_COUNTED_VARINT_BYTES = 16 * 1024 * 1024;
const MAX_NAME_BYTES = 256;
const MAX_ENTRY_VALUE_BYTES = 4096;
const MAX_EXTERNAL_ENTRIES = 64;
/** Distinct external-data files remembered per model (real ones use one, or one per tensor). */
const MAX_LOCATIONS = 4096;

const TYPED_FIELDS = [TENSOR.floatData, TENSOR.int32Data, TENSOR.stringData, TENSOR.int64Data, TENSOR.doubleData, TENSOR.uint64Data];
const FIELD_NAMES: Readonly<Record<number, string>> = {
  [TENSOR.floatData]: 'float_data',
  [TENSOR.int32Data]: 'int32_data',
  [TENSOR.stringData]: 'string_data',
  [TENSOR.int64Data]: 'int64_data',
  [TENSOR.doubleData]: 'double_data',
  [TENSOR.uint64Data]: 'uint64_data',
};
/** Width in bytes of a packed fixed-width typed field; varint fields are absent. */
const FIXED_WIDTH: Readonly<Record<number, number>> = { [TENSOR.floatData]: 4, [TENSOR.doubleData]: 8 };
/** The unpacked wire type of each typed field. */
const UNPACKED_WIRE: Readonly<Record<number, number>> = {
  [TENSOR.floatData]: WireType.I32,
  [TENSOR.doubleData]: WireType.I64,
  [TENSOR.int32Data]: WireType.Varint,
  [TENSOR.int64Data]: WireType.Varint,
  [TENSOR.uint64Data]: WireType.Varint,
};

interface ExternalEntry {
  readonly key: string;
  readonly value: string;
  /** Bytes of the value as written (it is read only up to MAX_ENTRY_VALUE_BYTES). */
  readonly valueBytes: number;
}

interface TensorFacts {
  name: string;
  dataType: number;
  /** Element count; undefined when the shape is invalid (`shapeProblem` says why). */
  elements: number | undefined;
  shapeProblem: string | undefined;
  segment: boolean;
  rawLength: number | undefined;
  /** Values per typed field; undefined for a field too large to count. */
  readonly typed: Map<number, number | undefined>;
  readonly external: ExternalEntry[];
  dataLocation: number;
}

/**
 * Walks the TensorProto in `field` and reports what is wrong with it; `where` locates it in the model.
 * The plain relative external-data locations it reads go into `locations`, to be looked for among the
 * artifact's files.
 */
export async function checkTensor(reader: WireReader, field: WireField, where: string, sink: FindingSink, locations: Set<string>): Promise<void> {
  const facts: TensorFacts = { name: '', dataType: 0, elements: 1, shapeProblem: undefined, segment: false, rawLength: undefined, typed: new Map(), external: [], dataLocation: 0 };
  for await (const f of reader.fields(reader.nested(field))) {
    switch (f.number) {
      case TENSOR.dims:
        await readDims(reader, f, facts);
        break;
      case TENSOR.dataType:
        if (f.wireType === WireType.Varint) facts.dataType = f.signed;
        break;
      case TENSOR.segment:
        facts.segment = true;
        break;
      case TENSOR.name:
        if (f.wireType === WireType.Len) facts.name = await reader.text(f, MAX_NAME_BYTES);
        break;
      case TENSOR.rawData:
        if (f.wireType === WireType.Len) facts.rawLength = f.end - f.start;
        break;
      case TENSOR.externalData:
        if (f.wireType === WireType.Len && facts.external.length < MAX_EXTERNAL_ENTRIES) facts.external.push(await readEntry(reader, f));
        break;
      case TENSOR.dataLocation:
        if (f.wireType === WireType.Varint) facts.dataLocation = f.signed;
        break;
      default:
        if (TYPED_FIELDS.includes(f.number as (typeof TYPED_FIELDS)[number])) await countTyped(reader, f, facts.typed);
    }
  }
  judge(facts, facts.name === '' ? where : `${where} '${clip(facts.name)}'`, sink, locations);
}

/** `location` (here and below) is the tensor's place in the model, as findings report it. */
function judge(facts: TensorFacts, location: string, sink: FindingSink, locations: Set<string>): void {
  const hasData = facts.rawLength !== undefined || facts.external.length > 0 || [...facts.typed.values()].some((n) => n !== 0);
  const details = { tensor: facts.name, dataType: facts.dataType };
  if (facts.dataType === 0) {
    if (hasData) sink.add(RULES.invalidTensor, { message: `tensor ${location} carries data but no data type`, location, details });
    return;
  }
  const type = ONNX_DATA_TYPES.get(facts.dataType);
  if (!type) {
    sink.add(RULES.invalidTensor, { message: `tensor ${location} has unknown data type ${facts.dataType}`, location, details });
    return;
  }
  if (facts.shapeProblem !== undefined || facts.elements === undefined) {
    sink.add(RULES.invalidTensor, { message: `tensor ${location} ${facts.shapeProblem ?? 'has an invalid shape'}`, location, details });
    return;
  }
  // A segment holds part of a tensor split across several TensorProtos: its size cannot be judged alone.
  if (facts.segment) return;
  if (facts.dataLocation === DATA_LOCATION_EXTERNAL || facts.external.length > 0) {
    judgeExternal(facts, type, facts.elements, location, sink, locations);
    return;
  }
  if (facts.rawLength !== undefined) {
    const expected = rawBytes(type, facts.elements);
    if (expected === undefined)
      sink.add(RULES.invalidTensor, { message: `${type.name} tensor ${location} stores its strings in raw_data, which the format forbids`, location, details });
    else if (facts.rawLength !== expected)
      sink.add(RULES.tensorSizeMismatch, {
        message: `${type.name} tensor ${location} has ${facts.elements} elements (${expected} bytes) but raw_data holds ${facts.rawLength} bytes`,
        location,
        details: { ...details, elements: facts.elements, expectedBytes: expected, rawBytes: facts.rawLength },
      });
    return;
  }
  judgeTyped(facts, type, facts.elements, location, sink);
}

function judgeTyped(facts: TensorFacts, type: OnnxDataType, elements: number, location: string, sink: FindingSink): void {
  const expected = typedValues(type, elements);
  const tooLargeToCount = facts.typed.has(type.typedField) && facts.typed.get(type.typedField) === undefined;
  if (tooLargeToCount) return;
  const own = facts.typed.get(type.typedField) ?? 0;
  const others = [...facts.typed].filter(([f, n]) => f !== type.typedField && n !== 0).map(([f, n]) => `${n ?? 'many'} in ${FIELD_NAMES[f]}`);
  if (own === expected && others.length === 0) return;
  sink.add(RULES.tensorSizeMismatch, {
    message: `${type.name} tensor ${location} has ${elements} elements (${expected} values in ${FIELD_NAMES[type.typedField]}) but holds ${own}${others.length > 0 ? `, and ${others.join(', ')}` : ''}`,
    location,
    details: { tensor: facts.name, dataType: facts.dataType, elements, expectedValues: expected, values: own },
  });
}

function judgeExternal(facts: TensorFacts, type: OnnxDataType, elements: number, location: string, sink: FindingSink, locations: Set<string>): void {
  const invalid = (message: string) => sink.add(RULES.invalidExternalData, { message: `tensor ${location} ${message}`, location, details: { tensor: facts.name } });
  if (facts.dataLocation !== DATA_LOCATION_EXTERNAL) invalid('has external_data entries but data_location is not EXTERNAL, so runtimes disagree on which data it holds');
  if (facts.rawLength !== undefined) invalid('has both raw_data and external data');
  const entries = new Map<string, ExternalEntry[]>();
  for (const entry of facts.external) entries.set(entry.key, [...(entries.get(entry.key) ?? []), entry]);
  for (const [key, list] of entries) if (list.length > 1) invalid(`repeats the external_data key ${JSON.stringify(clip(key))}; runtimes keep different ones`);
  // Every location is checked: with a repeated key, some runtimes keep the first and others the last.
  const paths = entries.get('location') ?? [];
  if (paths.length === 0) invalid('is stored externally but has no location');
  for (const path of paths) if (checkPath(path, facts.name, location, sink) && locations.size < MAX_LOCATIONS) locations.add(path.value);
  const offset = numberEntry(entries.get('offset')?.[0], 'offset', invalid);
  const length = numberEntry(entries.get('length')?.[0], 'length', invalid);
  if (offset !== undefined && length !== undefined && !Number.isSafeInteger(offset + length)) invalid('has offset + length beyond 2^53');
  const expected = rawBytes(type, elements);
  if (expected === undefined) invalid(`is a ${type.name} tensor, which cannot be stored externally`);
  else if (length !== undefined && length !== expected)
    sink.add(RULES.tensorSizeMismatch, {
      message: `${type.name} tensor ${location} has ${elements} elements (${expected} bytes) but its external length is ${length}`,
      location,
      details: { tensor: facts.name, elements, expectedBytes: expected, externalLength: length },
    });
}

/** The external `location` entry: the path the runtime will open. True when it is a plain relative path. */
function checkPath(entry: ExternalEntry, tensor: string, location: string, sink: FindingSink): boolean {
  const quoted = JSON.stringify(clip(entry.value));
  const details = { tensor, externalLocation: clip(entry.value) };
  if (entry.valueBytes > MAX_ENTRY_VALUE_BYTES) {
    sink.add(RULES.externalDataSuspiciousLocation, { message: `tensor ${location} has an external data location of ${entry.valueBytes} bytes`, location, details });
    return false;
  }
  const problem = inspectLocation(entry.value);
  if (!problem) return true;
  const rule =
    problem.kind === 'escape' ? RULES.externalDataEscape : problem.kind === 'memory-address' ? RULES.externalDataMemoryAddress : RULES.externalDataSuspiciousLocation;
  sink.add(rule, { message: `tensor ${location} reads its data from ${quoted}, which ${problem.reason}`, location, details });
  return false;
}

function numberEntry(entry: ExternalEntry | undefined, key: string, invalid: (message: string) => void): number | undefined {
  if (!entry) return undefined;
  const value = parseDecimal(entry.value);
  if (value === undefined) invalid(`has external ${key} ${JSON.stringify(clip(entry.value))}, not a non-negative decimal integer below 2^53`);
  return value;
}

async function readEntry(reader: WireReader, field: WireField): Promise<ExternalEntry> {
  let key = '';
  let value = '';
  let valueBytes = 0;
  for await (const f of reader.fields(reader.nested(field))) {
    if (f.wireType !== WireType.Len) continue;
    if (f.number === STRING_ENTRY.key) key = await reader.text(f, MAX_NAME_BYTES);
    else if (f.number === STRING_ENTRY.value) {
      value = await reader.text(f, MAX_ENTRY_VALUE_BYTES);
      valueBytes = f.end - f.start;
    }
  }
  return { key, value, valueBytes };
}

/** Adds one dims field (one varint, or a packed run of them) to the element count. */
async function readDims(reader: WireReader, field: WireField, facts: TensorFacts): Promise<void> {
  if (field.wireType === WireType.Varint) {
    addDim(facts, field.signed);
    return;
  }
  if (field.wireType !== WireType.Len) return;
  if (field.end - field.start > MAX_DIMS_BYTES) {
    facts.shapeProblem = `has a shape of more than ${MAX_DIMS_BYTES} bytes`;
    return;
  }
  const bytes = await reader.prefix(field, MAX_DIMS_BYTES);
  const v: Varint = { lo: 0, hi: 0, length: 0 };
  for (let at = 0; at < bytes.length; ) {
    const dim = decodeVarint(bytes, at, v);
    if (dim === undefined || dim.length === 0) {
      facts.shapeProblem = 'has a malformed packed shape';
      return;
    }
    addDim(facts, signedOf(dim));
    at += dim.length;
  }
}

function addDim(facts: TensorFacts, dim: number): void {
  if (facts.shapeProblem !== undefined) return;
  if (dim < 0) facts.shapeProblem = `has a negative dimension (${dim})`;
  else if (facts.elements !== undefined) {
    const product = facts.elements * dim;
    if (!Number.isSafeInteger(product)) facts.shapeProblem = 'has more than 2^53 elements';
    else facts.elements = product;
  }
}

/** Adds a typed field occurrence (packed or not) to its value count. */
async function countTyped(reader: WireReader, field: WireField, typed: Map<number, number | undefined>): Promise<void> {
  const seen = typed.has(field.number) ? typed.get(field.number) : 0;
  if (seen === undefined) return;
  let count: number | undefined;
  if (field.number === TENSOR.stringData) count = field.wireType === WireType.Len ? 1 : 0;
  else if (field.wireType === UNPACKED_WIRE[field.number]) count = 1;
  else if (field.wireType !== WireType.Len) count = 0;
  else {
    const width = FIXED_WIDTH[field.number];
    const bytes = field.end - field.start;
    if (width !== undefined) {
      if (bytes % width !== 0) throw new WireFormatError(`packed ${FIELD_NAMES[field.number]} at offset ${field.offset} is not a whole number of values`, field.offset);
      count = bytes / width;
    } else count = bytes > MAX_COUNTED_VARINT_BYTES ? undefined : await countVarints(reader, field);
  }
  typed.set(field.number, count === undefined ? undefined : seen + count);
}

/** Varints in a packed field: bytes with the continuation bit clear. A last byte with it set is malformed. */
async function countVarints(reader: WireReader, field: WireField): Promise<number> {
  let count = 0;
  let last = 0;
  await reader.scan(field, (chunk) => {
    for (const b of chunk) if ((b & 0x80) === 0) count += 1;
    last = chunk[chunk.length - 1] ?? 0;
  });
  if ((last & 0x80) !== 0) throw new WireFormatError(`packed ${FIELD_NAMES[field.number]} at offset ${field.offset} ends inside a varint`, field.offset);
  return count;
}
