/**
 * Streaming zstd over fzstd (pure JS; Node 20's zlib has no zstd).
 *
 * fzstd allocates each frame's window from the frame header (up to 2 GiB) and copies the whole window
 * per block, so a 20-byte hostile header would cost gigabytes. A small frame walker runs ahead of it,
 * checks every frame's window against zstd's own default decoder limit ({@link MAX_ZSTD_WINDOW}), and
 * feeds fzstd in small pieces so one push cannot produce more than a few MiB.
 */
import { Decompress } from 'fzstd';
import { LimitExceededError } from '../engine-rules.js';
import { TruncatedInputError } from './byte-queue.js';

/** zstd's ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27: larger windows need `--long`/`--memory` in zstd itself. */
export const MAX_ZSTD_WINDOW = 1 << 27;
/** A push of this many bytes yields at most 512 × 128 KiB (RLE blocks are 4 bytes each). */
const PUSH_BYTES = 2048;
const ZSTD_MAGIC = 0xfd2fb528;
const isSkippableMagic = (magic: number): boolean => (magic & 0xfffffff0) === 0x184d2a50;

type Phase = 'magic' | 'frame-header' | 'block-header' | 'skip';

/**
 * Tracks frame boundaries in the compressed bytes as they pass, without buffering more than a header,
 * and rejects frames whose window exceeds the limit before fzstd sees them.
 */
class ZstdFrameWalker {
  private phase: Phase = 'magic';
  private header: number[] = [];
  private need = 4;
  private skipLeft = 0;
  private afterSkip: Phase = 'magic';
  private checksum = false;
  frames = 0;

  /** True when the bytes so far end exactly on a frame boundary. */
  get atBoundary(): boolean {
    return this.phase === 'magic' && this.header.length === 0;
  }

  observe(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'skip') {
        const step = Math.min(this.skipLeft, chunk.length - i);
        i += step;
        this.skipLeft -= step;
        if (this.skipLeft === 0) this.phase = this.afterSkip;
        continue;
      }
      this.header.push(chunk[i++]!);
      if (this.header.length === this.need) this.completeHeader();
    }
  }

  private completeHeader(): void {
    const h = this.header;
    if (this.phase === 'magic') {
      if (h.length === 4) {
        const magic = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
        // Keep the magic in `header` so frame-header offsets below count from the frame start.
        if (magic === ZSTD_MAGIC) return void ((this.phase = 'frame-header'), (this.need = 5));
        if (isSkippableMagic(magic)) return void (this.need = 8);
        throw new Error(this.frames === 0 ? 'not a zstd frame (bad magic)' : 'data after the end of the zstd frame');
      }
      // Skippable frame: u32 length after the magic.
      return this.skip((h[4]! | (h[5]! << 8) | (h[6]! << 16) | (h[7]! << 24)) >>> 0, 'magic');
    }
    if (this.phase === 'frame-header') {
      const descriptor = h[4]!;
      const singleSegment = (descriptor >> 5) & 1;
      const contentSizeFlag = descriptor >> 6;
      const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
      const contentSizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
      const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
      if (descriptor & 0x08) throw new Error('corrupt zstd frame (reserved bit set)');
      if (h.length < length) return void (this.need = length);
      this.checkWindow(singleSegment === 1, contentSizeFlag, length - contentSizeBytes);
      this.checksum = ((descriptor >> 2) & 1) === 1;
      this.frames++;
      return this.expect('block-header', 3);
    }
    // Block header: bit 0 last block, bits 1–2 type (raw, RLE, compressed, reserved), bits 3–23 size.
    const word = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    const type = (word >> 1) & 3;
    if (type === 3) throw new Error('corrupt zstd frame (reserved block type)');
    const size = type === 1 ? 1 : word >>> 3;
    const last = (word & 1) === 1;
    this.skip(size + (last && this.checksum ? 4 : 0), last ? 'magic' : 'block-header');
  }

  /** Window = content size for single-segment frames, else from the window descriptor byte. */
  private checkWindow(singleSegment: boolean, contentSizeFlag: number, contentSizeAt: number): void {
    const h = this.header;
    let window: number;
    if (singleSegment) {
      const bytes = contentSizeFlag === 0 ? 1 : 1 << contentSizeFlag;
      window = 0;
      for (let i = bytes - 1; i >= 0; i--) window = window * 256 + h[contentSizeAt + i]!;
      if (contentSizeFlag === 1) window += 256;
    } else {
      const descriptor = h[5]!;
      const base = 2 ** (10 + (descriptor >> 3));
      window = base + (base / 8) * (descriptor & 7);
    }
    if (window > MAX_ZSTD_WINDOW) throw new LimitExceededError('zstd window bytes', window, MAX_ZSTD_WINDOW);
  }

  private expect(phase: Phase, bytes: number): void {
    this.phase = phase;
    this.need = bytes;
    this.header = [];
  }

  private skip(bytes: number, then: Phase): void {
    this.header = [];
    this.need = then === 'magic' ? 4 : 3;
    this.afterSkip = then;
    if (bytes === 0) this.phase = then;
    else {
      this.phase = 'skip';
      this.skipLeft = bytes;
    }
  }
}

export async function* decompressZstd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const walker = new ZstdFrameWalker();
  let outputs: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    if (data.length > 0) outputs.push(data);
  });
  const push = (piece: Uint8Array, final: boolean): void => {
    try {
      decoder.push(piece, final);
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 5) throw new TruncatedInputError('zstd data ends unexpectedly');
      throw new Error(`corrupt zstd data (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  for await (const chunk of input) {
    for (let at = 0; at < chunk.length; at += PUSH_BYTES) {
      const piece = chunk.subarray(at, at + PUSH_BYTES);
      walker.observe(piece);
      push(piece, false);
      if (outputs.length > 0) {
        const ready = outputs;
        outputs = [];
        yield* ready;
      }
    }
  }
  if (walker.frames === 0 || !walker.atBoundary) throw new TruncatedInputError('zstd data ends unexpectedly');
  push(new Uint8Array(0), true);
  yield* outputs;
}
