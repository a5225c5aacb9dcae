/**
 * safetensors framing: `u64 LE N`, then N bytes of UTF-8 JSON, then the tensor data
 * (oci-model-formats.md §6.1). Only the header is ever read: two reads (8 bytes, then N bytes), so a
 * 10 GB file behind a registry costs two small Range requests.
 */
import { LimitExceededError } from '../engine-rules.js';
import type { AnalyzerLimits } from '../limits.js';
import type { ByteSource } from '../source.js';
import type { FindingSink } from '../finding-budget.js';
import { scanJsonKeys } from './json-keys.js';
import { SAFETENSORS_RULES as RULES } from './rules.js';

/** The reference reader's `MAX_HEADER_SIZE` (safetensors `tensor.rs`). */
export const MAX_HEADER_SIZE = 100_000_000;
/** Bytes before the header: its little-endian u64 length. */
export const LENGTH_PREFIX_BYTES = 8;

export interface SafetensorsHeaderBytes {
  /** N, the header length from the prefix. */
  readonly length: number;
  readonly bytes: Uint8Array;
}

/**
 * Reads the length prefix and the header bytes. Returns undefined (after reporting why) when the
 * framing itself is broken, so nothing after it can be checked. Throws {@link LimitExceededError} when
 * the header is legal but larger than this scanner's configured limit.
 */
export async function readSafetensorsHeader(
  source: ByteSource,
  limits: AnalyzerLimits,
  sink: FindingSink,
): Promise<SafetensorsHeaderBytes | undefined> {
  const prefix = await source.read(0, LENGTH_PREFIX_BYTES);
  if (prefix.length < LENGTH_PREFIX_BYTES) {
    sink.add(RULES.truncated, { message: `file has ${prefix.length} bytes; the 8-byte header length is missing`, location: 'offset 0' });
    return undefined;
  }
  const declared = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_SIZE)) {
    sink.add(RULES.headerTooLarge, {
      message: `header length ${declared} exceeds the format maximum of ${MAX_HEADER_SIZE} bytes`,
      location: 'offset 0',
      details: { headerLength: declared.toString(), max: MAX_HEADER_SIZE },
    });
    return undefined;
  }
  const length = Number(declared);
  if (length > limits.maxHeaderBytes) throw new LimitExceededError('safetensors header bytes', length, limits.maxHeaderBytes);
  const size = source.size;
  if (size !== undefined && LENGTH_PREFIX_BYTES + length > size) {
    reportOutOfBounds(sink, length, size);
    return undefined;
  }
  const bytes = await source.read(LENGTH_PREFIX_BYTES, length);
  if (bytes.length < length) {
    reportOutOfBounds(sink, length, LENGTH_PREFIX_BYTES + bytes.length);
    return undefined;
  }
  return { length, bytes };
}

function reportOutOfBounds(sink: FindingSink, length: number, size: number): void {
  sink.add(RULES.headerOutOfBounds, {
    message: `header length ${length} needs ${LENGTH_PREFIX_BYTES + length} bytes but the file has ${size}`,
    location: 'offset 0',
    details: { headerLength: length, fileSize: size },
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes the header into its JSON object, reporting encoding, syntax, shape, duplicate-key and padding
 * problems. Returns undefined when there is no object to validate further.
 */
export function decodeSafetensorsHeader(bytes: Uint8Array, sink: FindingSink): Record<string, unknown> | undefined {
  let text: string;
  try {
    // ignoreBOM keeps a leading BOM in the text, where JSON.parse rejects it as the Rust reader does.
    text = UTF8.decode(bytes);
  } catch {
    sink.add(RULES.invalidUtf8, { message: 'header bytes are not valid UTF-8', location: 'header' });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    sink.add(RULES.invalidJson, {
      message: `header is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      location: 'header',
    });
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.add(RULES.headerNotObject, {
      message: `header is a JSON ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}, not an object`,
      location: 'header',
    });
    return undefined;
  }
  const scan = scanJsonKeys(text);
  for (const dup of scan.duplicates) {
    const where = [...dup.path, dup.key];
    sink.add(RULES.duplicateKey, {
      message: `key "${dup.key}" appears more than once${dup.path.length > 0 ? ` in "${dup.path.join('.')}"` : ''}; JSON.parse keeps the last one`,
      location: `key ${where.join('.')}`,
      details: { path: where, charOffset: dup.offset, duplicateKeysInHeader: scan.duplicateCount },
    });
  }
  checkPadding(text, scan.valueStart, scan.valueEnd, sink);
  return value as Record<string, unknown>;
}

/** The header must start with `{` and may only be right-padded with spaces (safetensors `README.md`). */
function checkPadding(text: string, valueStart: number, valueEnd: number, sink: FindingSink): void {
  if (valueStart > 0)
    sink.add(RULES.headerPadding, {
      message: `header starts with ${valueStart} whitespace characters before "{"; content sniffers expect "{" at byte 8`,
      location: 'offset 8',
      severity: 'Medium',
    });
  const tail = text.slice(valueEnd);
  if (/[^ ]/.test(tail))
    sink.add(RULES.headerPadding, {
      message: 'header is padded with whitespace other than spaces (tabs or line breaks) after the JSON object',
      location: 'header end',
      details: { paddingLength: tail.length },
    });
}
