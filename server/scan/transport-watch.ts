/**
 * Transport is not content (ARCHITECTURE.md): analyzers turn whatever a read throws into a finding, so
 * a registry failure met by an analyzer (a 503 storm, a reset, a digest mismatch while a raw layer is
 * read) would become `engine.analysis-failed` and hide what the file really holds. The watch sits
 * between the registry's sources and the engine: the first transport failure a file's source throws is
 * kept, the scan's signal is aborted with it (the engine rethrows an abort reason instead of making a
 * finding), and {@link TransportWatch.check} fails the scan with it, naming the file.
 */
import type { ByteSource } from '../../analyzers/source.js';
import { FileReadError } from '../errors/artifact-errors.js';
import * as registryErrors from '../errors/registry-errors.js';
import { TransientError } from '../registry/retry.js';

/** Every error class of the registry client (server/errors/registry-errors.ts), so a new one is covered too. */
const REGISTRY_ERROR_CLASSES = Object.values(registryErrors).filter(
  (value): value is typeof registryErrors.RegistryProtocolError => typeof value === 'function' && value.prototype instanceof Error,
);

/**
 * True when `error`, or an error it wraps (decompressors wrap what they read from), is a registry
 * failure: network, HTTP status, TLS, authentication, a blob's size or digest, or a stream's diff ID
 * (the bytes served are not the bytes the manifest names).
 */
export function isTransportFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    if (current instanceof TransientError || current instanceof FileReadError) return true;
    if (REGISTRY_ERROR_CLASSES.some((type) => current instanceof type)) return true;
  }
  return false;
}

export class TransportWatch {
  readonly #controller = new AbortController();
  #failure: FileReadError | undefined;

  /**
   * `deadline`: the scan's signal. Every read and streamed chunk checks it first, so an analyzer working
   * on cached or streamed bytes stops at the scan's time limit at its next read: the step check analyzers
   * get through the reader seam, with no timer of their own.
   */
  constructor(private readonly deadline?: AbortSignal) {}

  /** Aborted with the {@link FileReadError} once a transport failure is seen; combine with the scan's deadline. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** `source` of the file at `path`, reporting its transport failures to this watch. */
  watch(path: string, source: ByteSource): ByteSource {
    return new WatchedSource(source, (error) => this.#record(path, error), this.deadline);
  }

  /** Throws the first transport failure seen, if any (after each file: analyzers may have swallowed it). */
  check(): void {
    if (this.#failure) throw this.#failure;
  }

  /** A failure of the layer walk itself (tar headers, decompression): the scan's failure if it is transport. */
  record(path: string, error: unknown): void {
    this.#record(path, error);
  }

  #record(path: string, error: unknown): void {
    if (this.#failure || !isTransportFailure(error)) return;
    this.#failure = error instanceof FileReadError ? error : new FileReadError(path, error as Error);
    this.#controller.abort(this.#failure);
  }
}

/** Passes reads through; a thrown transport failure is reported before it propagates. */
class WatchedSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    private readonly report: (error: unknown) => void,
    private readonly deadline: AbortSignal | undefined,
  ) {}

  get size(): number | undefined {
    return this.inner.size;
  }
  get seekable(): boolean {
    return this.inner.seekable;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.deadline?.throwIfAborted();
    try {
      return await this.inner.read(offset, length);
    } catch (error) {
      this.report(error);
      throw error;
    }
  }

  async *stream(offset?: number, end?: number): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of this.inner.stream(offset, end)) {
        this.deadline?.throwIfAborted();
        yield chunk;
      }
    } catch (error) {
      this.report(error);
      throw error;
    }
  }
}
