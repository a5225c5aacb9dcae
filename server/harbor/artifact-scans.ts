/**
 * Scanning one Harbor artifact in the webhook mode, whoever asked (the webhook receiver or the backfill):
 * claim it (one scan per artifact at a time), read its manifest with the robot account, decide whether
 * it is in scope, queue a scan through the ScanController like any other job, and once the job is final
 * attach the results (./publisher.ts).
 */
import type { ScanJob, ScanTarget } from '../jobs/model.js';
import type { JobStore } from '../jobs/store.js';
import type { Logger } from '../observability/logger.js';
import type { FetchedManifest } from '../registry/types.js';
import type { ScanController } from '../scan/controller.js';
import { InFlightScans, type ClaimResult } from './in-flight.js';
import type { JobWatcher } from './job-watcher.js';
import type { Publication, ResultPublisher } from './publisher.js';
import { robotAuthorization, robotRegistryClient, type RegistryAccess } from './robot.js';
import { decideScope } from './scope.js';
import type { HarborModeSettings } from './settings.js';

export interface ArtifactRef {
  /** `project/repository`. */
  readonly repository: string;
  readonly digest: string;
  readonly tag?: string;
}

/** What became of an artifact handed to {@link HarborArtifactScans.run}. */
export type ScanStart =
  | { readonly status: 'queued'; readonly jobId: string; readonly attached: Promise<Publication> }
  | { readonly status: 'skipped'; readonly reason: string };

export interface HarborArtifactScansDeps {
  readonly settings: HarborModeSettings;
  readonly registry: RegistryAccess;
  readonly controller: ScanController;
  readonly store: JobStore;
  readonly watcher: JobWatcher;
  readonly publisher: ResultPublisher;
  readonly inFlight: InFlightScans;
  readonly logger: Logger;
}

export class HarborArtifactScans {
  constructor(private readonly deps: HarborArtifactScansDeps) {}

  /** Synchronous, so a webhook delivery knows before answering whether it is a duplicate. */
  claim(ref: ArtifactRef): ClaimResult {
    return this.deps.inFlight.claim(InFlightScans.keyOf(ref.repository, ref.digest));
  }

  /** Gives a claim back without scanning (a dry run). */
  release(ref: ArtifactRef): void {
    this.deps.inFlight.release(InFlightScans.keyOf(ref.repository, ref.digest));
  }

  /**
   * Runs a claimed artifact up to its queued scan: the returned `attached` settles when the results are
   * attached. Throws when the manifest cannot be read (the claim is released, a redelivery may retry).
   */
  async run(ref: ArtifactRef, origin: NonNullable<ScanTarget['origin']>): Promise<ScanStart> {
    const key = InFlightScans.keyOf(ref.repository, ref.digest);
    const { inFlight, settings } = this.deps;
    let manifest;
    try {
      manifest = await this.#manifest(ref);
    } catch (error) {
      inFlight.release(key);
      throw error;
    }
    const decision = decideScope(manifest, settings.scope);
    if (!decision.take) {
      inFlight.settle(key);
      this.deps.logger.info({ repository: ref.repository, digest: ref.digest, origin, reason: decision.reason }, 'artifact not scanned');
      return { status: 'skipped', reason: decision.reason };
    }
    const target: ScanTarget = {
      registryUrl: settings.url,
      repository: ref.repository,
      digest: ref.digest,
      ...(ref.tag ? { tag: ref.tag } : {}),
      mimeType: manifest.mediaType,
      origin,
    };
    let jobId: string;
    try {
      jobId = await this.deps.controller.accept(target, robotAuthorization(settings));
    } catch (error) {
      inFlight.release(key);
      throw error;
    }
    inFlight.bind(key, jobId);
    return { status: 'queued', jobId, attached: this.#attachWhenFinished(key, jobId) };
  }

  /**
   * Scans of the webhook mode a previous process queued and did not finish: watched again so their
   * results are attached when they finish here.
   */
  async resume(): Promise<number> {
    const pending = (await this.deps.store.unfinished()).filter((job) => job.target.origin !== undefined);
    for (const job of pending) {
      const key = InFlightScans.keyOf(job.target.repository, job.target.digest);
      if (this.deps.inFlight.claim(key) !== 'claimed') continue;
      this.deps.inFlight.bind(key, job.id);
      void this.#attachWhenFinished(key, job.id);
    }
    return pending.length;
  }

  /** Never rejects: the publisher reports each piece it could not attach in the publication. */
  async #attachWhenFinished(key: string, jobId: string): Promise<Publication> {
    try {
      const job: ScanJob = await this.deps.watcher.wait(jobId);
      return await this.deps.publisher.publish(job);
    } catch (error) {
      this.deps.logger.error({ scan_job_id: jobId, err: error }, 'attaching scan results failed');
      return { outcome: 'failed', labelled: false, problems: [(error as Error).message] };
    } finally {
      this.deps.inFlight.settle(key);
    }
  }

  async #manifest(ref: ArtifactRef): Promise<FetchedManifest> {
    const client = robotRegistryClient(this.deps.settings, this.deps.registry);
    try {
      return await client.getManifest(ref.repository, ref.digest);
    } finally {
      await client.close();
    }
  }
}
