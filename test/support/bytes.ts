/** Byte helpers shared by the test builders (tar, zip, protobuf) and fixtures. */

/** One array holding `parts` back to back (a plain Uint8Array, unlike Buffer.concat). */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
