/**
 * The webhook's shared secret. Harbor's webhook policy has an "Auth Header" field whose value Harbor sends
 * verbatim as `Authorization` (`src/pkg/notifier/handler/notification/http_handler.go`), so the whole
 * header value is the secret, whatever scheme the admin typed.
 */
import { matchesSecret, secretDigest } from '../http/secret-compare.js';

/** Whether a presented `Authorization` value is the configured secret, compared in constant time. */
export function authHeaderMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && matchesSecret(presented, secretDigest(expected));
}
