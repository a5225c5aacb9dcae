/**
 * Python dotted names (`torch.nn.modules.linear`), each part an identifier as `str.isidentifier` reads
 * it: XID_Start or `_`, then XID_Continue (which holds Other_ID_Continue such as U+00B7 MIDDLE DOT).
 */
const VALID_NAME = /^[\p{XID_Start}_]\p{XID_Continue}*(?:\.[\p{XID_Start}_]\p{XID_Continue}*)*$/u;

export function isValidDottedName(text: string): boolean {
  return VALID_NAME.test(text);
}
