/**
 * Drives decoding of one byte stream that may hold several pickles, and every reading of it a real
 * loader could take:
 *
 * - the linear reading, pickle after pickle (`pickle.load` in a loop, PyTorch's legacy stacked format,
 *   picklescan's `multiple_pickles`); after junk or a broken pickle it resynchronises on the next
 *   plausible pickle start;
 * - joblib's reading, which skips the raw array bytes after each `NumpyArrayWrapper`, alongside the plain
 *   `pickle.load` reading that does not (an attacker controls both);
 * - the C unpickler's reading of a FRAME that an opcode overruns, which drops the rest of the frame.
 *
 * Every reading follows the loader only until the first point where it must raise (an opcode that is not
 * one, an argument it cannot parse, a name find_class cannot import, stack or memo underflow, truncation):
 * what lies after that point never runs. A pickle that fails before importing or calling anything is not
 * a pickle a loader can use (pip RECORD files start with `c`, CSS with `.`): it yields at most a Low
 * finding, and nothing at all when the file was only tried as a pickle (`attempt`).
 *
 * Each reading is a lane (decoder + interpreter) fed the same chunks. Speculative lanes record into a
 * private `Observations` that is folded in when they end. Memory is bounded: lanes are few and capped,
 * each holds a carry buffer of a few KiB plus a stack and memo within the interpreter limits.
 */
import type { ByteSource } from '../source.js';
import { PickleDecoder, type DecodedOpcode, type DecoderEvents, type FrameCrossing, type FrameViolationKind } from './decoder.js';
import { PickleInterpreter, type InterpreterHost, type InterpreterLimits } from './interpreter.js';
import type { InlineArrayLayout } from './joblib.js';
import { Observations } from './observations.js';
import type { PicklePolicy } from './policy.js';
import { K, type Value } from './values.js';

/** `torch.serialization.MAGIC_NUMBER`, the first pickle of the legacy (non-zip) format. */
const TORCH_LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
/** Pickles in a legacy PyTorch file: magic, protocol, sys_info, object, storage keys; raw data follows. */
const TORCH_LEGACY_PICKLES = 5;
/**
 * Alternative readings alive at once. They stop at the first operation the loader would reject, so on
 * ordinary files each lives a few opcodes; reaching this many at once is itself suspicious.
 */
const MAX_LIVE_ALTERNATES = 16;
/** Skips longer than this re-open a seekable source instead of reading through. */
const SEEK_THRESHOLD = 8 * 1024 * 1024;

export interface PickleScanOptions {
  readonly policy: PicklePolicy;
  readonly limits: InterpreterLimits;
  /** Bytes read from the source at most (AnalyzerLimits.maxBytesPerFile). */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /**
   * The content was not sniffed as a pickle but a pickle-based loader could still be handed it: follow
   * only the linear reading from `start` (pickle after pickle, no search for pickles after junk) and
   * report nothing about a pickle that fails before importing or calling anything.
   */
  readonly attempt?: boolean;
}

export interface PickleScanResult {
  readonly observations: Observations;
  readonly opcodes: number;
  readonly bytesRead: number;
  /** The stream starts with PyTorch's legacy magic-number pickle. */
  readonly legacyTorch: boolean;
  /** Most readings (lanes) decoded at once, and the most bytes any decoder held between chunks. */
  readonly peak: { readonly lanes: number; readonly bufferedBytes: number };
}

/** Decode every pickle in `source` from `start` and return what was observed. */
export async function scanPickleStream(source: ByteSource, start: number, options: PickleScanOptions): Promise<PickleScanResult> {
  const session = new StreamSession(new Observations(options.policy), options.limits, start, source.size, options.attempt ?? false);
  let position = start;
  let bytesRead = 0;
  reading: while (session.active) {
    for await (const chunk of source.stream(position)) {
      options.signal?.throwIfAborted();
      const take = Math.min(chunk.length, options.maxBytes - bytesRead);
      session.push(take === chunk.length ? chunk : chunk.subarray(0, take), position);
      position += take;
      bytesRead += take;
      if (take < chunk.length) {
        session.observations.event('resource-limit', position, `more than ${options.maxBytes} bytes to read`);
        session.abandon();
        break reading;
      }
      if (!session.active) break reading;
      const target = source.seekable ? session.seekTarget(position) : undefined;
      if (target !== undefined) {
        position = target;
        continue reading;
      }
    }
    session.finish();
    break;
  }
  return {
    observations: session.observations,
    opcodes: session.opcodes,
    bytesRead,
    legacyTorch: session.legacyTorch,
    peak: { lanes: session.peakLanes, bufferedBytes: session.peakBuffered },
  };
}

type LaneRole = 'main' | 'frame' | 'no-skip';

class StreamSession {
  readonly lanes: Lane[] = [];
  legacyTorch = false;
  peakLanes = 1;
  peakBuffered = 0;

  constructor(
    readonly observations: Observations,
    readonly limits: InterpreterLimits,
    start: number,
    private readonly size: number | undefined,
    /** Only trying the content as a pickle (PickleScanOptions.attempt). */
    readonly attempt: boolean,
  ) {
    this.lanes.push(new Lane(this, 'main', start, undefined));
  }

  get active(): boolean {
    return this.lanes.some((lane) => lane.decoder.active);
  }

  get opcodes(): number {
    return this.lanes[0]!.decoder.opcodes;
  }

  push(chunk: Uint8Array, at: number): void {
    const end = at + chunk.length;
    for (const lane of this.lanes.slice()) {
      if (!lane.decoder.active || lane.nextOffset >= end) continue;
      const from = Math.max(0, lane.nextOffset - at);
      lane.nextOffset = end;
      lane.decoder.push(from === 0 ? chunk : chunk.subarray(from));
      this.peakBuffered = Math.max(this.peakBuffered, lane.decoder.bufferedBytes);
    }
    // Content only tried as a pickle is not read through to the end for a payload that overruns it.
    const main = this.lanes[0]!;
    if (this.attempt && this.size !== undefined && main.decoder.active && main.decoder.requiredEnd > this.size) main.finish();
    this.prune();
  }

  /** End of data: whatever is still being decoded was cut short. */
  finish(): void {
    for (const lane of this.lanes) lane.finish();
    this.prune();
  }

  /** Reading stopped early (a limit): keep what was seen, without calling it truncated. */
  abandon(): void {
    for (const lane of this.lanes) lane.abort();
    this.prune();
  }

  /** Offset to jump to when the only reading left is skipping far ahead. */
  seekTarget(position: number): number | undefined {
    if (this.lanes.length !== 1) return undefined;
    const lane = this.lanes[0]!;
    const needed = lane.decoder.neededOffset;
    if (needed - position < SEEK_THRESHOLD) return undefined;
    lane.decoder.advanceTo(needed);
    lane.nextOffset = needed;
    return needed;
  }

  /** Start an alternative reading from `parent`'s state at `offset` (`replay` = bytes before it). */
  spawn(parent: Lane, role: Exclude<LaneRole, 'main'>, offset: number, via: string, replay?: FrameCrossing): void {
    this.prune(); // readings that ended earlier in this chunk must not count, nor stay in memory
    const live = this.lanes.length - 1;
    if (live >= MAX_LIVE_ALTERNATES) {
      this.observations.event('resource-limit', offset, 'too many alternative readings of this stream to follow');
      return;
    }
    const lane = new Lane(this, role, replay ? offset - replay.replay.length : offset, parent.interpreter, via);
    this.lanes.push(lane);
    this.peakLanes = Math.max(this.peakLanes, this.lanes.length);
    const { parts, end } = replay
      ? { parts: replay.available, end: replay.availableEnd }
      : parent.decoder.bufferedFrom(offset);
    if (replay) lane.decoder.push(replay.replay);
    for (const part of parts) lane.decoder.push(part);
    lane.nextOffset = Math.max(end, offset);
  }

  private prune(): void {
    for (let i = this.lanes.length - 1; i > 0; i--) {
      const lane = this.lanes[i]!;
      // A reading waiting for bytes past the end of the file fails there anyway.
      if (lane.decoder.active && this.size !== undefined && lane.decoder.neededOffset > this.size) lane.abort();
      if (!lane.decoder.active) this.lanes.splice(i, 1);
    }
  }
}

/** Which pickle of the linear reading is being decoded. */
type PickleKind = 'first' | 'next' | 'candidate';

class Lane implements DecoderEvents, InterpreterHost {
  readonly decoder: PickleDecoder;
  interpreter: PickleInterpreter;
  nextOffset: number;
  /** Where this lane records; speculative pickles get a private one folded in at their end. */
  private sink: Observations;
  private kind: PickleKind = 'first';
  private index = 0;
  private inPickle = false;
  private reportedJunk = false;

  constructor(
    private readonly session: StreamSession,
    readonly role: LaneRole,
    start: number,
    parent: PickleInterpreter | undefined,
    private readonly via?: string,
  ) {
    this.nextOffset = start;
    this.decoder = new PickleDecoder(this, start);
    // Each pickle records privately until it is known whether a loader runs any of it.
    this.sink = session.observations.child();
    const options = { reportInvalid: role === 'main', stopOnInvalid: true, ...(via ? { via } : {}) };
    this.interpreter = parent
      ? parent.fork(this.sink, this, options)
      : new PickleInterpreter(this.sink, session.limits, this, options);
    if (parent) this.inPickle = true;
  }

  opcode(op: DecodedOpcode): void {
    this.inPickle = true;
    this.interpreter.opcode(op);
  }

  pickleEnd(_end: number, result: Value | undefined): void {
    this.inPickle = false;
    if (this.role !== 'main') {
      this.settle(this.role === 'frame');
      this.decoder.halt();
      return;
    }
    this.session.observations.pickles++;
    if (this.kind === 'first' && this.index === 0 && isTorchMagic(result)) this.session.legacyTorch = true;
    this.settle(true);
    this.index++;
    if (this.session.legacyTorch && this.index >= TORCH_LEGACY_PICKLES) {
      this.decoder.halt(); // the rest is raw storage data, never unpickled
      return;
    }
    this.beginPickle(this.kind === 'candidate' ? 'candidate' : 'next');
  }

  inlineArray(end: number, layout: InlineArrayLayout | string): void {
    if (this.role === 'no-skip') return; // plain pickle.load does not know about joblib arrays
    if (typeof layout === 'string') {
      this.sink.event('inline-array-unresolved', end, layout, this.via);
      return;
    }
    if (this.role === 'main')
      this.session.spawn(this, 'no-skip', end, `plain pickle.load reading of the bytes joblib skips at offset ${end}`);
    if (layout.kind === 'object') {
      this.decoder.skipRaw(0, false);
      this.interpreter.beginNestedPickle();
    } else this.decoder.skipRaw(layout.bytes, layout.padded);
  }

  /** A limit was hit (or reading stopped): what this reading saw stands, except for a speculative one. */
  abort(): void {
    this.settle(this.role !== 'no-skip');
    this.decoder.halt();
  }

  rejected(offset: number, reason: string): void {
    this.decoder.reject();
    this.failed(offset, reason, false, true);
  }

  frameViolation(kind: FrameViolationKind, offset: number, crossing?: FrameCrossing): void {
    this.sink.event('frame-violation', offset, FRAME_TEXT[kind], this.via);
    // A reading diverges only if the overrunning piece starts inside the frame. The C reading that
    // dropped a frame's rest drops again at the next lie, so every reading follows its own drops; the
    // plain pickle.load reading of joblib bytes stays one.
    if (crossing && crossing.opcodeOffset + crossing.replay.length < crossing.frameEnd)
      this.session.spawn(this, this.role === 'no-skip' ? 'no-skip' : 'frame', crossing.frameEnd, `reading that drops the rest of the FRAME ending at offset ${crossing.frameEnd}`, crossing);
  }

  failure(offset: number, reason: string, truncated: boolean): void {
    this.failed(offset, reason, truncated, false);
  }

  /**
   * The loader raises at `offset`. What the pickle did before stands if it imported or called anything
   * (a payload before junk still ran); otherwise no loader gets anything out of it.
   */
  private failed(offset: number, reason: string, truncated: boolean, reported: boolean): void {
    if (this.role !== 'main') {
      this.settle(this.role === 'frame');
      return;
    }
    const ran = this.inPickle && ranBefore(this.sink, offset);
    const attempt = this.session.attempt;
    if (ran && this.kind !== 'candidate') {
      // A rejected operation is already reported as such; a decoding failure is reported here.
      if (!reported) this.sink.event('malformed', offset, truncated ? `truncated: ${reason}` : reason);
      this.settle(true);
    } else if (this.kind === 'candidate') {
      this.settle(false); // a speculative reading: what it named stands, as before
    } else {
      this.sink = this.session.observations.child(); // nothing of it ran
      if (!attempt && !this.reportedJunk) {
        this.reportedJunk = true;
        const what = this.index === 0 ? `bytes from offset ${offset}` : 'bytes after the last complete pickle';
        this.session.observations.event('trailing-data', offset, `${what} are not a pickle a loader accepts (${reason}); nothing is imported or called before it fails`);
      }
    }
    this.inPickle = false;
    // Content only tried as a pickle gets the loader's linear reading, not a search through junk.
    if (attempt) this.decoder.halt();
    else this.decoder.resync();
  }

  candidate(): void {
    this.beginPickle('candidate');
  }

  finish(): void {
    if (!this.decoder.active) return;
    this.decoder.finish();
    if (this.decoder.active && this.inPickle) this.failure(this.decoder.position, 'data ends before the STOP opcode', true);
    if (this.role !== 'main') this.settle(this.role === 'frame');
  }

  private beginPickle(kind: PickleKind): void {
    this.kind = kind;
    this.inPickle = false;
    this.sink = this.session.observations.child();
    const speculative = kind === 'candidate';
    this.interpreter = new PickleInterpreter(this.sink, this.session.limits, this, {
      reportInvalid: !speculative,
      stopOnInvalid: speculative,
    });
  }

  /** Fold a private sink into the scan's observations. */
  private settle(complete: boolean): void {
    this.session.observations.absorb(this.sink, complete, this.via ?? (this.kind === 'candidate' ? 'pickle found after junk' : undefined));
    this.sink = this.session.observations.child();
  }
}

const FRAME_TEXT: Readonly<Record<FrameViolationKind, string>> = {
  'crosses-frame-end': 'an opcode runs past the end of its FRAME; loaders disagree on what follows',
  'frame-inside-frame': 'a FRAME starts before the previous FRAME ends',
  'raw-data-inside-frame': 'inline array data starts inside a FRAME',
};

/** Kinds of event that mean the loader imported or called something. */
const EFFECT_EVENTS: ReadonlySet<string> = new Set(['unresolved-global', 'dynamic-call', 'global-mutation']);

/**
 * Did the loader import or call anything before it raised at `failedAt`? (What the failing opcode itself
 * records — a STACK_GLOBAL that underflowed, an INST without MARK — never happened.) Extension codes do
 * not count: no library registers any (`copyreg._extension_registry` is empty), so the loader raises on
 * one; random binary data starts with EXT1 once in 256 files.
 */
export function ranBefore(obs: Observations, failedAt: number): boolean {
  for (const g of obs.globals.values()) if (g.firstOffset < failedAt) return true;
  for (const event of obs.events.values()) if (EFFECT_EVENTS.has(event.kind) && event.firstOffset < failedAt) return true;
  return false;
}

function isTorchMagic(value: Value | undefined): boolean {
  return typeof value === 'object' && value.k === K.BigInt && value.value === TORCH_LEGACY_MAGIC;
}
