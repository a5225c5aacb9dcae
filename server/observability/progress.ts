/**
 * Progress of one running scan: files and bytes analysed so far, read by the progress gauges
 * (./metrics.ts), and a "scan in progress" log line at a fixed interval, so an hour-long model scan shows
 * it is moving (a single large file can take minutes, hence a timer rather than a line per file).
 */
import type { Logger } from './logger.js';
import type { ScanProgressView } from './metrics.js';

export class ScanProgress implements ScanProgressView {
  private files = 0;
  private bytes = 0;
  private fetched: () => number = () => 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  /** `intervalMs` 0 disables the log lines (the counts are kept all the same). */
  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  get filesDone(): number {
    return this.files;
  }

  get bytesDone(): number {
    return this.bytes;
  }

  bytesFetched(): number {
    return this.fetched();
  }

  /** The artifact is open: from now on `bytesFetched` reads the registry client's count. */
  start(bytesFetched: () => number): void {
    this.fetched = bytesFetched;
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.log.info(
        { files_done: this.files, bytes_done: this.bytes, bytes_fetched: this.fetched(), elapsed_s: Math.round((Date.now() - this.startedAt) / 1000) },
        'scan in progress',
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** After each file: totals so far. */
  update(files: number, bytes: number): void {
    this.files = files;
    this.bytes = bytes;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
