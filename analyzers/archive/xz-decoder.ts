/**
 * Streaming xz over xz-decompress's WebAssembly build of xz-embedded.
 *
 * The package's public `XzReadableStream` serialises every stream behind one global mutex, so an xz
 * member inside an xz layer (or two scans at once, one waiting on the other) deadlocks. We load its wasm
 * instance once and give each stream its own decoder context in that instance, driving the four
 * exported functions directly; each call is synchronous, so contexts never interleave mid-call.
 */
import xz from 'xz-decompress';
import { TruncatedInputError } from './byte-queue.js';

interface XzWasmExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ctx: number): void;
  supply_input(ctx: number, length: number): void;
  get_next_output(ctx: number): number;
}

interface XzInternals {
  _getModuleInstance(): Promise<void>;
  _moduleInstance: { readonly exports: unknown } | undefined;
}

const XZ_OK = 0;
const XZ_STREAM_END = 1;
/** xz-embedded `enum xz_ret` names for the error codes. */
const XZ_ERRORS: Readonly<Record<number, string>> = {
  2: 'unsupported integrity check',
  3: 'out of memory',
  4: 'dictionary larger than the decoder allows',
  5: 'not an xz stream',
  6: 'unsupported xz options',
  7: 'corrupt xz data',
  8: 'xz data ends unexpectedly',
};

let exportsPromise: Promise<XzWasmExports> | undefined;

async function wasm(): Promise<XzWasmExports> {
  exportsPromise ??= (async () => {
    const internals = xz.XzReadableStream as unknown as XzInternals;
    if (!internals._moduleInstance) await internals._getModuleInstance();
    const instance = internals._moduleInstance;
    if (!instance) throw new Error('xz-decompress did not provide its WebAssembly instance');
    return instance.exports as unknown as XzWasmExports;
  })();
  return exportsPromise;
}

/**
 * One xz-embedded context. Its header, read through `mem32` relative to the context pointer (layout of
 * xz-decompress's `XzContext`): [0] buffer size, [1] input buffer address, [2] input position,
 * [3] input size, [4] output buffer address, [5] output position.
 */
class XzContext {
  private readonly ptr: number;
  readonly bufferSize: number;
  constructor(private readonly exports: XzWasmExports) {
    this.ptr = exports.create_context();
    this.bufferSize = this.header()[0]!;
  }
  private header(): Uint32Array {
    return new Uint32Array(this.exports.memory.buffer, this.ptr, 6);
  }
  get needsInput(): boolean {
    const h = this.header();
    return h[2] === h[3];
  }
  supply(bytes: Uint8Array): void {
    const inputAt = this.header()[1]!;
    new Uint8Array(this.exports.memory.buffer, inputAt, bytes.length).set(bytes);
    this.exports.supply_input(this.ptr, bytes.length);
  }
  /** Decodes into the output buffer; returns the bytes produced and whether the stream ended. */
  next(): { output: Uint8Array; ended: boolean } {
    const status = this.exports.get_next_output(this.ptr);
    if (status !== XZ_OK && status !== XZ_STREAM_END) {
      const why = XZ_ERRORS[status] ?? `xz decoder error ${status}`;
      throw status === 8 ? new TruncatedInputError(why) : new Error(why);
    }
    const h = this.header();
    const output = new Uint8Array(this.exports.memory.buffer, h[4]!, h[5]!).slice();
    h[5] = 0;
    return { output, ended: status === XZ_STREAM_END };
  }
  /** Input supplied but not used when the stream ended: the start of whatever follows. */
  unconsumedInput(): Uint8Array {
    const h = this.header();
    return new Uint8Array(this.exports.memory.buffer, h[1]! + h[2]!, h[3]! - h[2]!).slice();
  }
  dispose(): void {
    this.exports.destroy_context(this.ptr);
  }
}

export async function* decompressXz(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const exports = await wasm();
  const chunks = input[Symbol.asyncIterator]();
  const nextChunk = async (): Promise<Uint8Array | undefined> => {
    for (;;) {
      const next = await chunks.next();
      if (next.done) return undefined;
      if (next.value.length > 0) return next.value;
    }
  };
  let context: XzContext | undefined = new XzContext(exports);
  let pending: Uint8Array = new Uint8Array(0);
  let inputDone = false;
  let idleCalls = 0;
  try {
    for (;;) {
      if (context.needsInput) {
        if (pending.length === 0 && !inputDone) pending = (await nextChunk()) ?? ((inputDone = true), pending);
        const part = pending.subarray(0, context.bufferSize);
        pending = pending.subarray(part.length);
        // After the input ends the decoder still gets calls (with nothing new) to finish the stream.
        context.supply(part);
      }
      const { output, ended } = context.next();
      if (output.length > 0) yield output;
      if (!ended) {
        idleCalls = inputDone && output.length === 0 ? idleCalls + 1 : 0;
        if (idleCalls > 2) throw new TruncatedInputError('xz data ends unexpectedly');
        continue;
      }
      // Concatenated streams are valid xz (with zero "stream padding" between them): keep going.
      pending = concat(context.unconsumedInput(), pending);
      context.dispose();
      context = undefined;
      for (;;) {
        pending = pending.subarray(leadingZeros(pending));
        if (pending.length > 0) break;
        const chunk = await nextChunk();
        if (chunk === undefined) return;
        pending = chunk;
      }
      context = new XzContext(exports);
    }
  } finally {
    context?.dispose();
  }
}

function leadingZeros(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
