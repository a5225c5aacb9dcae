/**
 * Compression wrappers (gzip, zlib, bzip2, xz, LZMA alone, LZ4 frame, zstd): compressed joblib files,
 * `.pt.gz`, `.tar.zst`… The decompressed stream goes back through the engine as one member, so it is
 * routed by its content. Expansion is bounded by the size limit, the ratio limit and the budget of the
 * outermost container; hitting one ends the stream there and is a finding with the numbers, also past
 * what the member's analysis reads. Decompression never throws into the member's analyzer: a limit or
 * corrupt data ends the member's stream early and becomes this analyzer's finding.
 */
import type { AnalysisContext, Analyzer } from '../analyzer.js';
import { LimitExceededError } from '../engine-rules.js';
import { makeFinding, type Finding } from '../finding.js';
import type { Format } from '../formats.js';
import { ForwardSource } from '../source.js';
import { budgetFor, inherit } from './budget.js';
import { Bzip2Bound, bzip2Level } from './bzip2-bound.js';
import { decompress, type CompressionFormat } from './decompress.js';
import { zfileDataOffset } from './joblib-zfile.js';
import { ARCHIVE_RULES } from './rules.js';
import { isRatioBomb } from './zip-analyzer.js';

const SUFFIXES: Readonly<Record<CompressionFormat, readonly (readonly [string, string])[]>> = {
  gzip: [['.tgz', '.tar'], ['.gz', ''], ['.gzip', '']],
  zlib: [['.zlib', ''], ['.z', '']],
  bzip2: [['.tbz2', '.tar'], ['.tbz', '.tar'], ['.bz2', '']],
  xz: [['.txz', '.tar'], ['.xz', '']],
  lzma: [['.lzma', '']],
  lz4: [['.lz4', '']],
  zstd: [['.tzst', '.tar'], ['.zst', ''], ['.zstd', '']],
};

/** The member's name: the file name without its compression suffix, or `<decompressed>`. */
export function decompressedName(path: string, format: CompressionFormat): string {
  const base = path.slice(Math.max(path.lastIndexOf('!'), path.lastIndexOf('/')) + 1);
  const lower = base.toLowerCase();
  for (const [suffix, replacement] of SUFFIXES[format])
    if (lower.endsWith(suffix) && lower.length > suffix.length) return base.slice(0, base.length - suffix.length) + replacement;
  return '<decompressed>';
}

const isCompression = (format: Format): format is CompressionFormat => format in SUFFIXES;

export const compressedAnalyzer: Analyzer = {
  name: 'archive',
  formats: Object.keys(SUFFIXES) as CompressionFormat[],
  rules: [ARCHIVE_RULES.decompressionBomb, ARCHIVE_RULES.truncated, ARCHIVE_RULES.tooManyMembers],
  async analyze(ctx) {
    if (!isCompression(ctx.format)) return [];
    const format = ctx.format;
    const file = ctx.file.path;
    const budget = budgetFor(ctx.source, ctx.limits);
    if (!budget.takeMember())
      return [
        makeFinding(ARCHIVE_RULES.tooManyMembers, file, {
          message: `more than ${ctx.limits.maxMembers} members across the enclosing archives; not analysed`,
          details: { max: ctx.limits.maxMembers },
        }),
      ];
    const outcome: Finding[] = [];
    let compressedBytes = 0;
    // A joblib Z-file is a zlib stream after its header; joblib.load unpickles what it inflates to.
    const start = format === 'zlib' ? (zfileDataOffset(ctx.head) ?? 0) : 0;
    // Only a bzip2 stream tells, from its compressed bytes, whether its rest could be a bomb (bzip2-bound.ts);
    // they are read once: as the decompressor takes them, then whatever it left.
    const level = format === 'bzip2' && ctx.source.seekable ? bzip2Level(ctx.head) : undefined;
    const bound = level === undefined ? undefined : new Bzip2Bound(level, ctx.limits.maxCompressionRatio);
    const input = (async function* () {
      for await (const chunk of ctx.source.stream(start)) {
        compressedBytes += chunk.length;
        bound?.push(chunk);
        yield chunk;
      }
    })();

    let produced = 0;
    let ended = false;
    /** Ends the stream (rather than failing the member's analysis) at a limit or at corrupt data. */
    async function* guarded(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of decompress(format, input, { maxOutputBytes: ctx.limits.maxBytesPerFile })) {
          produced += chunk.length;
          budget.chargeBytes(chunk.length);
          if (isRatioBomb(produced, compressedBytes, ctx.limits.maxCompressionRatio)) {
            outcome.push(bomb(file, `expands ${compressedBytes} bytes to more than ${produced} (over ${ctx.limits.maxCompressionRatio}× the compressed size)`, { compressedBytes, decompressedBytes: produced, maxRatio: ctx.limits.maxCompressionRatio }));
            return;
          }
          yield chunk;
        }
      } catch (error) {
        if (error instanceof LimitExceededError)
          outcome.push(bomb(file, `decompressed data passed a limit: ${error.message}`, { limit: error.limit, value: error.value, max: error.max }));
        else
          outcome.push(
            makeFinding(ARCHIVE_RULES.truncated, file, {
              message: `${error instanceof Error ? error.message : String(error)} after ${produced} decompressed bytes`,
              details: { format, decompressedBytes: produced },
            }),
          );
      } finally {
        ended = true;
      }
    }

    const stream = guarded();
    // A Z-file inflates to a pickle or, for a `.npy.z` sidecar, to raw array bytes joblib hands to
    // `ndarray.__setstate__`: never the format its inner name would claim.
    const name = start > 0 ? '<decompressed>' : decompressedName(file, format);
    const findings = await ctx.scanMember(name, inherit(new ForwardSource(stream), budget));
    // The member's analysis reads as far as a loader does: joblib.load unpickles from the start of what
    // the decompressor `_detect_compressor` picked yields, and a pickle attempt stops where the loader
    // raises. The rest is still decompressed (within the limits) when it could be a bomb to whatever
    // unpacks the whole file; when it cannot, it is left: corrupt data there cuts no analysis short.
    if (!ended && (await restMayExpand(ctx, bound, start + compressedBytes, Math.min(ctx.limits.maxBytesPerFile, produced + budget.bytesRemaining))))
      while (!(await stream.next()).done);
    await stream.return(undefined);
    return [...findings, ...outcome];
  },
};

/**
 * Could decompressing the rest pass the ratio or `maxOutput`? Without a bound (not bzip2, or a source
 * that cannot be read on from `resumeAt`), it could. The bound is fed the compressed bytes the
 * decompressor has not read yet.
 */
async function restMayExpand(ctx: AnalysisContext, bound: Bzip2Bound | undefined, resumeAt: number, maxOutput: number): Promise<boolean> {
  if (!bound) return true;
  for await (const chunk of ctx.source.stream(resumeAt)) {
    if (bound.passed) return true;
    bound.push(chunk);
  }
  return bound.mayExpandPast(maxOutput);
}

function bomb(file: string, what: string, details: Record<string, unknown>): Finding {
  return makeFinding(ARCHIVE_RULES.decompressionBomb, file, { message: `${what}; the rest was not analysed`, details });
}
