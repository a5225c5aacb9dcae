/**
 * The pickle analyzer (raw pickles, stacked pickles, legacy PyTorch files, joblib streams, pickle members
 * of containers — whatever the engine sniffed as `pickle`) and the `.npy` analyzer, whose object arrays
 * are pickles.
 */
import type { AnalysisContext, Analyzer } from '../analyzer.js';
import { makeFinding, type Finding } from '../finding.js';
import type { AnalyzerLimits } from '../limits.js';
import type { ByteSource } from '../source.js';
import { pickleFindings } from './findings.js';
import type { InterpreterLimits } from './interpreter.js';
import { npyHeaderLength, npyPreambleLength, parseNpyHeader } from './npy.js';
import { policyFor } from './policy.js';
import { NPY_RULES, PICKLE_RULES } from './rules.js';
import { scanPickleStream } from './stream.js';

/** numpy refuses longer headers by default (`_MAX_HEADER_SIZE`); we read up to this much to report. */
const NPY_HEADER_LIMIT = 1024 * 1024;

export function interpreterLimits(limits: AnalyzerLimits): InterpreterLimits {
  return { maxOpcodes: limits.maxPickleOpcodes, maxStack: limits.maxPickleStack, maxMemo: limits.maxPickleMemo };
}

/**
 * Analyse the pickle stream(s) in `source` from `start`. Content sniffed as something else is still
 * tried (a loader may be handed any file): then only what a loader would run is reported.
 */
export async function analysePickles(ctx: AnalysisContext, source: ByteSource, start: number): Promise<Finding[]> {
  const attempt = ctx.format !== 'pickle' && ctx.format !== 'npy';
  const head = source === ctx.source ? ctx.head : new Uint8Array(0);
  const result = await scanPickleStream(afterHead(source, head, attempt), start, {
    attempt,
    policy: policyFor(ctx.settings.pickle),
    limits: interpreterLimits(ctx.limits),
    maxBytes: ctx.limits.maxBytesPerFile,
    signal: ctx.signal,
  });
  return pickleFindings(result.observations, ctx.file.path);
}

/** First read of a pickle attempt past the sniffed head; each next one doubles, up to {@link ATTEMPT_MAX_READ_BYTES}. */
const ATTEMPT_READ_BYTES = 16 * 1024;
const ATTEMPT_MAX_READ_BYTES = 1024 * 1024;

/**
 * `source` as the pickle analysis reads it: `head` (the bytes the engine sniffed) is not read again —
 * a small pickle is then read once. A pickle attempt (`windowed`) reads through `read()` in windows that
 * start small and double while the content still parses, so an attempt that stops at the first
 * impossible opcode (raw tensor bytes do within a few bytes) reads little more than the head, and one
 * that keeps parsing is never cut short — it reads on to where the loader would stop (issue 15 §1). On
 * a forward-only source such reads keep its look-behind window: when the attempt stops within it, the
 * analyzers for what the content really is still stream it from the start.
 */
function afterHead(source: ByteSource, head: Uint8Array, windowed: boolean): ByteSource {
  return {
    size: source.size,
    seekable: source.seekable,
    read: (offset, length) => (offset + length <= head.length ? Promise.resolve(head.subarray(offset, offset + length)) : source.read(offset, length)),
    async *stream(offset = 0, end = Number.POSITIVE_INFINITY) {
      let at = offset;
      if (at < head.length && at < end) {
        const cached = head.subarray(at, Math.min(head.length, end));
        at += cached.length;
        yield cached;
      }
      if (at >= end || (source.size !== undefined && at >= source.size)) return;
      if (!windowed) {
        yield* source.stream(at, end === Number.POSITIVE_INFINITY ? undefined : end);
        return;
      }
      for (let window = ATTEMPT_READ_BYTES; at < end; window = Math.min(ATTEMPT_MAX_READ_BYTES, window * 2)) {
        const chunk = await source.read(at, Math.min(window, end - at));
        if (chunk.length === 0) return;
        yield chunk;
        at += chunk.length;
      }
    },
  };
}

export const pickleAnalyzer: Analyzer = {
  name: 'pickle',
  formats: ['pickle'],
  rules: Object.values(PICKLE_RULES),
  analyze: (ctx) => analysePickles(ctx, ctx.source, 0),
};

export const npyAnalyzer: Analyzer = {
  name: 'npy',
  formats: ['npy'],
  rules: [...Object.values(NPY_RULES), ...Object.values(PICKLE_RULES)],
  async analyze(ctx) {
    const file = ctx.file.path;
    const malformed = (message: string): Finding[] => [
      makeFinding(NPY_RULES.malformedHeader, file, { message, location: 'header' }),
    ];
    const preambleLength = npyPreambleLength(ctx.head[6] ?? 0);
    if (preambleLength === undefined) return malformed(`unsupported .npy format version ${ctx.head[6]}.${ctx.head[7]}`);
    const preamble = await ctx.source.read(0, preambleLength);
    if (preamble.length < preambleLength) return malformed('file ends inside the .npy preamble');
    const headerLength = npyHeaderLength(preamble);
    if (headerLength > Math.min(NPY_HEADER_LIMIT, ctx.limits.maxHeaderBytes))
      return malformed(`header length ${headerLength} exceeds ${NPY_HEADER_LIMIT} bytes`);
    const text = await ctx.source.read(preambleLength, headerLength);
    if (text.length < headerLength) return malformed('file ends inside the .npy header');
    const header = parseNpyHeader(preamble, text);
    if (typeof header === 'string') return malformed(header);

    if (header.hasObject)
      return [
        makeFinding(NPY_RULES.objectArray, file, {
          message: `dtype ${header.descr} holds Python objects, stored as a pickle at offset ${header.dataOffset}`,
          location: `offset ${header.dataOffset}`,
          details: { descr: header.descr, shape: header.shape },
        }),
        ...(await analysePickles(ctx, ctx.source, header.dataOffset)),
      ];

    const expected = header.shape.reduce((n, d) => n * d, 1) * header.itemsize;
    const actual = await dataLength(ctx, header.dataOffset);
    if (actual === expected) return [];
    return [
      makeFinding(NPY_RULES.dataSizeMismatch, file, {
        message: `header declares ${expected} data bytes (shape ${JSON.stringify(header.shape)}, ${header.itemsize}-byte items) but the file holds ${actual}`,
        location: `offset ${header.dataOffset}`,
        severity: actual < expected ? 'Medium' : 'Low',
        details: { expected, actual, shape: header.shape, descr: header.descr },
      }),
    ];
  },
};

/** Bytes after the header: from the size when known, else by streaming (decompressed members). */
async function dataLength(ctx: AnalysisContext, offset: number): Promise<number> {
  if (ctx.source.size !== undefined) return Math.max(0, ctx.source.size - offset);
  let total = 0;
  for await (const chunk of ctx.source.stream(offset)) {
    ctx.signal.throwIfAborted();
    total += chunk.length;
    if (total > ctx.limits.maxBytesPerFile) break;
  }
  return total;
}
