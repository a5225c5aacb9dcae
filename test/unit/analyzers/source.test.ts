import { describe, expect, it } from 'vitest';
import { BufferSource, ForwardSource, ReplaySource, SeekError, SliceSource } from '../../../analyzers/source.js';

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

const data = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);

describe('ForwardSource', () => {
  it('should serve forward reads that span chunks', async () => {
    const source = new ForwardSource(chunks(data, 7), data.length, 16);
    expect(await source.read(0, 20)).toEqual(data.slice(0, 20));
    expect(await source.read(100, 50)).toEqual(data.slice(100, 150));
    expect(await source.read(9_990, 50)).toEqual(data.slice(9_990));
  });

  it('should re-read within the look-behind window and refuse older offsets', async () => {
    const source = new ForwardSource(chunks(data, 64), data.length, 128);
    await source.read(0, 100);
    expect(await source.read(10, 10)).toEqual(data.slice(10, 20));
    await source.read(5_000, 10);
    await expect(source.read(10, 10)).rejects.toBeInstanceOf(SeekError);
  });

  it('should not keep skipped bytes when reading far ahead', async () => {
    let produced = 0;
    async function* endless(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 4096; i++) {
        produced += 1 << 16;
        yield new Uint8Array(1 << 16);
      }
    }
    const source = new ForwardSource(endless(), undefined, 1024);
    await source.read((1 << 28) - 10, 10);
    expect(produced).toBe(1 << 28);
    // Only the look-behind window and the last chunk may remain buffered.
    expect((source as unknown as { buffered: Uint8Array }).buffered.length).toBeLessThanOrEqual((1 << 16) + 1024);
  });

  it('should stream the rest after a read', async () => {
    const source = new ForwardSource(chunks(data, 333), data.length);
    await source.read(0, 10);
    const parts: Uint8Array[] = [];
    for await (const part of source.stream(10)) parts.push(part);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(data.slice(10)));
  });
});

describe('ForwardSource streams from ahead', () => {
  it('should stream from an offset past what was read, keeping the rest of the chunk that reached it', async () => {
    const source = new ForwardSource(chunks(data, 1000), data.length);
    expect(await source.read(0, 10)).toEqual(data.slice(0, 10));
    const streamed: Uint8Array[] = [];
    for await (const chunk of source.stream(4096)) streamed.push(chunk);
    expect(Buffer.concat(streamed)).toEqual(Buffer.from(data.slice(4096)));
  });
});

describe('ReplaySource', () => {
  it('should let each reader start over and pull from the stream only as far as the furthest read', async () => {
    let pulled = 0;
    async function* counting(): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks(data, 1000)) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const source = new ReplaySource(new ForwardSource(counting(), data.length), data.length);
    expect(await source.read(0, 100)).toEqual(data.slice(0, 100));
    expect(pulled).toBeLessThanOrEqual(1000);
    const all: Uint8Array[] = [];
    for await (const chunk of source.stream(0)) all.push(chunk);
    expect(Buffer.concat(all)).toEqual(Buffer.from(data));
    expect(await source.read(5000, 10)).toEqual(data.slice(5000, 5010));
  });
});

describe('SliceSource', () => {
  it('should clamp reads to the slice', async () => {
    const slice = new SliceSource(new BufferSource(data), 100, 50);
    expect(await slice.read(40, 100)).toEqual(data.slice(140, 150));
    const parts: Uint8Array[] = [];
    for await (const part of slice.stream()) parts.push(part);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(data.slice(100, 150)));
  });
});
