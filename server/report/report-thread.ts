/**
 * Report rendering on a thread of its own. A finished result of 100,000 files is ~20 MB of JSON: decoding
 * and rendering it takes hundreds of milliseconds, during which the thread answering Harbor would answer
 * nothing (Harbor gives up on a call after 5 s; the hostile-load benchmark measures polls at ≤ 50 ms).
 * One thread, started on the first render and left idle (unref'd) between; a thread that dies fails the
 * renders it held, and the next render starts a fresh one.
 */
import type { Worker } from 'node:worker_threads';
import type { PackedReportRenderer, ReportQuery } from '../http/report-renderer.js';
import type { PackedResult, ScanJob } from '../jobs/model.js';
import { siblingEntry, startWorker } from '../threads/worker-entry.js';

export interface ReportThreadData {
  readonly docsUrl: string;
}

export interface RenderRequest {
  readonly id: number;
  readonly mimeType: string;
  readonly job: ScanJob & { readonly result: PackedResult };
  readonly query: ReportQuery;
}

export type RenderReply = { readonly id: number; readonly body: Uint8Array } | { readonly id: number; readonly error: string };

interface Pending {
  resolve(body: Uint8Array): void;
  reject(error: Error): void;
}

export class ReportThread implements PackedReportRenderer {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(
    readonly produces: readonly string[],
    private readonly data: ReportThreadData,
  ) {}

  render(mimeType: string, job: ScanJob & { readonly result: PackedResult }, query: ReportQuery): Promise<Uint8Array> {
    const worker = this.#started();
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, mimeType, job, query } satisfies RenderRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll('the scanner is shutting down');
    await worker?.terminate();
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(siblingEntry(import.meta.url, 'report-worker'), { workerData: this.data, name: 'report-render' });
    worker.unref();
    worker.on('message', (reply: RenderReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if ('body' in reply) pending.resolve(reply.body);
      else pending.reject(new Error(`rendering the report failed: ${reply.error}`));
    });
    const gone = (what: string) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(`the report thread ${what}`);
    };
    worker.on('error', (error) => gone(`crashed: ${error.message}`));
    worker.on('exit', (code) => gone(`exited with code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #failAll(why: string): void {
    for (const pending of this.#pending.values()) pending.reject(new Error(`internal error: ${why}`));
    this.#pending.clear();
  }
}
