/**
 * Streaming pickle decoder: bytes in, opcodes out, never the whole pickle in memory.
 *
 * Chunks are pushed as they arrive; an opcode split across chunks is completed from a small carry buffer.
 * Payloads (strings, bytes, long lines) are handed over whole only up to {@link PAYLOAD_PREFIX_BYTES};
 * longer ones are reported with a prefix and the rest is skipped as it streams past. FRAME lengths are
 * checked against the opcodes they hold, because a loader and a linear parser disagree exactly where a
 * frame lies (model-scanners.md §2.2, fickling `test_frame_boundary_divergence`). A decoding failure
 * keeps everything decoded before it; the caller decides whether to resynchronise on a later pickle.
 */
import { concat, EMPTY, fixedArgument, i32, NEWLINE, PAYLOAD_PREFIX_BYTES, u32, u64 } from './bytes.js';
import { LongLine } from './long-line.js';
import { ARG_KIND, ArgKind, FIXED_ARG_BYTES, Op, opcodeName } from './opcodes.js';
import type { DecodedOpcode, DecoderEvents, FrameCrossing } from './decoder-events.js';
import { findPickleStart } from './resync.js';
import { linePrefixRaises } from './text.js';

export { PAYLOAD_PREFIX_BYTES } from './bytes.js';
export type { DecodedOpcode, DecoderEvents, FrameCrossing, FrameViolationKind } from './decoder-events.js';
/**
 * Bytes of a new chunk joined to the carry to finish an opcode split across chunks. Larger than any
 * carry can need (opcode + 8-byte length + payload prefix, or two prefix-long lines), so the rest of
 * the chunk is decoded in place, never copied.
 */
const STITCH_BYTES = 4 * PAYLOAD_PREFIX_BYTES;

const NORMAL = 0;
const SKIP = 1; // skipping payload bytes (or inline array bytes)
const PAD = 2; // reading joblib's padding-length byte, then skipping
const LINE_SKIP = 3; // skipping the rest of an over-long line
const SCAN = 4; // resynchronising: looking for the start of another pickle
const FAILED = 5;
const HALTED = 6;

export class PickleDecoder {
  private readonly op: DecodedOpcode = {
    code: 0,
    offset: 0,
    end: 0,
    arg: 0,
    data: EMPTY,
    data2: EMPTY,
    truncated: false,
  };
  private state = NORMAL;
  private carry: Uint8Array = EMPTY;
  /** Absolute offset of the next byte not yet consumed (start of the carry, if any). */
  private consumed: number;
  private skipRemaining = 0;
  /** PAD state: array bytes to skip after the padding. */
  private afterPadding = 0;
  private frameEnd = -1;
  /** Over-long line being skipped. */
  private longLine: LongLine | undefined;
  /** The buffer being decoded, its absolute offset, and what of the chunk follows it (callbacks only). */
  private current: Uint8Array = EMPTY;
  private currentBase = 0;
  private rest: Uint8Array = EMPTY;
  /** Opcodes emitted so far. */
  opcodes = 0;

  constructor(
    private readonly events: DecoderEvents,
    startOffset = 0,
  ) {
    this.consumed = startOffset;
  }

  /** Absolute offset of the next byte this decoder will consume. */
  get position(): number {
    return this.consumed + this.carry.length;
  }

  /** Absolute offset of the next byte this decoder actually needs (after a pending skip). */
  get neededOffset(): number {
    return this.state === SKIP ? this.position + this.skipRemaining : this.position;
  }

  /**
   * Absolute offset where the opcode being read ends, as far as is known: past a payload still being
   * skipped or whose length has arrived but not its first bytes. Beyond the end of the data, the
   * loader runs out of input there.
   */
  get requiredEnd(): number {
    if (this.state === SKIP) return this.position + this.skipRemaining;
    const code = this.carry[0];
    if (this.state !== NORMAL || code === undefined) return this.position;
    const kind = ARG_KIND[code]!;
    const n = FIXED_ARG_BYTES[kind]!;
    if (kind < ArgKind.Bytes1 || this.carry.length < 1 + n) return this.position;
    const length = kind === ArgKind.Bytes1 ? this.carry[1]! : kind === ArgKind.Bytes8 ? u64(this.carry, 1) : kind === ArgKind.Bytes4 ? u32(this.carry, 1) : i32(this.carry, 1);
    return this.consumed + 1 + n + Math.max(0, length);
  }

  /** Bytes held between pushes (an opcode split across chunks); bounded whatever the input. */
  get bufferedBytes(): number {
    return this.carry.length + (this.longLine ? this.longLine.first.length + (this.longLine.second?.length ?? 0) : 0);
  }

  get active(): boolean {
    return this.state !== FAILED && this.state !== HALTED;
  }


  /**
   * During a callback: the bytes from absolute `offset` to the end of what has been received, so an
   * alternative reading can start there.
   */
  bufferedFrom(offset: number): { parts: Uint8Array[]; end: number } {
    const restBase = this.currentBase + this.current.length;
    const end = restBase + this.rest.length;
    const from = offset - this.currentBase;
    if (from < 0 || offset >= end) return { parts: [], end };
    if (offset >= restBase) return { parts: [this.rest.subarray(offset - restBase)], end };
    return { parts: [this.current.subarray(from), this.rest], end };
  }

  /**
   * The line opcode the data so far ends inside, with the part of its line(s) received (at most the
   * prefix kept): lets the sniffer see that a loader would raise on what has arrived, whatever follows.
   */
  pendingLine(): { code: number; offset: number; first: Uint8Array; second: Uint8Array | undefined } | undefined {
    const long = this.longLine;
    if (long) return { code: long.code, offset: long.offset, first: long.first, second: long.second };
    const code = this.carry[0];
    if (this.state !== NORMAL || code === undefined || ARG_KIND[code]! < ArgKind.Line || ARG_KIND[code]! > ArgKind.TwoLines)
      return undefined;
    const line = this.carry.subarray(1);
    const nl = line.indexOf(NEWLINE);
    return { code, offset: this.consumed, first: nl < 0 ? line : line.subarray(0, nl), second: nl < 0 ? undefined : line.subarray(nl + 1) };
  }

  /** Stop consuming (the caller knows the rest is not pickle data). */
  halt(): void {
    this.state = HALTED;
  }

  /**
   * Skip raw bytes that follow the current opcode (joblib writes array data inline after a
   * `NumpyArrayWrapper`). With `paddingByte`, one byte giving a padding length comes first.
   */
  skipRaw(bytes: number, paddingByte: boolean): void {
    if (this.frameEnd >= 0 && this.op.end < this.frameEnd)
      this.events.frameViolation('raw-data-inside-frame', this.op.end);
    this.frameEnd = -1;
    if (paddingByte) {
      this.state = PAD;
      this.afterPadding = bytes;
    } else if (bytes > 0) {
      this.state = SKIP;
      this.skipRemaining = bytes;
    }
  }

  /** After a failure: look for the start of another pickle from the failure point on. */
  resync(): void {
    if (this.state === FAILED) this.state = SCAN;
  }

  /**
   * The caller rejects the opcode just emitted (the loader would raise there): stop as after a decoding
   * failure, without reporting one. `resync()` may follow.
   */
  reject(): void {
    if (this.active) {
      this.state = FAILED;
      this.carry = EMPTY;
      this.longLine = undefined;
      this.frameEnd = -1;
    }
  }

  /** The caller jumped the stream forward to `offset` (within a pending skip). */
  advanceTo(offset: number): void {
    if (this.state !== SKIP || this.carry.length > 0) return;
    const delta = Math.min(offset - this.consumed, this.skipRemaining);
    if (delta <= 0) return;
    this.consumed += delta;
    this.skipRemaining -= delta;
    if (this.skipRemaining === 0) this.state = NORMAL;
  }

  push(chunk: Uint8Array): void {
    if (!this.active || chunk.length === 0) return;
    let rest = chunk;
    if (this.carry.length > 0) {
      // Finish what the carry started on a small joined buffer, then go on in the chunk itself.
      const carried = this.carry.length;
      const take = Math.min(chunk.length, STITCH_BYTES);
      const whole = take === chunk.length;
      const stitched = new Uint8Array(carried + take);
      stitched.set(this.carry, 0);
      stitched.set(chunk.subarray(0, take), carried);
      this.carry = EMPTY;
      const used = this.runOn(stitched, chunk.subarray(take), whole ? Infinity : carried);
      if (!this.active) return;
      if (whole || used < carried) {
        this.consumed += used;
        // `used < carried` with more chunk left cannot happen (STITCH_BYTES covers any opcode); keep
        // every byte anyway rather than rely on it.
        if (used < stitched.length) this.carry = whole ? stitched.slice(used) : concat(stitched.subarray(used), chunk.subarray(take));
        return;
      }
      this.consumed += used;
      rest = chunk.subarray(used - carried);
    }
    const used = this.runOn(rest, EMPTY, Infinity);
    this.consumed += used;
    if (used < rest.length && this.active) this.carry = rest.slice(used);
  }

  private runOn(buf: Uint8Array, following: Uint8Array, stopAt: number): number {
    this.current = buf;
    this.currentBase = this.consumed;
    this.rest = following;
    try {
      return this.run(buf, this.consumed, stopAt);
    } finally {
      this.current = EMPTY;
      this.rest = EMPTY;
    }
  }

  /** End of data. Anything pending (an opcode cut short, bytes still to skip) is a truncation. */
  finish(): void {
    if (this.state === SCAN || !this.active) return;
    if (this.carry.length > 0 || this.state !== NORMAL) {
      const at = this.longLine?.offset ?? this.consumed;
      const what = this.state === SKIP || this.state === PAD ? 'payload' : `${opcodeName(this.carry[0] ?? 0)} argument`;
      this.fail(at, `data ends inside ${what}`, true);
    }
  }

  private fail(offset: number, reason: string, truncated: boolean): void {
    this.state = FAILED;
    this.carry = EMPTY;
    this.longLine = undefined;
    this.frameEnd = -1;
    this.events.failure(offset, reason, truncated);
  }

  /**
   * Decode as much of `buf` (starting at absolute `base`) as possible, stopping at the first opcode
   * boundary at or after `stopAt`; returns bytes consumed.
   */
  private run(buf: Uint8Array, base: number, stopAt: number): number {
    const len = buf.length;
    const op = this.op;
    const events = this.events;
    let pos = 0;
    while (pos < len && pos < stopAt) {
      const state = this.state; // read once: callbacks below may change it
      if (state !== NORMAL) {
        const next = this.special(buf, pos, base);
        if (next < 0) return len; // consumed everything (skipping)
        if (next === pos && this.state !== NORMAL) return pos; // needs more data, or stopped
        pos = next;
        continue;
      }
      const start = base + pos;
      if (this.frameEnd >= 0 && start >= this.frameEnd) this.frameEnd = -1;
      const code = buf[pos]!;
      const kind = ARG_KIND[code]!;
      op.code = code;
      op.offset = start;
      if (kind === ArgKind.None) {
        op.end = start + 1;
        pos += 1;
      } else if (kind === ArgKind.Invalid) {
        this.fail(start, `byte 0x${code.toString(16).padStart(2, '0')} is not a pickle opcode`, false);
        if (this.state === FAILED) return pos;
        continue; // the caller resynchronises: scan on from here
      } else if (kind <= ArgKind.F8) {
        const n = FIXED_ARG_BYTES[kind]!;
        if (pos + 1 + n > len) return pos;
        op.arg = fixedArgument(buf, pos + 1, kind);
        op.end = start + 1 + n;
        if (this.frameEnd >= 0 && op.end > this.frameEnd) this.crossing(buf, pos, base, start + 1);
        if (code === Op.FRAME) {
          if (op.arg === Infinity) {
            this.fail(start, 'FRAME length exceeds the maximum size', false);
            if (this.state === FAILED) return pos;
            pos += 1;
            continue;
          }
          this.frame(buf, pos, base, op.end + op.arg);
        }
        pos += 1 + n;
      } else if (kind >= ArgKind.Bytes1) {
        const n = FIXED_ARG_BYTES[kind]!;
        if (pos + 1 + n > len) return pos;
        const a = pos + 1;
        const length =
          kind === ArgKind.Bytes1
            ? buf[a]!
            : kind === ArgKind.Bytes4
              ? u32(buf, a)
              : kind === ArgKind.Bytes4Signed
                ? i32(buf, a)
                : u64(buf, a);
        if (length < 0 || length === Infinity) {
          this.fail(start, `${opcodeName(code)} declares an impossible length`, false);
          if (this.state === FAILED) return pos;
          pos += 1;
          continue;
        }
        const payloadAt = pos + 1 + n;
        const whole = length <= PAYLOAD_PREFIX_BYTES;
        const take = whole ? length : PAYLOAD_PREFIX_BYTES;
        if (payloadAt + take > len) return pos;
        op.arg = length;
        op.end = start + 1 + n + length;
        op.data = buf.subarray(payloadAt, payloadAt + take);
        op.truncated = !whole;
        if (this.frameEnd >= 0 && op.end > this.frameEnd)
          this.crossing(buf, pos, base, start + 1 + n > this.frameEnd ? start + 1 : start + 1 + n);
        if (whole) {
          pos = payloadAt + length;
        } else {
          pos = payloadAt + take;
          this.state = SKIP;
          this.skipRemaining = length - take;
        }
      } else {
        const next = this.line(buf, pos, base, kind === ArgKind.TwoLines);
        if (next === pos) {
          if (this.state === SCAN) continue; // rejected, and the caller resynchronises from here
          return pos;
        }
        pos = next;
        if (this.state === LINE_SKIP) continue; // over-long line: emitted once its newline arrives
      }
      this.opcodes++;
      events.opcode(op);
      if (this.state === HALTED || this.state === FAILED) return pos;
    }
    return pos;
  }

  private crossing(buf: Uint8Array, pos: number, base: number, pieceStart: number): void {
    this.events.frameViolation('crosses-frame-end', base + pos, this.dropped(buf, pos, base, pieceStart));
    this.frameEnd = -1;
  }

  /**
   * A FRAME whose length has been read; `end` is where it says it ends. The C unpickler reading a file
   * holds the current frame as its input buffer and only makes sure the new frame's bytes are in it
   * (`_pickle.c` load_frame): inside the buffer the new FRAME changes nothing; past its end, the rest of
   * the buffer is dropped and `end - op.end` bytes are read from where the old frame ends. The linear
   * reading (and `pickle.loads`) goes on after the opcode either way; the pure-Python unframer raises.
   */
  private frame(buf: Uint8Array, pos: number, base: number, end: number): void {
    const opEnd = this.op.end;
    if (this.frameEnd <= opEnd) {
      this.frameEnd = end;
      return;
    }
    const outgrows = end > this.frameEnd;
    // The lane that follows the C reading re-decodes this FRAME where the old frame ends.
    this.events.frameViolation('frame-inside-frame', base + pos, outgrows ? this.dropped(buf, pos, base, opEnd) : undefined);
    if (outgrows) this.frameEnd = end;
  }

  /** What a reading that drops the rest of the current frame at `pieceStart` needs to start. */
  private dropped(buf: Uint8Array, pos: number, base: number, pieceStart: number): FrameCrossing {
    const frameEnd = this.frameEnd;
    const { parts, end } = this.bufferedFrom(frameEnd);
    return { opcodeOffset: base + pos, frameEnd, replay: buf.slice(pos, pieceStart - base), available: parts, availableEnd: end };
  }

  /**
   * GLOBAL/INST and the protocol-0 line opcodes. Returns the position after the opcode, `pos` when more
   * data is needed, or the position to resume from after switching to LINE_SKIP for an over-long line.
   */
  private line(buf: Uint8Array, pos: number, base: number, two: boolean): number {
    const op = this.op;
    const start = base + pos;
    const firstStart = pos + 1;
    const firstEnd = buf.indexOf(NEWLINE, firstStart);
    if (firstEnd < 0 || firstEnd - firstStart > PAYLOAD_PREFIX_BYTES) {
      if (buf.length - firstStart <= PAYLOAD_PREFIX_BYTES && firstEnd < 0) return pos;
      return this.startLongLine(buf, pos, base, buf.subarray(firstStart, firstStart + PAYLOAD_PREFIX_BYTES), undefined);
    }
    let end = firstEnd + 1;
    op.data = buf.subarray(firstStart, firstEnd);
    op.data2 = EMPTY;
    if (two) {
      const secondEnd = buf.indexOf(NEWLINE, end);
      if (secondEnd < 0 || secondEnd - end > PAYLOAD_PREFIX_BYTES) {
        if (buf.length - end <= PAYLOAD_PREFIX_BYTES && secondEnd < 0) return pos;
        return this.startLongLine(buf, pos, base, op.data.slice(), buf.subarray(end, end + PAYLOAD_PREFIX_BYTES));
      }
      op.data2 = buf.subarray(end, secondEnd);
      end = secondEnd + 1;
    }
    op.truncated = false;
    op.end = base + end;
    if (two && op.code === Op.INST && linePrefixRaises(Op.INST, op.data, op.data2)) {
      this.fail(start, 'INST names a class in non-ASCII bytes, which load_inst cannot decode', false);
      return pos;
    }
    if (this.frameEnd >= 0 && op.end > this.frameEnd)
      this.crossing(buf, pos, base, two && base + firstEnd + 1 <= this.frameEnd ? base + firstEnd + 1 : start + 1);
    return end;
  }

  private startLongLine(
    buf: Uint8Array,
    pos: number,
    base: number,
    first: Uint8Array,
    second: Uint8Array | undefined,
  ): number {
    const lines = ARG_KIND[buf[pos]!] === ArgKind.TwoLines ? 2 : 1;
    this.longLine = new LongLine(buf[pos]!, base + pos, lines, first.slice(), second?.slice());
    this.state = LINE_SKIP;
    // Resume looking for the newline after the prefix already captured.
    return second === undefined ? pos + 1 + first.length : buf.indexOf(NEWLINE, pos + 1) + 1 + second.length;
  }

  /** LINE_SKIP: emit the opcode once its last line ends. */
  private skipLine(buf: Uint8Array, pos: number, base: number): number {
    const long = this.longLine!;
    const next = long.consume(buf, pos);
    if (next < 0) return -1;
    this.longLine = undefined;
    this.state = NORMAL;
    // Only a prefix is kept; when it already makes the loader raise, so does the whole line.
    if (linePrefixRaises(long.code, long.first, long.second)) {
      this.fail(long.offset, `${opcodeName(long.code)} argument the loader rejects`, false);
      return next;
    }
    const op = this.op;
    op.code = long.code;
    op.offset = long.offset;
    op.end = base + next;
    op.data = long.first;
    op.data2 = long.second ?? EMPTY;
    op.truncated = true;
    op.arg = 0;
    if (this.frameEnd >= 0 && op.end > this.frameEnd) {
      this.events.frameViolation('crosses-frame-end', long.offset);
      this.frameEnd = -1;
    }
    this.opcodes++;
    this.events.opcode(op);
    return next;
  }

  /** Non-NORMAL states. Returns the new position, -1 when the buffer is used up. */
  private special(buf: Uint8Array, pos: number, base: number): number {
    switch (this.state) {
      case SKIP: {
        const avail = buf.length - pos;
        if (avail <= this.skipRemaining) {
          this.skipRemaining -= avail;
          if (this.skipRemaining === 0) this.state = NORMAL;
          return -1;
        }
        const next = pos + this.skipRemaining;
        this.skipRemaining = 0;
        this.state = NORMAL;
        return next;
      }
      case PAD: {
        const padding = buf[pos]!;
        this.state = SKIP;
        this.skipRemaining = padding + this.afterPadding;
        if (this.skipRemaining === 0) this.state = NORMAL;
        return pos + 1;
      }
      case LINE_SKIP: {
        const next = this.skipLine(buf, pos, base);
        return next;
      }
      case SCAN:
        return this.scan(buf, pos, base);
      default:
        return pos;
    }
  }

  /** SCAN: look for the start of another pickle (resync.ts). */
  private scan(buf: Uint8Array, pos: number, base: number): number {
    const at = findPickleStart(buf, pos);
    if (at === -1) return -1;
    if (at < -1) return -at - 2; // keep the undecided tail for the next chunk
    return this.resume(at, base);
  }

  private resume(at: number, base: number): number {
    this.state = NORMAL;
    this.frameEnd = -1;
    this.events.candidate?.(base + at);
    return at;
  }
}
