/**
 * An over-long line of a protocol-0 opcode (UNICODE, STRING, GLOBAL…) streaming past: only a prefix of
 * each line is kept (names are never that long; the global is reported as unanalysable), the rest is
 * skipped until the newline, whatever the line's length.
 */
import { NEWLINE, PAYLOAD_PREFIX_BYTES } from './bytes.js';

export class LongLine {
  constructor(
    readonly code: number,
    readonly offset: number,
    /** How many lines the opcode has (GLOBAL and INST: module and name). */
    private readonly lines: 1 | 2,
    readonly first: Uint8Array,
    public second: Uint8Array | undefined,
  ) {}

  /**
   * Consume from `buf[pos]`: the index just after the opcode's last newline, or -1 when `buf` ran out
   * first. (Once the first line is over-long the global is unanalysable anyway, so a short second line
   * cut by a chunk boundary is kept as the prefix received so far.)
   */
  consume(buf: Uint8Array, pos: number): number {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0) return -1;
    if (this.lines === 1 || this.second !== undefined) return nl + 1;
    const secondStart = nl + 1;
    const secondEnd = buf.indexOf(NEWLINE, secondStart);
    const take = Math.min(PAYLOAD_PREFIX_BYTES, (secondEnd < 0 ? buf.length : secondEnd) - secondStart);
    this.second = buf.slice(secondStart, secondStart + take);
    if (secondEnd < 0) return -1;
    return secondEnd - secondStart > PAYLOAD_PREFIX_BYTES ? this.consume(buf, secondStart + take) : secondEnd + 1;
  }
}
