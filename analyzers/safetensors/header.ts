/**
 * safetensors framing: `u64 LE N`, then N bytes of UTF-8 JSON, then the tensor data
 * (oci-model-formats.md §6.1). Only the header is ever read, once: a small header in one read after the
 * 8-byte prefix (a 10 GB file behind a registry costs two small Range requests), a large one as a stream
 * of chunks that are decoded, parsed and validated as they arrive (./json-keys.ts, ./validate.ts), so a
 * 100 MB header never sits in memory whole, as bytes, text or parse tree.
 */
import { LimitExceededError } from '../engine-rules.js';
import { DeferredFindings, type FindingSink } from '../finding-budget.js';
import type { AnalyzerLimits } from '../limits.js';
import type { ByteSource } from '../source.js';
import { JsonStreamParser } from './json-keys.js';
import { SAFETENSORS_RULES as RULES } from './rules.js';
import { TensorTableCollector, type MetadataValue, type TensorTable } from './validate.js';

/** The reference reader's `MAX_HEADER_SIZE` (safetensors `tensor.rs`). */
export const MAX_HEADER_SIZE = 100_000_000;
/** Bytes before the header: its little-endian u64 length. */
export const LENGTH_PREFIX_BYTES = 8;
/** Headers up to this size are read in one request; larger ones are streamed (seekable) or read in pieces this size. */
export const HEADER_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SafetensorsFraming {
  /** N, the header length from the prefix. */
  readonly length: number;
}

export interface SafetensorsHeader extends SafetensorsFraming {
  /** Byte ranges of the well-formed tensor entries, for {@link validateLayout}. */
  readonly table: TensorTable;
  /** `__metadata__` values under keys naming a licence. */
  readonly licenseMetadata: ReadonlyMap<string, MetadataValue>;
}

/**
 * Reads the length prefix. Returns undefined (after reporting why) when the framing itself is broken, so
 * nothing after it can be checked. Throws {@link LimitExceededError} when the header is legal but larger
 * than this scanner's configured limit.
 */
export async function readSafetensorsHeader(source: ByteSource, limits: AnalyzerLimits, sink: FindingSink): Promise<SafetensorsFraming | undefined> {
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
  return { length };
}

function reportOutOfBounds(sink: FindingSink, length: number, size: number): void {
  sink.add(RULES.headerOutOfBounds, {
    message: `header length ${length} needs ${LENGTH_PREFIX_BYTES + length} bytes but the file has ${size}`,
    location: 'offset 0',
    details: { headerLength: length, fileSize: size },
  });
}

/** The header's bytes, chunk by chunk, never more than N of them. */
async function* headerChunks(source: ByteSource, length: number): AsyncGenerator<Uint8Array> {
  if (length <= HEADER_CHUNK_BYTES) {
    yield await source.read(LENGTH_PREFIX_BYTES, length);
    return;
  }
  // One streamed request through a registry; a forward-only source is read on in pieces (its stream is
  // kept for measuring the data section after the header).
  if (source.seekable) {
    yield* source.stream(LENGTH_PREFIX_BYTES, LENGTH_PREFIX_BYTES + length);
    return;
  }
  for (let at = 0; at < length; ) {
    const chunk = await source.read(LENGTH_PREFIX_BYTES + at, Math.min(HEADER_CHUNK_BYTES, length - at));
    if (chunk.length === 0) return;
    at += chunk.length;
    yield chunk;
  }
}

/**
 * Reads, decodes and validates the header in one pass, reporting encoding, syntax, shape, duplicate-key,
 * padding, metadata and tensor-entry problems in that order. Returns undefined when there is no object to
 * check the data layout against.
 */
export async function scanSafetensorsHeader(source: ByteSource, framing: SafetensorsFraming, sink: FindingSink): Promise<SafetensorsHeader | undefined> {
  const { length } = framing;
  const entries = new DeferredFindings();
  const collector = new TensorTableCollector(entries);
  const parser = new JsonStreamParser(collector, { serde: true });
  // ignoreBOM keeps a leading BOM in the text, where the JSON reader rejects it as the Rust reader does.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let received = 0;
  let validUtf8 = true;
  for await (const chunk of headerChunks(source, length)) {
    received += chunk.length;
    if (!validUtf8) continue;
    try {
      // After a syntax error the rest is still decoded: invalid UTF-8 anywhere is what gets reported.
      const text = utf8.decode(chunk, { stream: true });
      if (parser.error === undefined) parser.write(text);
    } catch {
      validUtf8 = false;
    }
  }
  if (received < length) {
    reportOutOfBounds(sink, length, LENGTH_PREFIX_BYTES + received);
    return undefined;
  }
  try {
    if (validUtf8) parser.write(utf8.decode());
  } catch {
    validUtf8 = false;
  }
  if (!validUtf8) {
    sink.add(RULES.invalidUtf8, { message: 'header bytes are not valid UTF-8', location: 'header' });
    return undefined;
  }
  parser.end();
  if (parser.error) {
    sink.add(RULES.invalidJson, { message: `header is not valid JSON: ${parser.error.message}`, location: 'header' });
    return undefined;
  }
  if (parser.topKind !== 'object') {
    const kind = parser.topKind === 'array' ? 'array' : parser.topKind === 'null' ? 'null' : parser.topKind;
    sink.add(RULES.headerNotObject, { message: `header is a JSON ${kind}, not an object`, location: 'header' });
    return undefined;
  }
  for (const dup of parser.duplicates) {
    const where = [...dup.path, dup.key];
    sink.add(RULES.duplicateKey, {
      message: `key "${dup.key}" appears more than once${dup.path.length > 0 ? ` in "${dup.path.join('.')}"` : ''}; JSON.parse keeps the last one`,
      location: `key ${where.join('.')}`,
      details: { path: where, charOffset: dup.offset, duplicateKeysInHeader: parser.duplicateCount },
    });
  }
  checkPadding(parser, sink);
  entries.flushTo(sink);
  return { length, table: collector.table, licenseMetadata: collector.licenseMetadata };
}

/** The header must start with `{` and may only be right-padded with spaces (safetensors `README.md`). */
function checkPadding(parser: JsonStreamParser, sink: FindingSink): void {
  if (parser.valueStart > 0)
    sink.add(RULES.headerPadding, {
      message: `header starts with ${parser.valueStart} whitespace characters before "{"; content sniffers expect "{" at byte 8`,
      location: 'offset 8',
      severity: 'Medium',
    });
  if (parser.trailingNonSpace)
    sink.add(RULES.headerPadding, {
      message: 'header is padded with whitespace other than spaces (tabs or line breaks) after the JSON object',
      location: 'header end',
      details: { paddingLength: parser.trailingLength },
    });
}
