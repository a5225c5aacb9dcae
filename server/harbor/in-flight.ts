/**
 * Which artifacts (`repository@digest`) the webhook mode is handling, so a duplicate delivery, or a
 * backfill meeting a pushed artifact, does not start a second scan and attach a second report. Harbor's
 * webhook job retries a delivery up to 3 times and may deliver one push to several policies
 * (`src/jobservice/job/impl/notification/webhook_job.go` `MaxFails`, `util.SendHookWithPolicies`).
 * An entry lives while its scan runs and for `ttlMs` after it settled. Memory is bounded: when
 * `maxEntries` are taken by running scans, new claims are refused (the webhook answers 503 and Harbor
 * retries).
 *
 * In memory, per process: the shared-analysis ledger (server/scan/shared-analysis.ts) already makes
 * scans of the same content across replicas share one analysis; this map only stops the same replica
 * from attaching results twice.
 */

export type ClaimResult = 'claimed' | 'duplicate' | 'full';

interface Entry {
  jobId?: string;
  /** Set once settled; the entry is forgotten after it. */
  expiresAt?: number;
}

export interface InFlightOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export class InFlightScans {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(private readonly options: InFlightOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** The key of an artifact: the same digest in two repositories is two artifacts in Harbor. */
  static keyOf(repository: string, digest: string): string {
    return `${repository}@${digest}`;
  }

  /** Takes `key` for a new scan, unless it is running or settled within the TTL. */
  claim(key: string): ClaimResult {
    this.#expire();
    if (this.#entries.has(key)) return 'duplicate';
    if (this.#entries.size >= this.options.maxEntries) return 'full';
    this.#entries.set(key, {});
    return 'claimed';
  }

  /** Records the job scanning `key`. */
  bind(key: string, jobId: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.jobId = jobId;
  }

  jobOf(key: string): string | undefined {
    return this.#entries.get(key)?.jobId;
  }

  /** The artifact is done with (results attached, or not in scope): duplicates are ignored for the TTL. */
  settle(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) entry.expiresAt = this.#now() + this.options.ttlMs;
  }

  /** Handling failed before a scan existed: a redelivery may try again. */
  release(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    this.#expire();
    return this.#entries.size;
  }

  #expire(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
  }
}
