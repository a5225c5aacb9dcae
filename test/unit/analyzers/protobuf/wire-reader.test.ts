import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { WireFormatError, WireReader, type MessageRange, type WireField } from '../../../../analyzers/protobuf/wire-reader.js';
import { BufferSource, ForwardSource, type ByteSource } from '../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { bytes, concat, fixed32, fixed64, lyingLength, message, rawTag, varint, varintBytes } from './proto-writer.js';

async function collect(reader: WireReader, range: MessageRange): Promise<WireField[]> {
  const out: WireField[] = [];
  for await (const f of reader.fields(range)) out.push(f);
  return out;
}

async function* chunked(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.slice(at, at + size);
}

const summary = (fields: WireField[]) => fields.map((f) => [f.number, f.wireType, f.wireType === 2 ? f.end - f.start : f.value]);

describe('WireReader', () => {
  it('should decode every wire type when the message is well formed', async () => {
    const data = concat(varint(1, 300), fixed64(2, 2n ** 40n + 7n), bytes(3, 'hello'), fixed32(4, 0xdeadbeef), varint(5, -2));
    const reader = new WireReader(new BufferSource(data));
    const fields = await collect(reader, reader.root());
    expect(summary(fields)).toEqual([
      [1, 0, 300],
      [2, 1, 2 ** 40 + 7],
      [3, 2, 5],
      [4, 5, 0xdeadbeef],
      [5, 0, 2 ** 64],
    ]);
    expect(fields[4]!.signed).toBe(-2);
    expect(await reader.text(fields[2]!, 100)).toBe('hello');
  });

  it('should walk nested messages by range and skip what the caller does not read', async () => {
    const data = concat(message(1, varint(1, 7), bytes(2, 'x'.repeat(1000))), varint(2, 9));
    const reader = new WireReader(new BufferSource(data));
    const seen: number[] = [];
    for await (const f of reader.fields(reader.root())) {
      seen.push(f.number);
      if (f.number === 1) for await (const inner of reader.fields(reader.nested(f))) if (inner.number === 1) break;
    }
    expect(seen).toEqual([1, 2]);
  });

  it('should never fetch a skipped payload when a large field is not read', async () => {
    const big = 50 * 1024 * 1024;
    const prefix = concat(varint(1, 1), lyingLength(9, big, new Uint8Array(0)));
    const data = new VirtualFileSource(prefix, prefix.length + big);
    const source = new CountingSource(data);
    const reader = new WireReader(source);
    const fields = await collect(reader, reader.root());
    expect(fields.map((f) => f.number)).toEqual([1, 9]);
    expect(source.bytesRead).toBeLessThan(256 * 1024);
  });

  it('should walk a forward-only source when reads only go forward', async () => {
    const data = concat(message(1, message(1, varint(1, 3)), bytes(2, 'y'.repeat(70_000))), varint(3, 4));
    const reader = new WireReader(new ForwardSource(chunked(data, 777), data.length));
    const numbers: number[] = [];
    for await (const f of reader.fields(reader.root())) {
      numbers.push(f.number);
      if (f.number === 1) for await (const inner of reader.fields(reader.nested(f))) numbers.push(inner.number * 10);
    }
    expect(numbers).toEqual([1, 10, 20, 3]);
  });

  it('should detect a payload running past the data when the stream size is unknown', async () => {
    const data = concat(varint(1, 1), lyingLength(2, 500, new Uint8Array(10)));
    const reader = new WireReader(new ForwardSource(chunked(data, 4)));
    await expect(collect(reader, reader.root())).rejects.toBeInstanceOf(WireFormatError);
  });

  const broken: Array<[string, Uint8Array]> = [
    ['a length past the end of the file', lyingLength(1, 100, new Uint8Array(3))],
    ['a tag cut short', new Uint8Array([0x80])],
    ['a varint value cut short', concat(rawTag(1, 0), new Uint8Array([0xff, 0xff]))],
    ['a varint longer than 10 bytes', concat(rawTag(1, 0), new Uint8Array(11).fill(0xff))],
    ['field number 0', new Uint8Array([0x00, 0x01])],
    ['the group wire type', concat(rawTag(1, 3), rawTag(1, 4))],
    ['wire type 6', concat(rawTag(1, 6), new Uint8Array(4))],
    ['wire type 7', concat(rawTag(1, 7), new Uint8Array(4))],
    ['a fixed64 cut short', concat(rawTag(1, 1), new Uint8Array(3))],
    ['a length beyond 2^53', concat(rawTag(1, 2), varintBytes(2n ** 60n))],
  ];
  it.each(broken)('should throw WireFormatError when the data has %s', async (_, data) => {
    const reader = new WireReader(new BufferSource(data));
    await expect(collect(reader, reader.root())).rejects.toBeInstanceOf(WireFormatError);
  });

  it('should reject a nested field that overruns its parent message', async () => {
    const inner = lyingLength(1, 50, new Uint8Array(5));
    const data = concat(message(1, inner), new Uint8Array(100));
    const reader = new WireReader(new BufferSource(data));
    const walk = async () => {
      for await (const f of reader.fields(reader.root())) for await (const inner of reader.fields(reader.nested(f))) void inner;
    };
    await expect(walk()).rejects.toThrow(/past the end of its message/);
  });

  it('should stop at the depth limit when messages nest deeper than allowed', async () => {
    let data = varint(1, 1);
    for (let i = 0; i < 20; i++) data = message(1, data);
    const reader = new WireReader(new BufferSource(data), { maxDepth: 10, maxFields: 1000 });
    const descend = async (range: MessageRange): Promise<void> => {
      for await (const f of reader.fields(range)) if (f.wireType === 2) await descend(reader.nested(f));
    };
    await expect(descend(reader.root())).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('should stop at the field limit when a message has more fields than allowed', async () => {
    const data = concat(...Array.from({ length: 50 }, (_, i) => varint(1, i)));
    const reader = new WireReader(new BufferSource(data), { maxDepth: 10, maxFields: 20 });
    await expect(collect(reader, reader.root())).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('should hand a payload to scan window by window when it is larger than one window', async () => {
    const payload = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i & 0xff);
    const data = bytes(1, payload);
    const source: ByteSource = new CountingSource(new BufferSource(data));
    const reader = new WireReader(source);
    const [field] = await collect(reader, reader.root());
    let total = 0;
    let largest = 0;
    await reader.scan(field!, (chunk) => {
      total += chunk.length;
      largest = Math.max(largest, chunk.length);
    });
    expect(total).toBe(payload.length);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
    expect((source as CountingSource).largestRequest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('should cut text at the given length when a string is longer', async () => {
    const reader = new WireReader(new BufferSource(bytes(1, 'abcdefgh')));
    const [field] = await collect(reader, reader.root());
    expect(await reader.text(field!, 3)).toBe('abc');
  });
});
