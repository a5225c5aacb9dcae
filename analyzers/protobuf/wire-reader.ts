/**
 * A protobuf wire-format walker over a ByteSource (protobuf.dev "Encoding"). Model files are protobufs
 * of up to 2 GB whose bulk is tensor bytes (ONNX `raw_data`, TF constants), so nothing is decoded into
 * objects: a walk yields each field's number, wire type and byte range, the caller descends into the
 * messages it cares about and everything else — above all big payloads — is skipped by offset, never
 * read. Reads go through a window that grows while the walk reads on and starts small again after a
 * skip larger than itself, so a walk over a multi-gigabyte model fetches its structure, not its
 * weights, in few requests.
 *
 * Walks go strictly forward (a message's fields are visited in order and a nested walk ends before its
 * parent continues), so forward-only sources (a model inside a compressed layer) work too.
 */
import { LimitExceededError } from '../engine-rules.js';
import type { ByteSource } from '../source.js';
import { decodeVarint, signedOf, unsignedOf, WireType, type Varint } from './varint.js';

/** Wire data that is truncated or not protobuf; the walk stops here. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  constructor(
    message: string,
    /** Offset of the field or byte where the problem was found. */
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface WireLimits {
  /** Message nesting depth (protobuf's own C++ parser stops at 100). */
  readonly maxDepth: number;
  /** Fields visited in one walk, nested ones included. */
  readonly maxFields: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = Object.freeze({ maxDepth: 100, maxFields: 50_000_000 });

export interface WireField {
  readonly number: number;
  readonly wireType: number;
  /** Offset of the field's tag. */
  readonly offset: number;
  /** Nesting depth of the message holding the field (0: top level). */
  readonly depth: number;
  /** Varint, I64 and I32 fields: the value as an unsigned number (exact below 2^53); 0 for Len. */
  readonly value: number;
  /** Varint fields: the value as a two's-complement int64 (how negative `int64`s are written). */
  readonly signed: number;
  /** Len fields: the payload is [start, end). Other fields: the value's bytes. */
  readonly start: number;
  readonly end: number;
}

/** A message to walk: bytes [start, end) at a nesting depth; `end` undefined runs to the end of data. */
export interface MessageRange {
  readonly start: number;
  readonly end: number | undefined;
  readonly depth: number;
}

const EMPTY = new Uint8Array(0);
/** The first window covers a typical model header; windows double up to the maximum as reads go on. */
const FIRST_WINDOW = 64 * 1024;
/** The window after skipping a payload larger than the window: the next field heads are close by. */
const MIN_WINDOW = 4 * 1024;
const MAX_WINDOW = 1024 * 1024;
/** A tag and a 10-byte varint: the most a field takes before its payload. */
const MAX_FIELD_HEAD_BYTES = 20;
const TWO_32 = 2 ** 32;

export class WireReader {
  private window = EMPTY;
  private windowStart = 0;
  private nextWindow = FIRST_WINDOW;
  private fieldCount = 0;
  private readonly varint: Varint = { lo: 0, hi: 0, length: 0 };

  constructor(
    private readonly source: ByteSource,
    private readonly limits: WireLimits = DEFAULT_WIRE_LIMITS,
  ) {}

  /** The whole source as one top-level message. */
  root(): MessageRange {
    return { start: 0, end: this.source.size, depth: 0 };
  }

  /** The payload of a Len field, as a message one level deeper. */
  nested(field: WireField): MessageRange {
    const depth = field.depth + 1;
    if (depth > this.limits.maxDepth) throw new LimitExceededError('protobuf nesting depth', depth, this.limits.maxDepth);
    return { start: field.start, end: field.end, depth };
  }

  /**
   * The fields of a message, in order. Whatever the caller does not read of a field is skipped when the
   * walk resumes; a Len field whose payload does not fit its message is a {@link WireFormatError}.
   */
  async *fields(range: MessageRange): AsyncGenerator<WireField> {
    let at = range.start;
    for (;;) {
      if (range.end === undefined ? !(await this.hasByteAt(at)) : at >= range.end) return;
      const field = await this.readField(at, range);
      yield field;
      // A stream of unknown size: a payload claiming more than the data holds is only seen here.
      if (range.end === undefined && field.end > at && !(await this.hasByteAt(field.end - 1)))
        throw new WireFormatError(`field ${field.number} at offset ${field.offset} runs past the end of the data`, field.offset);
      at = field.end;
    }
  }

  /** The first `max` bytes of a Len field's payload (all of it when shorter), as a copy. */
  async prefix(field: WireField, max: number): Promise<Uint8Array> {
    const length = Math.min(field.end - field.start, max);
    const available = await this.ensure(field.start, length);
    if (available < length) throw truncated(field);
    const at = field.start - this.windowStart;
    return this.window.slice(at, at + length);
  }

  /** A Len field's payload as UTF-8 text, cut at `max` bytes (invalid bytes become U+FFFD). */
  async text(field: WireField, max: number): Promise<string> {
    return DECODER.decode(await this.prefix(field, max));
  }

  /** Hands a Len field's payload to `visit` window by window, never holding more than one window. */
  async scan(field: WireField, visit: (chunk: Uint8Array) => void): Promise<void> {
    for (let at = field.start; at < field.end; ) {
      const want = Math.min(field.end - at, MAX_WINDOW);
      const got = await this.ensure(at, want);
      if (got === 0) throw truncated(field);
      const from = at - this.windowStart;
      visit(this.window.subarray(from, from + got));
      at += got;
    }
  }

  /**
   * The field whose tag is at `at`. Decoded straight from the window when its head is buffered (the
   * common case: no promise per field); otherwise the window is refilled first.
   */
  private async readField(at: number, range: MessageRange): Promise<WireField> {
    this.fieldCount += 1;
    if (this.fieldCount > this.limits.maxFields) throw new LimitExceededError('protobuf fields', this.fieldCount, this.limits.maxFields);
    const buffered = this.decodeField(at, range);
    if (buffered) return buffered;
    await this.ensure(at, MAX_FIELD_HEAD_BYTES);
    const field = this.decodeField(at, range);
    if (!field) throw new WireFormatError(`data ends inside the field at offset ${at}`, at);
    return field;
  }

  /** Decodes the field at `at` from the window; undefined when the window ends before its head does. */
  private decodeField(at: number, range: MessageRange): WireField | undefined {
    const from = at - this.windowStart;
    if (from < 0) return undefined;
    const tag = decodeVarint(this.window, from, this.varint);
    if (tag === undefined) return undefined;
    if (tag.length === 0 || tag.hi !== 0 || tag.lo >>> 3 === 0) throw new WireFormatError(`invalid field number in the tag at offset ${at}`, at);
    const number = tag.lo >>> 3;
    const wireType = tag.lo & 7;
    const tagEnd = at + tag.length;
    const valueFrom = from + tag.length;
    switch (wireType) {
      case WireType.Varint: {
        const v = decodeVarint(this.window, valueFrom, this.varint);
        if (v === undefined) return undefined;
        if (v.length === 0) throw new WireFormatError(`varint longer than 10 bytes in the field at offset ${at}`, at);
        return this.within(number, wireType, at, range, unsignedOf(v), signedOf(v), tagEnd, tagEnd + v.length);
      }
      case WireType.I64:
      case WireType.I32: {
        const width = wireType === WireType.I64 ? 8 : 4;
        if (valueFrom + width > this.window.length) return undefined;
        const view = new DataView(this.window.buffer, this.window.byteOffset + valueFrom, width);
        const value = width === 8 ? view.getUint32(4, true) * TWO_32 + view.getUint32(0, true) : view.getUint32(0, true);
        return this.within(number, wireType, at, range, value, value, tagEnd, tagEnd + width);
      }
      case WireType.Len: {
        const length = decodeVarint(this.window, valueFrom, this.varint);
        if (length === undefined) return undefined;
        if (length.length === 0) throw new WireFormatError(`varint longer than 10 bytes in the field at offset ${at}`, at);
        const size = unsignedOf(length);
        if (size > Number.MAX_SAFE_INTEGER) throw new WireFormatError(`field ${number} at offset ${at} claims a length of ${size} bytes`, at);
        const start = tagEnd + length.length;
        return this.within(number, wireType, at, range, 0, 0, start, start + size);
      }
      case WireType.StartGroup:
      case WireType.EndGroup:
        throw new WireFormatError(`field ${number} at offset ${at} uses the deprecated group encoding, which model schemas never use`, at);
      default:
        throw new WireFormatError(`field ${number} at offset ${at} has invalid wire type ${wireType}`, at);
    }
  }

  private within(number: number, wireType: number, offset: number, range: MessageRange, value: number, signed: number, start: number, end: number): WireField {
    if (range.end !== undefined && end > range.end)
      throw new WireFormatError(`field ${number} at offset ${offset} needs bytes up to ${end}, past the end of its message at ${range.end}`, offset);
    return { number, wireType, offset, depth: range.depth, value, signed, start, end };
  }

  private async hasByteAt(at: number): Promise<boolean> {
    return (await this.ensure(at, 1)) > 0;
  }

  /**
   * Makes up to `n` bytes from `at` available in the window; returns how many are (fewer only at the end
   * of data). Bytes still ahead in the current window are kept, so a forward-only source is never asked
   * to go back.
   */
  private async ensure(at: number, n: number): Promise<number> {
    const from = at - this.windowStart;
    const windowEnd = this.windowStart + this.window.length;
    if (from >= 0 && from + n <= this.window.length) return n;
    const keep = from >= 0 && at < windowEnd ? this.window.subarray(from) : EMPTY;
    // A skip longer than the window (tensor data) means only the next few headers are wanted; shorter
    // skips (small tensors) keep the window growing, so many small fields cost few requests.
    if (at - windowEnd > this.nextWindow) this.nextWindow = MIN_WINDOW;
    const want = Math.max(n, this.nextWindow) - keep.length;
    const fresh = await this.source.read(at + keep.length, want);
    const next = new Uint8Array(keep.length + fresh.length);
    next.set(keep, 0);
    next.set(fresh, keep.length);
    this.window = next;
    this.windowStart = at;
    this.nextWindow = Math.min(this.nextWindow * 2, MAX_WINDOW);
    return Math.min(n, next.length);
  }
}

const DECODER = new TextDecoder('utf-8');

function truncated(field: WireField): WireFormatError {
  return new WireFormatError(`data ends inside field ${field.number} at offset ${field.offset}`, field.offset);
}
