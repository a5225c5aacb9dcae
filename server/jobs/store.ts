/**
 * Where jobs and results live. Embedded: SQLite (./sqlite-store.ts). The HTTP layer and the workers only
 * see this interface, so a shared store (Redis) can replace it without touching them.
 */
import type { JobFailure, PackedResult, ScanJob, ScanTarget } from './model.js';

export interface NewJob {
  readonly id: string;
  readonly target: ScanTarget;
  /** Registry `Authorization` value, sealed (never stored in clear); undefined for anonymous pulls. */
  readonly sealedAuthorization?: Uint8Array;
}

export interface JobStore {
  create(job: NewJob): Promise<void>;
  get(id: string): Promise<ScanJob | undefined>;
  /** The sealed credential of a job that is not final yet. */
  sealedAuthorization(id: string): Promise<Uint8Array | undefined>;
  /** Moves a queued job to running; false when it was not queued (taken elsewhere or final). */
  markRunning(id: string): Promise<boolean>;
  /** Final states also erase the sealed credential. */
  finish(id: string, result: PackedResult): Promise<void>;
  fail(id: string, failure: JobFailure): Promise<void>;
  /** Jobs to resume after a restart: queued and running ones, oldest first. */
  unfinished(): Promise<ScanJob[]>;
  /** Deletes final jobs older than `olderThan` (epoch ms); returns how many. */
  purge(olderThan: number): Promise<number>;
  /** True when the store can serve requests (readiness). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
