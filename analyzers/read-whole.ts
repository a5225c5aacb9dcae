/** Reading a whole small file (a config, a template) with a byte cap. */
import { LimitExceededError } from './engine-rules.js';
import { readExactly, type ByteSource } from './source.js';

/**
 * The whole file, refusing more than `max` bytes (`what` names the limit in the error). Read with `read`
 * rather than `stream`, so another analyzer of the same member (license) can still read its head from
 * a forward-only source.
 */
export async function readWhole(source: ByteSource, max: number, what: string): Promise<Uint8Array> {
  if (source.size !== undefined) {
    if (source.size > max) throw new LimitExceededError(what, source.size, max);
    return readExactly(source, 0, source.size);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let chunk = 64 * 1024; ; chunk = Math.min(chunk * 2, 16 * 1024 * 1024)) {
    const part = await source.read(total, chunk);
    parts.push(part);
    total += part.length;
    if (total > max) throw new LimitExceededError(what, total, max);
    if (part.length < chunk) return Buffer.concat(parts);
  }
}
