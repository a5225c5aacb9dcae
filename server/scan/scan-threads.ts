/**
 * Analysis threads: the HTTP thread never analyses (ARCHITECTURE.md), so Harbor's polls are answered at
 * once whatever is being scanned — a zstd bomb or a 100 MB safetensors header blocks an analysis thread,
 * not the API. A pool of `size` worker threads (SCANNER_JOB_WORKERS), started on demand, each running one
 * scan at a time (./scan-worker.ts); queues, store, sharing, metrics and logs stay on this thread.
 *
 * An aborted scan (its deadline) is told to stop; a thread that does not answer within `abortGraceMs`
 * is stuck in its input and is terminated, and the scan fails with the abort's reason. A thread that
 * crashes (an uncaught error, out of memory) fails its own scan only. Either way a fresh thread takes
 * the next scan.
 */
import type { Worker } from 'node:worker_threads';
import { ScannerError } from '../errors/scanner-error.js';
import type { FinishedScan } from '../jobs/packed-result.js';
import type { Logger } from '../observability/logger.js';
import type { ArtifactScanner, ScanRequest, ScanSession } from './artifact-scanner.js';
import { siblingEntry, startWorker } from '../threads/worker-entry.js';
import type { ScanRuntimeConfig } from './scan-runtime.js';
import { rebuildError, relayError, type FromScanThread, type ScanThreadData, type ToScanThread } from './scan-thread-protocol.js';

/** An analysis thread crashed or exited in the middle of a scan. */
export class ScanThreadCrashError extends ScannerError {
  readonly code = 'E_INTERNAL';
}

export interface ScanThreadsOptions {
  readonly config: ScanRuntimeConfig;
  /** Threads at most, each running one scan (SCANNER_JOB_WORKERS). */
  readonly size: number;
  readonly logger: Logger;
  /** How long an aborted scan's thread may take to stop before it is terminated; default 5 s. */
  readonly abortGraceMs?: number;
  /** Module run by each thread; default ./scan-worker (tests give one speaking the same protocol). */
  readonly entry?: URL;
}

const DEFAULT_ABORT_GRACE_MS = 5_000;

interface Task {
  readonly id: number;
  readonly request: ScanRequest;
  fetched: number;
  opened(packaging: string): void;
  succeed(outcome: FinishedScan): void;
  fail(error: unknown): void;
}

export class ScanThreads implements ArtifactScanner {
  private readonly idle: ScanThread[] = [];
  private readonly threads = new Set<ScanThread>();
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ScanThreadsOptions) {}

  start(request: ScanRequest): ScanSession {
    const opened = deferred<{ packaging: string }>();
    const result = deferred<FinishedScan>();
    // The caller awaits `opened` first: when it rejects, `result` is never awaited.
    result.promise.catch(() => undefined);
    let settled = false;
    const task: Task = {
      id: this.nextId++,
      request,
      fetched: 0,
      opened: (packaging) => opened.resolve({ packaging }),
      succeed: (value) => {
        settled = true;
        opened.resolve({ packaging: value.summary.packaging });
        result.resolve(value);
      },
      fail: (error) => {
        if (settled) return;
        settled = true;
        opened.reject(error);
        result.reject(error);
      },
    };
    if (request.signal.aborted) task.fail(request.signal.reason);
    else this.dispatch(task);
    return { opened: opened.promise, result: result.promise, bytesFetched: () => task.fetched };
  }

  /**
   * Terminates every thread. Scans still running are left unsettled: their jobs stay `running` in the
   * store, and the next process (or another replica) resumes them, as when the process dies.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    this.idle.length = 0;
    await Promise.all([...this.threads].map((thread) => thread.terminate()));
  }

  private dispatch(task: Task): void {
    if (this.closed) return;
    const thread = this.idle.pop() ?? (this.threads.size < this.options.size ? this.spawn() : undefined);
    if (thread) return thread.run(task);
    this.waiting.push(task);
    // A scan whose deadline passes while it waits for a thread (one being replaced) fails then, not later.
    const { signal } = task.request;
    signal.addEventListener(
      'abort',
      () => {
        const at = this.waiting.indexOf(task);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        task.fail(signal.reason);
      },
      { once: true },
    );
  }

  private spawn(): ScanThread {
    const thread = new ScanThread(this.options, {
      released: () => {
        const next = this.waiting.shift();
        if (next) thread.run(next);
        else this.idle.push(thread);
      },
      gone: () => {
        this.threads.delete(thread);
        const at = this.idle.indexOf(thread);
        if (at >= 0) this.idle.splice(at, 1);
        const next = this.waiting.shift();
        if (next) this.dispatch(next);
      },
    });
    this.threads.add(thread);
    return thread;
  }
}

/** One worker thread and the scan it runs. */
class ScanThread {
  private readonly worker: Worker;
  private task: Task | undefined;
  private abortTimer: NodeJS.Timeout | undefined;
  private stopAbortWatch: (() => void) | undefined;
  private dead = false;

  constructor(
    private readonly options: ScanThreadsOptions,
    private readonly pool: { released(): void; gone(): void },
  ) {
    const data: ScanThreadData = { config: options.config, logLevel: options.logger.level };
    this.worker = startWorker(options.entry ?? siblingEntry(import.meta.url, 'scan-worker'), { workerData: data, name: 'scan-analysis' });
    this.worker.unref();
    this.worker.on('message', (message: FromScanThread) => this.received(message));
    this.worker.on('messageerror', (error) => this.finish((task) => task.fail(new ScanThreadCrashError(`internal error: a message from the analysis thread could not be read: ${error.message}`))));
    this.worker.on('error', (error) => this.died(`crashed: ${error.message}`));
    this.worker.on('exit', (code) => this.died(`exited with code ${code}`));
  }

  run(task: Task): void {
    this.task = task;
    this.worker.ref();
    const { signal } = task.request;
    const onAbort = () => this.aborted(task, signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    this.stopAbortWatch = () => signal.removeEventListener('abort', onAbort);
    this.post({ type: 'scan', id: task.id, target: task.request.target, ...(task.request.authorization ? { authorization: task.request.authorization } : {}) });
  }

  terminate(): Promise<number> {
    this.dead = true;
    clearTimeout(this.abortTimer);
    this.stopAbortWatch?.();
    this.task = undefined;
    return this.worker.terminate();
  }

  private aborted(task: Task, reason: unknown): void {
    this.post({ type: 'abort', id: task.id, reason: relayError(reason) });
    this.abortTimer = setTimeout(() => {
      if (this.task !== task) return;
      this.options.logger.warn(
        { grace_ms: this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS },
        'analysis thread did not stop after its scan was aborted: terminated, a fresh thread takes the next scan',
      );
      task.fail(reason);
      void this.terminate();
      this.pool.gone();
    }, this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
  }

  private received(message: FromScanThread): void {
    const task = this.task;
    if (message.type === 'log') {
      const log = task && message.id === task.id ? task.request.log : this.options.logger;
      log[message.level](message.fields, message.message);
      return;
    }
    if (!task || message.id !== task.id) return;
    switch (message.type) {
      case 'opened':
        task.opened(message.packaging);
        return;
      case 'progress':
        task.fetched = message.bytesFetched;
        task.request.onProgress?.({ files: message.files, bytes: message.bytes });
        return;
      case 'done':
        task.fetched = message.outcome.summary.bytesFetched;
        task.request.onProgress?.({ files: message.outcome.summary.filesScanned, bytes: message.outcome.summary.bytesScanned });
        this.finish((t) => t.succeed(message.outcome));
        return;
      case 'failed':
        this.finish((t) => t.fail(rebuildError(message.error)));
        return;
    }
  }

  /** The task is over and the thread is free for the next one. */
  private finish(settle: (task: Task) => void): void {
    const task = this.task;
    if (!task) return;
    clearTimeout(this.abortTimer);
    this.stopAbortWatch?.();
    this.task = undefined;
    this.worker.unref();
    settle(task);
    this.pool.released();
  }

  private died(what: string): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.abortTimer);
    this.stopAbortWatch?.();
    const task = this.task;
    this.task = undefined;
    if (task) {
      this.options.logger.error({ error: what }, 'analysis thread died during a scan');
      task.fail(
        new ScanThreadCrashError(
          `internal error: the analysis thread ${what}; the scan was stopped and the scanner keeps serving (scan the artifact again; if it recurs, report it with this artifact)`,
        ),
      );
    }
    this.pool.gone();
  }

  private post(message: ToScanThread): void {
    this.worker.postMessage(message);
  }
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
