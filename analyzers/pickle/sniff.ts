/**
 * Is this the start of a pickle stream? Protocol 2+ pickles open with PROTO (0x80, version); protocols
 * 0 and 1 have no header and may be plain ASCII, so they are recognised by decoding the head.
 */
export function looksLikePickle(head: Uint8Array): boolean {
  if (head.length >= 2 && head[0] === 0x80 && head[1]! >= 2 && head[1]! <= 5) return true;
  // Conservative protocol 0/1 check until the decoder-based check lands: GLOBAL opcode `c` followed by
  // "module\nname\n" is how every protocol-0 code-execution pickle starts.
  return head.length >= 4 && head[0] === 0x63 && /^c[\w.]+\n[\w.]+\n/.test(new TextDecoder('latin1').decode(head.subarray(0, 256)));
}
