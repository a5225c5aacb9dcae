/** Python dotted names (`torch.nn.modules.linear`), as identifiers may be spelled in Python 3. */
const VALID_NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

export function isValidDottedName(text: string): boolean {
  return VALID_NAME.test(text);
}
