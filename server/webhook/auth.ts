/**
 * The webhook's shared secret. Harbor's webhook policy has an "Auth Header" field whose value Harbor sends
 * verbatim as `Authorization` (`src/pkg/notifier/handler/notification/http_handler.go`), so the whole
 * header value is the secret, whatever scheme the admin typed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time check of a presented `Authorization` value: both sides are hashed first, so
 * `timingSafeEqual` compares 32 bytes and neither the content nor the length of the secret leaks.
 */
export function authHeaderMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(sha256(presented), sha256(expected));
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
