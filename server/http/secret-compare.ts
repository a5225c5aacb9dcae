/**
 * Constant-time secret comparison for the adapter API and the webhook: both sides are hashed first, so
 * `timingSafeEqual` always compares 32 bytes and neither the content nor the length of the secret leaks
 * through timing. Expected secrets are hashed once, at start.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretDigest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function matchesSecret(presented: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), expectedDigest);
}
