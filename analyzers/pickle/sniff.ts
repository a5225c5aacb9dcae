/**
 * Is this the start of a pickle stream? The head is decoded and run through the symbolic interpreter
 * up to the first point where a loader would fail; the verdict rests on what the loader would have
 * done before that point:
 *
 * - protocol 2+ (`PROTO 2..5` first): a pickle unless the loader fails right away — after at most two
 *   more opcodes and before importing anything. Raw tensor bytes inside a PyTorch zip start with
 *   `\x80\x02` now and then; `pickle.load` rejects them at once and so should the sniffer.
 * - protocols 0 and 1 have no header and may be plain ASCII (`cos\nsystem\n…`). Text breaks the VM's
 *   rules within a few bytes, so a head counts if it decodes cleanly for a while (or to STOP), or if
 *   it calls or imports something dangerous before it breaks — a payload followed by junk (nullifAI)
 *   is still a pickle.
 *
 * The sniffed format only decides which analyzers explain a file: content sniffed as anything else is
 * still tried as a pickle (`mayLoadAsPickle`).
 */
import { DEFAULT_SETTINGS } from '../settings.js';
import { PickleDecoder, type DecodedOpcode } from './decoder.js';
import { PickleInterpreter, type InterpreterHost } from './interpreter.js';
import { Observations } from './observations.js';
import { ARG_KIND, ArgKind, Op } from './opcodes.js';
import { policyFor } from './policy.js';
import { ranBefore } from './stream.js';
import { linePrefixRaises } from './text.js';

/** Opcodes that only make sense in a pickle: imports, memo traffic, MARK-consuming builders. */
const STRUCTURAL = new Set<number>([
  Op.GLOBAL, Op.INST, Op.PUT, Op.BINPUT, Op.LONG_BINPUT, Op.GET, Op.BINGET, Op.LONG_BINGET, Op.MEMOIZE, Op.TUPLE,
  Op.LIST, Op.DICT, Op.OBJ, Op.APPENDS, Op.SETITEMS, Op.REDUCE, Op.BUILD, Op.STACK_GLOBAL, Op.FROZENSET,
]);
const IMPORTS = new Set<number>([Op.GLOBAL, Op.INST, Op.STACK_GLOBAL, Op.EXT1, Op.EXT2, Op.EXT4]);
/** Clean opcodes that make a header-less head a pickle. */
const MIN_CLEAN_OPCODES = 3;

interface HeadReading {
  readonly declared: boolean;
  readonly opcodes: number;
  readonly structural: boolean;
  readonly imported: boolean;
  readonly stopped: boolean;
  /** A FRAME is overrun: the C unpickler and a linear reading part ways (stream.ts follows both). */
  readonly frameLie: boolean;
  /** Offset where the loader would fail (Infinity: nowhere in the head). */
  readonly brokenAt: number;
  readonly obs: Observations;
}

/**
 * Run the head through the decoder and interpreter as the loader would, up to where it raises: the
 * first pickle only, or (`linear`) pickle after pickle as the analysis of content tried as a pickle does.
 */
function readHead(head: Uint8Array, size: number | undefined, linear: boolean): HeadReading {
  const complete = size !== undefined && head.length >= size;
  const declared = head.length >= 2 && head[0] === Op.PROTO && head[1]! >= 2 && head[1]! <= 5;
  let opcodes = 0;
  let structural = false;
  let imported = false;
  let stopped = false;
  let frameLie = false;
  let brokenAt = Infinity;
  const obs = new Observations(policyFor(DEFAULT_SETTINGS.pickle));
  const host: InterpreterHost = {
    pickleEnd: () => {
      stopped = brokenAt === Infinity;
      if (linear) interpreter.startPickle();
      else decoder.halt();
    },
    inlineArray: () => undefined,
    abort: () => decoder.halt(),
    rejected: (offset) => {
      brokenAt = Math.min(brokenAt, offset);
      decoder.halt();
    },
  };
  const limits = { maxOpcodes: head.length, maxStack: head.length, maxMemo: head.length };
  const interpreter: PickleInterpreter = new PickleInterpreter(obs, limits, host, { reportInvalid: false, stopOnInvalid: true });
  const decoder: PickleDecoder = new PickleDecoder({
    opcode(op: DecodedOpcode) {
      opcodes++;
      if (STRUCTURAL.has(op.code)) structural = true;
      if (IMPORTS.has(op.code)) imported = true;
      interpreter.opcode(op);
    },
    frameViolation: () => {
      if (brokenAt === Infinity) frameLie = true;
    },
    failure(offset, _reason, truncated) {
      // Running out of head is not the loader failing when the file goes on.
      if (!truncated || complete) brokenAt = Math.min(brokenAt, offset);
    },
  });
  decoder.push(head);
  const pending = stopped || brokenAt !== Infinity ? undefined : decoder.pendingLine();
  if (pending && linePrefixRaises(pending.code, pending.first, pending.second)) brokenAt = pending.offset;
  // A payload declared longer than the file: the loader runs out of data there.
  if (brokenAt === Infinity && size !== undefined && decoder.active && decoder.requiredEnd > size) brokenAt = decoder.position;
  if (!stopped && brokenAt === Infinity) decoder.finish();
  return { declared, opcodes, structural, imported, stopped, frameLie, brokenAt, obs };
}

export function looksLikePickle(head: Uint8Array): boolean {
  if (!startsWithOpcode(head)) return false;
  const { declared, opcodes, structural, imported, stopped, brokenAt, obs } = readHead(head, undefined, false);
  const broken = brokenAt !== Infinity;
  if (stopped) return true;
  // A declared pickle whose head decodes without a loader error is a pickle even when a long line or
  // payload runs past the head: fickling's frame-lie (model-scanners.md App. B) hides its payload behind
  // a 128 KiB line. Random tensor bytes that happen to start with PROTO break within a few opcodes.
  if (declared) return !broken || imported || opcodes > MIN_CLEAN_OPCODES;
  if (actedDangerously(obs, brokenAt)) return true;
  return !broken && opcodes >= MIN_CLEAN_OPCODES && structural;
}

/**
 * Could a pickle-based loader get anything out of content that starts with `head`, in a file of `size`
 * bytes (when known)? No only when, reading pickle after pickle, the loader raises inside the head (or
 * the whole file ends) before importing or calling anything — which is exact, not a guess: such a
 * stream yields nothing to report. Sniffing is not a gate: the engine tries every other file as a
 * pickle unless this says no (issue 11 class 3).
 */
export function mayLoadAsPickle(head: Uint8Array, size: number | undefined): boolean {
  if (!startsWithOpcode(head)) return false;
  const { brokenAt, frameLie, obs } = readHead(head, size, true);
  if ((brokenAt === Infinity && !(size !== undefined && head.length >= size)) || frameLie) return true;
  return ranBefore(obs, brokenAt);
}

/** Most files fail on their first byte: no need to set up a reading for them. */
function startsWithOpcode(head: Uint8Array): boolean {
  return head.length > 0 && ARG_KIND[head[0]!] !== ArgKind.Invalid;
}

/** Before the loader fails: a call, or an import of something denied — it matters even if the stream breaks next. */
function actedDangerously(obs: Observations, brokenAt: number): boolean {
  for (const g of obs.globals.values()) {
    if ((g.invokedAt >= 0 && g.invokedAt < brokenAt) || (g.verdict.kind === 'denied' && g.firstOffset < brokenAt)) return true;
  }
  for (const e of obs.extensions.values()) if (e.invokedAt >= 0 && e.invokedAt < brokenAt) return true;
  return false;
}
