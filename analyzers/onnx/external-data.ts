/**
 * Checks on `TensorProto.external_data` (onnx/onnx `docs/ExternalData.md`, oci-model-formats.md §6.3):
 * `location` must be a plain path relative to the model's directory, `offset`/`length` decimal strings.
 * The scanner sees one file at a time, so containment is judged from the text of the location the way
 * a runtime on either POSIX or Windows would resolve it.
 */

/** onnxruntime's marker for "offset is a pointer into memory" (microsoft/onnxruntime `tensorprotoutils.h`). */
export const ORT_MEMORY_MARKER = '*/_ORT_MEM_ADDR_/*';

export type LocationProblem =
  | { readonly kind: 'escape'; readonly reason: string }
  | { readonly kind: 'memory-address'; readonly reason: string }
  | { readonly kind: 'suspicious'; readonly reason: string };

const DRIVE = /^[A-Za-z]:/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What is wrong with an external-data location, most serious first; undefined when it is a plain relative path. */
export function inspectLocation(location: string): LocationProblem | undefined {
  if (location === ORT_MEMORY_MARKER) return { kind: 'memory-address', reason: 'is the onnxruntime in-memory marker: `offset` becomes a memory address' };
  if (location.length === 0) return { kind: 'suspicious', reason: 'is empty' };
  // C and C++ path APIs stop at NUL, so the file opened is not the name that was checked.
  if (location.includes('\0')) return { kind: 'escape', reason: 'contains a NUL byte' };
  if (DRIVE.test(location)) return { kind: 'escape', reason: 'starts with a drive letter' };
  if (location.startsWith('/') || location.startsWith('\\')) return { kind: 'escape', reason: 'is an absolute or network path' };
  const segments = location.split(/[\\/]/);
  let depth = 0;
  for (const segment of segments) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) return { kind: 'escape', reason: 'climbs out of the model directory with `..`' };
  }
  if (segments.includes('..')) return { kind: 'suspicious', reason: 'contains `..`, which the ONNX spec disallows' };
  if (location.includes('\\')) return { kind: 'suspicious', reason: 'uses backslashes, a path separator on Windows only' };
  if (CONTROL.test(location)) return { kind: 'suspicious', reason: 'contains control characters' };
  if (URL_SCHEME.test(location)) return { kind: 'suspicious', reason: 'looks like a URL' };
  if (location.startsWith('~')) return { kind: 'suspicious', reason: 'looks home-relative' };
  // onnx's checker skips the containment check for names starting with '#' (`onnx/checker.cc`).
  if (location.startsWith('#')) return { kind: 'suspicious', reason: 'starts with `#`, which onnx does not check for containment' };
  const last = segments[segments.length - 1];
  if (last === '' || last === '.' || depth === 0) return { kind: 'suspicious', reason: 'names a directory, not a file' };
  return undefined;
}

/** A non-negative decimal integer as onnx writes `offset` and `length`; undefined for anything else. */
export function parseDecimal(text: string): number | undefined {
  if (!/^[0-9]{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
