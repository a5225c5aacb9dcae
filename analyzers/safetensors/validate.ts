/**
 * Validation of a safetensors header as it streams past, check for check with the reference reader
 * (`Metadata::validate` in huggingface/safetensors `tensor.rs`; oci-model-formats.md §6.1): tensor
 * entries, dtypes, shape × dtype = byte range, and a data layout that is sorted, contiguous from 0,
 * non-overlapping and ends exactly at the end of the file.
 *
 * {@link TensorTableCollector} listens to the JSON reader (./json-keys.ts): each entry is checked when its
 * object closes, from a small summary of its three fields, and only its byte range and clipped name are
 * kept — in typed arrays and one array of names — so a 100 MB header of a million tensors costs tens of
 * megabytes, not a parse tree.
 */
import { clip as display, type FindingSink } from '../finding-budget.js';
import { DTYPE_BITS } from './dtypes.js';
import type { ContainerKind, DuplicateKey, JsonListener, JsonScalar, JsonText } from './json-keys.js';
import { SAFETENSORS_RULES as RULES } from './rules.js';

export const METADATA_KEY = '__metadata__';
const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);
/** Dimensions kept for a finding's message; more only count (a real tensor has at most a handful). */
const KEPT_DIMS = 64;
/** Element counts beyond this many bits cannot match any byte range: products stop growing there. */
const PRODUCT_CAP = 1n << 4096n;
/** `__metadata__` entries kept for the licence analysis (keys naming a licence; see license/sources.ts). */
const KEPT_METADATA = 64;
const LICENSE_KEY = /licen[cs]e/i;

/** What a finding needs to know of a value: its JSON type, text, number or length. */
type Summary = JsonScalar | { readonly kind: 'object' } | { readonly kind: 'array'; readonly length: number };

/** A `__metadata__` value as the licence analysis reads it: a string, a number, or a list of them. */
export type MetadataValue = string | number | ReadonlyArray<string | number>;

interface Entry {
  readonly name: string;
  readonly slot: number;
  dtype?: Summary;
  shape?: Summary;
  dims: number[];
  dimCount: number;
  product: bigint;
  productCapped: boolean;
  badDim?: { readonly index: number; readonly value: Summary };
  offsets?: Summary;
  bounds: Summary[];
  extra: string[];
}

/** Byte ranges of the well-formed entries, by top-level key ordinal; NaN where there is none. */
export class TensorTable {
  begin = new Float64Array(1024);
  end = new Float64Array(1024);
  /** Clipped names, by ordinal. */
  readonly names: string[] = [];
  size = 0;

  set(slot: number, name: string, begin: number, end: number): void {
    this.grow(slot + 1);
    this.names[slot] = name;
    this.begin[slot] = begin;
    this.end[slot] = end;
  }

  drop(slot: number): void {
    if (slot < this.size) this.begin[slot] = Number.NaN;
  }

  private grow(size: number): void {
    if (size > this.begin.length) {
      const capacity = Math.max(size, this.begin.length * 2);
      for (const field of ['begin', 'end'] as const) {
        const next = new Float64Array(capacity);
        next.set(this[field]);
        this[field] = next;
      }
    }
    for (let i = this.size; i < size; i++) this.begin[i] = Number.NaN;
    this.size = Math.max(this.size, size);
  }
}

/** Checks `__metadata__` and every tensor entry of a streamed header; see the module comment. */
export class TensorTableCollector implements JsonListener {
  readonly table = new TensorTable();
  /** `__metadata__` values under keys naming a licence, last occurrence winning as in `JSON.parse`. */
  readonly licenseMetadata = new Map<string, MetadataValue>();

  private ordinal = -1;
  private topKey = '';
  private entry: Entry | undefined;
  private inMetadata = false;
  private metadataKey: JsonText | undefined;
  private field = '';
  /** Elements of the `__metadata__` array value being read, when it names a licence. */
  private metadataList: Array<string | number> | undefined;

  constructor(private readonly sink: FindingSink) {}

  key(key: JsonText, depth: number): void {
    if (depth === 1) {
      this.ordinal += 1;
      this.topKey = key.text;
      this.entry = undefined;
      this.inMetadata = false;
    } else if (depth === 2 && this.entry) {
      this.field = key.complete ? key.text : '';
      // A repeated field replaces the earlier value, as in `JSON.parse`.
      if (this.field === 'shape') Object.assign(this.entry, { dims: [], dimCount: 0, product: 1n, productCapped: false, badDim: undefined });
      if (this.field === 'data_offsets') this.entry.bounds = [];
      if (!TENSOR_FIELDS.has(this.field) && !this.entry.extra.includes(display(key.text)) && this.entry.extra.length < 20) this.entry.extra.push(display(key.text));
    } else if (depth === 2 && this.inMetadata) this.metadataKey = key;
  }

  duplicate(_duplicate: DuplicateKey, depth: number, firstOrdinal: number): void {
    // `JSON.parse` keeps the last value of a repeated tensor name: the first one's range leaves the layout.
    if (depth === 1) this.table.drop(firstOrdinal);
  }

  open(kind: ContainerKind, depth: number): void {
    if (depth === 2 && kind === 'object') {
      if (this.topKey === METADATA_KEY) {
        this.inMetadata = true;
        this.licenseMetadata.clear();
      } else this.entry = newEntry(display(this.topKey), this.ordinal);
    } else if (depth === 3 && kind === 'array' && this.inMetadata && this.licenseKey()) this.metadataList = [];
  }

  close(kind: ContainerKind, depth: number, children: number): void {
    const value: Summary = kind === 'object' ? { kind } : { kind, length: children };
    if (depth === 2) this.topValue(value);
    else if (depth === 3) {
      if (this.entry) this.fieldValue(value);
      else if (this.inMetadata) this.metadataValue(value);
    } else if (depth === 4 && this.entry) this.element(value);
  }

  scalar(value: JsonScalar, depth: number): void {
    if (depth === 1) this.topValue(value);
    else if (depth === 2) {
      if (this.entry) this.fieldValue(value);
      else if (this.inMetadata) this.metadataValue(value);
    } else if (depth === 3) {
      if (this.entry) this.element(value);
      else if (this.metadataList && this.metadataList.length < KEPT_METADATA && (value.kind === 'string' || value.kind === 'number'))
        this.metadataList.push(value.kind === 'string' ? value.value.text : value.value);
    }
  }

  /** A top-level key's whole value has been read. */
  private topValue(value: Summary): void {
    if (this.topKey === METADATA_KEY) {
      if (value.kind !== 'object') {
        this.licenseMetadata.clear();
        this.sink.add(RULES.invalidMetadata, { message: `__metadata__ is ${describe(value)}, not an object`, location: `key ${METADATA_KEY}` });
      }
      this.inMetadata = false;
      return;
    }
    if (value.kind !== 'object') {
      const name = display(this.topKey);
      this.sink.add(RULES.invalidTensorInfo, { message: `tensor "${name}" is ${describe(value)}, not an object`, location: `tensor ${name}` });
      return;
    }
    if (this.entry) this.finishEntry(this.entry);
    this.entry = undefined;
  }

  private fieldValue(value: Summary): void {
    const entry = this.entry!;
    if (this.field === 'dtype') entry.dtype = value;
    else if (this.field === 'shape') entry.shape = value;
    else if (this.field === 'data_offsets') entry.offsets = value;
  }

  /** An element of the current entry's `shape` or `data_offsets` array. */
  private element(value: Summary): void {
    const entry = this.entry!;
    if (this.field === 'data_offsets') {
      if (entry.bounds.length < 2) entry.bounds.push(value);
    } else if (this.field === 'shape') {
      const index = entry.dimCount++;
      if (entry.badDim) return;
      if (!isIndex(value)) {
        entry.badDim = { index, value };
        return;
      }
      if (entry.dims.length < KEPT_DIMS) entry.dims.push(value.value);
      if (!entry.productCapped) {
        entry.product *= BigInt(value.value);
        if (entry.product > PRODUCT_CAP) entry.productCapped = true;
      } else if (value.value === 0) {
        entry.product = 0n;
        entry.productCapped = false;
      }
    }
  }

  /** The `__metadata__` key being read names a licence. */
  private licenseKey(): boolean {
    return this.metadataKey !== undefined && this.metadataKey.complete && LICENSE_KEY.test(this.metadataKey.text);
  }

  private metadataValue(value: Summary): void {
    const key = this.metadataKey!;
    if (value.kind !== 'string')
      this.sink.add(RULES.invalidMetadata, {
        message: `__metadata__ value "${display(key.text)}" is ${describe(value)}, not a string`,
        location: `key ${METADATA_KEY}.${display(key.text)}`,
      });
    if (this.licenseKey() && (this.licenseMetadata.size < KEPT_METADATA || this.licenseMetadata.has(key.text))) {
      if (value.kind === 'string') this.licenseMetadata.set(key.text, value.value.text);
      else if (value.kind === 'number') this.licenseMetadata.set(key.text, value.value);
      else if (value.kind === 'array' && this.metadataList) this.licenseMetadata.set(key.text, this.metadataList);
      else this.licenseMetadata.delete(key.text);
    }
    this.metadataList = undefined;
  }

  private finishEntry(entry: Entry): void {
    const { name } = entry;
    const location = `tensor ${name}`;
    if (entry.extra.length > 0)
      this.sink.add(RULES.unexpectedField, {
        message: `tensor "${name}" has fields the format does not define: ${entry.extra.slice(0, 5).join(', ')}`,
        location,
        details: { fields: entry.extra.slice(0, 20) },
      });
    const bits = this.dtypeBits(entry, location);
    const shape = this.shapeOk(entry, location);
    const range = this.rangeOf(entry, location);
    if (bits !== undefined && shape && range !== undefined) this.checkSize(entry, bits, range, location);
    if (range) this.table.set(entry.slot, name, range[0], range[1]);
  }

  private dtypeBits(entry: Entry, location: string): number | undefined {
    const { dtype, name } = entry;
    if (dtype?.kind !== 'string') {
      this.sink.add(RULES.invalidTensorInfo, { message: `tensor "${name}" dtype is ${describe(dtype)}, not a string`, location });
      return undefined;
    }
    const bits = dtype.value.complete ? DTYPE_BITS.get(dtype.value.text) : undefined;
    if (bits === undefined) {
      const shown = display(dtype.value.text);
      this.sink.add(RULES.unknownDtype, { message: `tensor "${name}" has unknown dtype "${shown}"`, location, details: { dtype: shown } });
    }
    return bits;
  }

  private shapeOk(entry: Entry, location: string): boolean {
    const { shape, name } = entry;
    if (shape?.kind !== 'array') {
      this.sink.add(RULES.invalidTensorInfo, { message: `tensor "${name}" shape is ${describe(shape)}, not an array`, location });
      return false;
    }
    if (entry.badDim) {
      this.sink.add(RULES.invalidShape, {
        message: `tensor "${name}" dimension ${entry.badDim.index} is ${describe(entry.badDim.value)}, not a non-negative safe integer`,
        location,
      });
      return false;
    }
    return true;
  }

  private rangeOf(entry: Entry, location: string): readonly [number, number] | undefined {
    const { offsets, name, bounds } = entry;
    if (offsets?.kind !== 'array' || offsets.length !== 2) {
      this.sink.add(RULES.invalidTensorInfo, { message: `tensor "${name}" data_offsets is ${describe(offsets)}, not [BEGIN, END]`, location });
      return undefined;
    }
    const [begin, end] = bounds;
    if (!isIndex(begin) || !isIndex(end) || end.value < begin.value) {
      this.sink.add(RULES.invalidOffsets, {
        message: `tensor "${name}" data_offsets [${describe(begin)}, ${describe(end)}] are not non-negative integers with END ≥ BEGIN`,
        location,
      });
      return undefined;
    }
    return [begin.value, end.value];
  }

  /** Element count × dtype bits must be whole bytes and equal the range; BigInt so nothing overflows. */
  private checkSize(entry: Entry, bits: number, [begin, end]: readonly [number, number], location: string): void {
    const totalBits = entry.product * BigInt(bits);
    const rangeBytes = BigInt(end - begin);
    if (!entry.productCapped && totalBits % 8n === 0n && totalBits / 8n === rangeBytes) return;
    const shape = `${entry.dims.join(', ')}${entry.dimCount > entry.dims.length ? ', …' : ''}`;
    const needed = entry.productCapped ? 'more than 2^4096' : (totalBits / 8n).toString();
    this.sink.add(RULES.sizeMismatch, {
      message:
        !entry.productCapped && totalBits % 8n !== 0n
          ? `tensor "${entry.name}" holds ${totalBits} bits, not a whole number of bytes`
          : `tensor "${entry.name}" needs ${needed} bytes (shape [${shape}]) but data_offsets span ${rangeBytes}`,
      location,
      details: { shape: entry.dims.slice(0, 16), expectedBytes: needed, rangeBytes: rangeBytes.toString() },
    });
  }
}

function newEntry(name: string, slot: number): Entry {
  return { name, slot, dims: [], dimCount: 0, product: 1n, productCapped: false, bounds: [], extra: [] };
}

/**
 * Sorted by offset, ranges must start at 0, follow each other without gap or overlap, and end exactly at
 * the end of the data section (`dataSize` = file size − 8 − N).
 */
export function validateLayout(table: TensorTable, dataSize: number, sink: FindingSink): void {
  const { begin, end, names } = table;
  const order = sortedSlots(table);
  let covered = 0;
  let last = -1;
  for (const slot of order) {
    const location = `tensor ${names[slot]}`;
    if (begin[slot]! > covered)
      sink.add(RULES.offsetGap, {
        message: `bytes ${covered}..${begin[slot]} of the data section belong to no tensor (before "${names[slot]}")`,
        location,
        details: { gapStart: covered, gapEnd: begin[slot] },
      });
    else if (begin[slot]! < covered && last >= 0)
      sink.add(RULES.offsetOverlap, {
        message: `tensor "${names[slot]}" [${begin[slot]}, ${end[slot]}) overlaps "${names[last]}" [${begin[last]}, ${end[last]})`,
        location,
        details: { other: names[last] },
      });
    if (end[slot]! >= covered) {
      covered = end[slot]!;
      last = slot;
    }
  }
  if (covered > dataSize)
    sink.add(RULES.dataOutOfBounds, {
      message: `tensor data needs ${covered} bytes but the data section has ${dataSize}`,
      location: last >= 0 ? `tensor ${names[last]}` : 'data section',
      details: { needed: covered, available: dataSize },
    });
  else if (dataSize > covered)
    sink.add(RULES.trailingData, {
      message: `${dataSize - covered} bytes follow the last tensor`,
      location: `data offset ${covered}`,
      details: { trailingBytes: dataSize - covered },
    });
}

/** Slots holding a range, by (begin, end) then file order; writers emit them sorted, so usually no sort runs. */
function sortedSlots(table: TensorTable): Uint32Array {
  const { begin, end } = table;
  let count = 0;
  for (let i = 0; i < table.size; i++) if (!Number.isNaN(begin[i]!)) count++;
  const order = new Uint32Array(count);
  let sorted = true;
  for (let i = 0, n = 0; i < table.size; i++) {
    if (Number.isNaN(begin[i]!)) continue;
    if (n > 0) {
      const p = order[n - 1]!;
      if (begin[p]! > begin[i]! || (begin[p] === begin[i] && end[p]! > end[i]!)) sorted = false;
    }
    order[n++] = i;
  }
  if (!sorted) order.sort((a, b) => begin[a]! - begin[b]! || end[a]! - end[b]! || a - b);
  return order;
}

function isIndex(value: Summary | undefined): value is { kind: 'number'; value: number } {
  return value?.kind === 'number' && Number.isSafeInteger(value.value) && value.value >= 0;
}

function describe(value: Summary | undefined): string {
  if (value === undefined) return 'missing';
  switch (value.kind) {
    case 'null':
      return 'null';
    case 'array':
      return `an array of ${value.length}`;
    case 'string':
      return `"${display(value.value.text)}"`;
    case 'object':
      return 'an object';
    default:
      return String(value.value);
  }
}
