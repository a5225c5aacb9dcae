/**
 * joblib's legacy "Z-file" (joblib 0.8–0.9.2, `numpy_pickle_compat.read_zfile`): `ZF`, the uncompressed
 * length as a 19-character hex field (`'{:#x}'.format(n).ljust(19)`), one more space in files from
 * Python 2 joblib ≤ 0.8.4, then a zlib stream. `joblib.load` of any file that starts with `ZF` takes this
 * path (`_detect_compressor` → `load_compatibility`) and unpickles the decompressed bytes; the `.z`
 * sidecars of its `ZNDArrayWrapper` records are the same container around raw array data.
 */

const PREFIX = [0x5a, 0x46]; // 'ZF'
const LENGTH_FIELD = 19;
/** Python `int(s, 16)` once stripped: sign, optional `0x`, hex digits with single underscores between. */
const PY_HEX = /^[+-]?(?:0[xX]_?)?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*$/;

/**
 * Where the zlib stream of a Z-file starts, or undefined when `head` is not one joblib would decompress
 * (the length field must parse as `int(…, 16)` does and a zlib header must follow, or `read_zfile` raises).
 */
export function zfileDataOffset(head: Uint8Array): number | undefined {
  if (head.length < PREFIX.length + LENGTH_FIELD + 2 || head[0] !== PREFIX[0] || head[1] !== PREFIX[1]) return undefined;
  const field = String.fromCharCode(...head.subarray(2, 2 + LENGTH_FIELD)).trim();
  if (!PY_HEX.test(field)) return undefined;
  let at = PREFIX.length + LENGTH_FIELD;
  if (head[at] === 0x20) at++;
  return isZlibHeader(head[at], head[at + 1]) ? at : undefined;
}

/** RFC 1950: deflate, window ≤ 32 KiB, header check (mod 31); a preset dictionary fails `zlib.decompress`. */
function isZlibHeader(cmf: number | undefined, flg: number | undefined): boolean {
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && ((cmf << 8) | flg) % 31 === 0;
}
