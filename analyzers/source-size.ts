/**
 * Size of a source whose size is not known up front (a model file inside a compressed layer). Checks
 * such as "the data section ends exactly at end of file" need it, so the rest of the stream is counted
 * (not kept), within the per-file byte limit.
 */
import { LimitExceededError } from './engine-rules.js';
import type { AnalyzerLimits } from './limits.js';
import type { ByteSource } from './source.js';

/** `source.size` when known, else the offset at which the stream ends, counted from `from`. */
export async function sourceSize(source: ByteSource, from: number, limits: AnalyzerLimits): Promise<number> {
  if (source.size !== undefined) return source.size;
  let end = from;
  for await (const chunk of source.stream(from)) {
    end += chunk.length;
    if (end > limits.maxBytesPerFile) throw new LimitExceededError('bytes per file', end, limits.maxBytesPerFile);
  }
  return end;
}
