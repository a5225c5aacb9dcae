/**
 * Go's integer parsing as Harbor's scanner client uses it for `Refresh-After`
 * (`src/pkg/scan/rest/v1/client.go`: `strconv.ParseInt(v, 10, 8)`, default 5 s;
 * ../shared/reference/harbor-scanner-api.md §3.6).
 */

/** Harbor's `defaultRefreshInterval`: the wait when `Refresh-After` is missing or does not parse. */
export const DEFAULT_REFRESH_SECONDS = 5;

/**
 * `strconv.ParseInt(text, 10, bitSize)`: an optional `+`/`-`, then one or more ASCII digits (base 10
 * allows no `_` separators and no prefix; leading zeros are fine), within the signed range of
 * `bitSize` bits. Returns undefined where Go returns an error (syntax or range).
 */
export function parseGoInt(text: string, bitSize: 8 | 16 | 32 | 64): number | undefined {
  const match = /^([+-]?)(\d+)$/.exec(text);
  if (!match) return undefined;
  const value = BigInt(`${match[1]}${match[2]}`);
  const limit = 1n << BigInt(bitSize - 1);
  if (value < -limit || value > limit - 1n) return undefined;
  return Number(value);
}

/**
 * Seconds Harbor waits after a 302, from the `Refresh-After` value as its HTTP client sees it (Go,
 * like fetch, trims surrounding whitespace). Missing or empty → 5; `"127"` → 127; `"128"`, `"1.5"`,
 * `"abc"` → 5; `"-1"` → -1, which Harbor passes to `Timer.Reset` as an already-expired wait.
 */
export function refreshAfterSeconds(header: string | null | undefined): number {
  if (header === null || header === undefined || header.length === 0) return DEFAULT_REFRESH_SECONDS;
  return parseGoInt(header, 8) ?? DEFAULT_REFRESH_SECONDS;
}
