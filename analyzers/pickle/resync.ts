/**
 * Finding the next pickle after junk (model-scanners.md §2.4 item 4: several streams with junk between
 * them). Candidates are what a pickle can start with: `PROTO 2..5`, or a protocol-0 `GLOBAL` line pair
 * (`c<module>\n<name>\n`). Anything decoded from a candidate is speculative until it proves itself.
 */
import { NEWLINE } from './bytes.js';
import { Op } from './opcodes.js';

const IDENT_START = new Uint8Array(256);
const IDENT_PART = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  IDENT_START[c] = letter ? 1 : 0;
  IDENT_PART[c] = letter || (c >= 0x30 && c <= 0x39) || c === 0x2e ? 1 : 0;
}
/** Longest identifier line looked at for a GLOBAL candidate. */
const MAX_CANDIDATE_LINE = 256;

/**
 * Index of the first candidate at or after `from`; `-1` when there is none in `buf`; `-(i + 2)` when
 * the bytes from `i` might start one but `buf` ends too early to tell (keep them for the next chunk).
 */
export function findPickleStart(buf: Uint8Array, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === Op.PROTO) {
      if (i + 1 >= buf.length) return -(i + 2);
      const v = buf[i + 1]!;
      if (v >= 2 && v <= 5) return i;
    } else if (b === Op.GLOBAL) {
      const verdict = looksLikeGlobal(buf, i);
      if (verdict === undefined) return -(i + 2);
      if (verdict) return i;
    }
  }
  return -1;
}

/** `c<dotted identifier>\n<dotted identifier>\n` at `at`; undefined when the buffer ends too early. */
function looksLikeGlobal(buf: Uint8Array, at: number): boolean | undefined {
  let i = at + 1;
  for (let line = 0; line < 2; line++) {
    if (i >= buf.length) return undefined;
    if (!IDENT_START[buf[i]!]) return false;
    const limit = i + MAX_CANDIDATE_LINE;
    while (i < buf.length && i < limit && IDENT_PART[buf[i]!]) i++;
    if (i >= buf.length) return undefined;
    if (buf[i] !== NEWLINE) return false;
    i++;
  }
  return true;
}
