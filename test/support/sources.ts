/**
 * Test ByteSources: a counting wrapper that records every request (to prove header-only reading and
 * bounded requests), and a virtual file that claims any size without holding it.
 */
import type { ByteSource } from '../../analyzers/source.js';

/** Records how many bytes were asked for and delivered, and the largest single request. */
export class CountingSource implements ByteSource {
  reads = 0;
  bytesRead = 0;
  largestRequest = 0;

  constructor(private readonly inner: ByteSource) {}

  get size(): number | undefined {
    return this.inner.size;
  }
  get seekable(): boolean {
    return this.inner.seekable;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads += 1;
    this.largestRequest = Math.max(this.largestRequest, length);
    const bytes = await this.inner.read(offset, length);
    this.bytesRead += bytes.length;
    return bytes;
  }
  async *stream(offset?: number, end?: number): AsyncIterable<Uint8Array> {
    this.reads += 1;
    for await (const chunk of this.inner.stream(offset, end)) {
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }
  /** Passed on: the CLI closes each file once analysed. */
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * A file of `size` bytes whose first bytes are `prefix` and the rest zeros, materialised only for the
 * ranges read. Refuses reads above 64 MiB so a parser that trusts a claimed size fails loudly instead of
 * exhausting the test machine.
 */
export class VirtualFileSource implements ByteSource {
  readonly seekable = true;
  static readonly MAX_READ = 64 * 1024 * 1024;

  constructor(
    private readonly prefix: Uint8Array,
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    const want = Math.max(0, Math.min(length, this.size - offset));
    if (want > VirtualFileSource.MAX_READ) throw new Error(`test source refuses a ${want}-byte read`);
    const out = new Uint8Array(want);
    if (offset < this.prefix.length) out.set(this.prefix.subarray(offset, Math.min(this.prefix.length, offset + want)));
    return out;
  }

  async *stream(): AsyncIterable<Uint8Array> {
    throw new Error('test source does not stream');
  }
}
