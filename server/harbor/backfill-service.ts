/** The server's backfill: one run at a time, started by `POST /api/v1/backfill`, watched by `GET`. */
import type { Logger } from '../observability/logger.js';
import type { BackfillProgress } from '../../spec/harbor-mode-api.js';
import { newBackfillProgress, runBackfill, type BackfillDeps, type BackfillOptions } from './backfill.js';

export class BackfillService {
  #current: BackfillProgress | undefined;

  constructor(
    private readonly deps: BackfillDeps,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  /** Starts a run unless one is running; answers the run's live progress either way. */
  start(options: Omit<BackfillOptions, 'concurrency'>): { readonly started: boolean; readonly progress: BackfillProgress } {
    if (this.#current?.state === 'running') return { started: false, progress: this.#current };
    const progress = newBackfillProgress(options);
    this.#current = progress;
    const onEvent = (line: string) => this.logger.info({ backfill: true }, line);
    void runBackfill(this.deps, { ...options, concurrency: this.concurrency }, { progress, onEvent });
    return { started: true, progress };
  }

  /** The running or last run; undefined before the first. */
  status(): BackfillProgress | undefined {
    return this.#current;
  }
}
