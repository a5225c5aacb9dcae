/**
 * Raw deflate (zip method 8) from a {@link ByteQueue}, stopping exactly where the deflate stream ends:
 * zip members written with data descriptors (PyTorch's writer, streaming writers) do not say how long
 * their data is, and in stream mode the next local header starts right after it. node:zlib counts the
 * input it actually consumed (`bytesWritten`); what it was given beyond that goes back into the queue.
 */
import { once } from 'node:events';
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { ByteQueue, TruncatedInputError } from './byte-queue.js';

/** Input per write; deflate expands at most ~1032×, so one write yields at most ~8 MiB. */
const PIECE_BYTES = 8 * 1024;

export async function* inflateRawFrom(queue: ByteQueue): AsyncGenerator<Uint8Array> {
  const inflate = createInflateRaw();
  const outputs: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  inflate.on('data', (chunk: Buffer) => outputs.push(chunk));
  inflate.on('end', () => (ended = true));
  inflate.on('error', (error: Error) => (failure = error));
  const endSeen = once(inflate, 'end').catch(() => undefined);
  /** Pieces written whose bytes may not all have been consumed (the stream can end inside them). */
  let written: Uint8Array[] = [];
  let given = 0;
  try {
    while (!ended && failure === undefined) {
      const piece = await queue.takeUpTo(PIECE_BYTES);
      if (piece.length === 0) {
        inflate.end();
        await endSeen;
        break;
      }
      written.push(piece);
      given += piece.length;
      await processed(inflate, piece);
      if (inflate.bytesWritten < given) await endSeen; // the stream ended inside this piece
      else written = [];
      if (outputs.length > 0) yield* outputs.splice(0);
    }
    if (failure !== undefined) throw new Error(`corrupt deflate data (${failure.message})`);
    if (!ended) throw new TruncatedInputError('deflate data ends unexpectedly');
    if (outputs.length > 0) yield* outputs.splice(0);
    giveBack(queue, written, given - inflate.bytesWritten);
  } finally {
    inflate.destroy();
  }
}

/** Resolves when zlib has processed `piece` — or has failed, in which case the write callback may never come. */
function processed(inflate: InflateRaw, piece: Uint8Array): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      inflate.off('error', done);
      inflate.off('close', done);
      resolve();
    };
    inflate.once('error', done);
    inflate.once('close', done);
    inflate.write(piece, done);
  });
}

/** Returns the last `count` bytes of `pieces` to the front of the queue. */
function giveBack(queue: ByteQueue, pieces: Uint8Array[], count: number): void {
  let left = count;
  const back: Uint8Array[] = [];
  for (let i = pieces.length - 1; i >= 0 && left > 0; i--) {
    const piece = pieces[i]!;
    const part = piece.subarray(Math.max(0, piece.length - left));
    back.unshift(part);
    left -= part.length;
  }
  for (let i = back.length - 1; i >= 0; i--) queue.unread(back[i]!);
}
