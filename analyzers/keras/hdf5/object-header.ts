/**
 * Object header messages (format spec §IV.A): version 1 headers (what h5py writes by default) and
 * version 2 `OHDR` headers (`libver="latest"`), following continuation blocks. Only message type, flags
 * and bytes are returned; the caller decodes the ones it needs. Bounded in blocks, messages and bytes.
 */
import { H5Cursor, H5File, H5FormatError, H5UnsupportedError, type H5Geometry } from './file.js';

export const MESSAGE = { attribute: 0x000c, continuation: 0x0010, attributeInfo: 0x0015 } as const;
/** Message flag: the message is stored in the shared-message heap (only a reference is here). */
export const FLAG_SHARED = 0x02;

export interface H5Message {
  readonly type: number;
  readonly flags: number;
  readonly data: H5Cursor;
}

const MAX_BLOCKS = 256;
const MAX_MESSAGES = 10_000;
/** Root headers hold a handful of attributes of at most 64 KiB each. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const V1_PREFIX_BYTES = 16;
const V2_SIGNATURE = 'OHDR';
const V2_CONTINUATION_SIGNATURE = 'OCHK';
const CHECKSUM_BYTES = 4;

interface Block {
  readonly at: number;
  readonly length: number;
}

export async function readObjectHeader(file: H5File, at: number, geometry: H5Geometry): Promise<H5Message[]> {
  const head = await file.read(at, Math.min(V1_PREFIX_BYTES, file.size === undefined ? V1_PREFIX_BYTES : file.size - at), 'object header');
  const isV2 = ascii(head.bytes.subarray(0, 4)) === V2_SIGNATURE;
  if (!isV2 && head.bytes[0] !== 1)
    throw new H5UnsupportedError(`object header at offset ${at} has version ${head.bytes[0]} (1 and 2 are read)`);
  const messages: H5Message[] = [];
  let budget = MAX_HEADER_BYTES;
  const pending: Block[] = [];
  const enqueue = (block: Block) => {
    if (pending.length + 1 > MAX_BLOCKS) throw new H5UnsupportedError(`object header at offset ${at} has more than ${MAX_BLOCKS} continuation blocks`);
    pending.push(block);
  };
  let first = isV2 ? await readV2Prefix(file, at) : readV1Prefix(head, at);
  const v1Count = isV2 ? undefined : head.bytes[2]! | (head.bytes[3]! << 8);
  for (let blocks = 0; ; blocks++) {
    if (first.length > budget) throw new H5UnsupportedError(`object header at offset ${at} is larger than ${MAX_HEADER_BYTES} bytes`);
    budget -= first.length;
    const c = await file.read(first.at, first.length, 'object header block');
    if (isV2 && blocks > 0 && ascii(c.take(4)) !== V2_CONTINUATION_SIGNATURE)
      throw new H5FormatError(`continuation block at offset ${first.at} lacks its OCHK signature`, first.at);
    const end = isV2 ? first.length - CHECKSUM_BYTES : first.length;
    while (c.pos < end && (v1Count === undefined || messages.length < v1Count)) {
      const message = isV2 ? readV2Message(c, end, head.bytes[5]!) : readV1Message(c);
      if (!message) break;
      if (messages.length >= MAX_MESSAGES) throw new H5UnsupportedError(`object header at offset ${at} has more than ${MAX_MESSAGES} messages`);
      messages.push(message);
      if (message.type === MESSAGE.continuation) enqueue(continuation(message, geometry));
    }
    const next = pending.shift();
    if (!next) return messages;
    first = next;
  }
}

/** Version 1: version, reserved, message count, reference count, header size, padding to 16. */
function readV1Prefix(head: H5Cursor, at: number): Block {
  head.skip(8);
  const size = head.u32();
  return { at: at + V1_PREFIX_BYTES, length: size };
}

/** Version 2: `OHDR`, version, flags, optional times and attribute thresholds, chunk 0 size. */
async function readV2Prefix(file: H5File, at: number): Promise<Block> {
  const c = await file.read(at, Math.min(4 + 2 + 16 + 4 + 8, file.size === undefined ? 34 : file.size - at), 'object header');
  c.skip(4);
  const version = c.u8();
  if (version !== 2) throw new H5UnsupportedError(`OHDR object header at offset ${at} has version ${version}`);
  const flags = c.u8();
  if (flags & 0x20) c.skip(16); // access, modification, change and birth times
  if (flags & 0x10) c.skip(4); // maximum compact / minimum dense attribute counts
  const width = 1 << (flags & 0x03);
  const size = c.sized(width);
  if (size === undefined) throw new H5FormatError(`object header at offset ${at} has an invalid chunk size`, at);
  // Chunk 0 starts right after the size field and is followed by its checksum.
  return { at: at + c.pos, length: size + CHECKSUM_BYTES };
}

/** Version 1 message: type u16, size u16, flags u8, 3 reserved bytes, data aligned to 8. */
function readV1Message(c: H5Cursor): H5Message | undefined {
  if (c.remaining < 8) return undefined;
  const type = c.u16();
  const size = c.u16();
  const flags = c.u8();
  c.skip(3);
  const data = c.take(size);
  return { type, flags, data: subCursor(c, data) };
}

/** Version 2 message: type u8, size u16, flags u8, creation order u16 when tracked, data. */
function readV2Message(c: H5Cursor, end: number, headerFlags: number): H5Message | undefined {
  const prefix = headerFlags & 0x04 ? 6 : 4;
  if (end - c.pos < prefix) return undefined; // the gap before the checksum
  const type = c.u8();
  const size = c.u16();
  const flags = c.u8();
  if (headerFlags & 0x04) c.skip(2);
  if (c.pos + size > end) throw new H5FormatError(`object header message at offset ${c.origin + c.pos} runs past its block`, c.origin + c.pos);
  return { type, flags, data: subCursor(c, c.take(size)) };
}

function continuation(message: H5Message, geometry: H5Geometry): Block {
  const offset = message.data.sized(geometry.offsetSize);
  const length = message.data.sized(geometry.lengthSize);
  if (offset === undefined || length === undefined)
    throw new H5FormatError(`continuation message at offset ${message.data.origin} has no address`, message.data.origin);
  return { at: geometry.base + offset, length };
}

function subCursor(parent: H5Cursor, data: Uint8Array): H5Cursor {
  return new H5Cursor(data, parent.origin + (data.byteOffset - parent.bytes.byteOffset));
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
