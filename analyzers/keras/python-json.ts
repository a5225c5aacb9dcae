/**
 * JSON as Keras reads it: Python's `json.loads` on bytes (keras `saving_lib.py` reads `config.json`
 * from the zip as bytes; legacy H5 configs are bytes too). Python guesses UTF-8, UTF-16 or UTF-32 from
 * the first bytes (`json.detect_encoding`) and accepts `NaN`, `Infinity` and `-Infinity`; a scanner
 * that only tried UTF-8 `JSON.parse` would call such a config unreadable and miss the Lambda inside.
 */

export type PythonJson = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** Parses `bytes` as `json.loads(bytes)` would. */
export function parsePythonJson(bytes: Uint8Array): PythonJson {
  let text: string;
  try {
    const [encoding, skip] = detectEncoding(bytes);
    text = decode(bytes.subarray(skip), encoding);
  } catch (error) {
    return { ok: false, error: `not decodable: ${(error as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(replaceNonFiniteLiterals(text)) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** `json.detect_encoding`: the encoding and how many BOM bytes to skip. */
function detectEncoding(b: Uint8Array): readonly [Encoding, number] {
  const at = (i: number) => b[i] ?? -1;
  if (at(0) === 0 && at(1) === 0 && at(2) === 0xfe && at(3) === 0xff) return ['utf-32be', 4];
  if (at(0) === 0xff && at(1) === 0xfe && at(2) === 0 && at(3) === 0) return ['utf-32le', 4];
  if (at(0) === 0xfe && at(1) === 0xff) return ['utf-16be', 2];
  if (at(0) === 0xff && at(1) === 0xfe) return ['utf-16le', 2];
  if (at(0) === 0xef && at(1) === 0xbb && at(2) === 0xbf) return ['utf-8', 3];
  if (b.length >= 4) {
    if (at(0) === 0) return [at(1) !== 0 ? 'utf-16be' : 'utf-32be', 0];
    if (at(1) === 0) return [at(2) !== 0 || at(3) !== 0 ? 'utf-16le' : 'utf-32le', 0];
  } else if (b.length === 2) {
    if (at(0) === 0) return ['utf-16be', 0];
    if (at(1) === 0) return ['utf-16le', 0];
  }
  return ['utf-8', 0];
}

function decode(bytes: Uint8Array, encoding: Encoding): string {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return decodeUtf32(bytes, encoding === 'utf-32le');
  return new TextDecoder(encoding, { fatal: true }).decode(bytes);
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  if (bytes.length % 4 !== 0) throw new Error('UTF-32 data is not a whole number of code units');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let at = 0; at < bytes.length; at += CHUNK * 4) {
    const codes: number[] = [];
    for (let i = at; i < Math.min(bytes.length, at + CHUNK * 4); i += 4) {
      const code = view.getUint32(i, littleEndian);
      if (code > 0x10ffff) throw new Error(`invalid UTF-32 code point 0x${code.toString(16)}`);
      codes.push(code);
    }
    parts.push(String.fromCodePoint(...codes));
  }
  return parts.join('');
}

const NON_FINITE = ['-Infinity', 'Infinity', 'NaN'] as const;

/** Replaces Python's non-finite literals outside strings with `null` (their value does not matter here). */
function replaceNonFiniteLiterals(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && c !== 0x49 && c !== 0x4e) continue; // '-', 'I', 'N'
    const literal = NON_FINITE.find((l) => text.startsWith(l, i));
    if (!literal) continue;
    parts.push(text.slice(copied, i), 'null');
    i += literal.length - 1;
    copied = i + 1;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}
