/**
 * Backfill: walks Harbor's projects → repositories → artifacts through the REST API (paginated) and
 * scans the model artifacts that have no current result, i.e. no referrer of our report `artifactType`
 * made with this rule-set version. At most `concurrency` scans are in flight; the walk waits for a free
 * slot, so a Harbor with a million artifacts costs one page of memory. Used by `POST /api/v1/backfill`
 * and `harbor-scanner-models backfill`.
 */
import type { BackfillProgress } from '../../spec/harbor-mode-api.js';
import type { HarborArtifact } from '../../spec/harbor-rest.js';
import { ScannerError } from '../errors/scanner-error.js';
import type { Logger } from '../observability/logger.js';
import type { HttpRegistryClient } from '../registry/client.js';
import type { ArtifactRef, HarborArtifactScans } from './artifact-scans.js';
import { ConcurrencyLimiter } from './limiter.js';
import { labelName } from './labels.js';
import { isCurrentReport, REPORT_ARTIFACT_TYPE } from './report-artifact.js';
import type { HarborRestClient } from './rest-client.js';
import type { WebhookScope } from './settings.js';

export interface BackfillOptions {
  /** Only these projects (names); all the robot account can see when absent. */
  readonly projects?: readonly string[];
  /** Walk and count, scan nothing. */
  readonly dryRun?: boolean;
  readonly concurrency: number;
}

export interface BackfillDeps {
  readonly harbor: HarborRestClient;
  readonly scans: HarborArtifactScans;
  /** Opens a robot registry client for the referrers lookups of one run. */
  readonly registryClient: () => HttpRegistryClient;
  readonly scope: WebhookScope;
  readonly logger: Logger;
}

/** At most this many `errors` are kept in a run's progress. */
const MAX_ERRORS = 20;

/** One line per artifact decided, for progress output (CLI stderr, server log). */
export type BackfillEvent = (line: string, progress: Readonly<BackfillProgress>) => void;

/** Zeroed counters of a run starting now. */
export function newBackfillProgress(options: Pick<BackfillOptions, 'dryRun'>): BackfillProgress {
  return {
    state: 'running',
    started_at: new Date().toISOString(),
    dry_run: options.dryRun === true,
    projects: 0,
    repositories: 0,
    artifacts: 0,
    skipped: { image: 0, current: 0, in_flight: 0, out_of_scope: 0 },
    to_scan: 0,
    attached: 0,
    failed: 0,
    errors: [],
  };
}

/**
 * Runs one backfill to its end; `progress` (updated as the run goes, for a status endpoint) and
 * `onEvent` are optional. Never throws: a failed walk ends in state `failed` with the reason in `errors`.
 */
export async function runBackfill(
  deps: BackfillDeps,
  options: BackfillOptions,
  hooks: { readonly progress?: BackfillProgress; readonly onEvent?: BackfillEvent } = {},
): Promise<BackfillProgress> {
  const progress = hooks.progress ?? newBackfillProgress(options);
  const onEvent = hooks.onEvent ?? (() => undefined);
  const problem = (message: string) => {
    if (progress.errors.length < MAX_ERRORS) progress.errors.push(message);
  };
  const limiter = new ConcurrencyLimiter(options.concurrency);
  const wanted = options.projects === undefined ? undefined : new Set(options.projects);
  let registry: HttpRegistryClient | undefined;
  try {
    registry = deps.registryClient();
    for await (const project of deps.harbor.projects()) {
      if (wanted && !wanted.has(project.name)) continue;
      progress.projects++;
      for await (const repository of deps.harbor.repositories(project.name)) {
        progress.repositories++;
        for await (const artifact of deps.harbor.artifacts(project.name, repository.name)) {
          progress.artifacts++;
          const ref: ArtifactRef = { repository: repository.name, digest: artifact.digest, ...tagOf(artifact) };
          const name = `${ref.repository}@${ref.digest}`;
          const skip = await whySkip(deps, registry, artifact, ref).catch((error: unknown) => {
            problem(`${name}: ${(error as Error).message}`);
            progress.failed++;
            return 'error' as const;
          });
          if (skip === 'error') continue;
          if (skip !== undefined) {
            progress.skipped[skip]++;
            continue;
          }
          const claim = deps.scans.claim(ref);
          if (claim !== 'claimed') {
            progress.skipped.in_flight++;
            continue;
          }
          if (options.dryRun) {
            progress.to_scan++;
            deps.scans.release(ref);
            onEvent(`would scan ${name}`, progress);
            continue;
          }
          await limiter.acquire();
          void scanOne(deps, ref, progress, problem, onEvent).finally(() => limiter.release());
        }
      }
    }
    await limiter.idle();
    progress.state = 'finished';
  } catch (error) {
    await limiter.idle();
    progress.state = 'failed';
    problem(error instanceof ScannerError ? `${error.code}: ${error.message}` : (error as Error).message);
  } finally {
    await registry?.close();
    progress.finished_at = new Date().toISOString();
  }
  deps.logger.info({ backfill: { ...progress, errors: progress.errors.length } }, 'backfill done');
  return progress;
}

/**
 * The cheap reasons first: Harbor's own type (no registry call), then the referrers lookup. Under scope
 * `non-image` an `IMAGE` artifact is Harbor's scanners' business (harbor-scanner-api.md §3.8).
 */
async function whySkip(
  deps: BackfillDeps,
  registry: HttpRegistryClient,
  artifact: HarborArtifact,
  ref: ArtifactRef,
): Promise<keyof BackfillProgress['skipped'] | undefined> {
  if (deps.scope === 'non-image' && artifact.type === 'IMAGE') return 'image';
  const referrers = await registry.getReferrers(ref.repository, ref.digest, REPORT_ARTIFACT_TYPE);
  return referrers.manifests.some(isCurrentReport) ? 'current' : undefined;
}

async function scanOne(
  deps: BackfillDeps,
  ref: ArtifactRef,
  progress: BackfillProgress,
  problem: (message: string) => void,
  onEvent: BackfillEvent,
): Promise<void> {
  const name = `${ref.repository}@${ref.digest}`;
  try {
    const start = await deps.scans.run(ref, 'backfill');
    if (start.status === 'skipped') {
      progress.skipped.out_of_scope++;
      return;
    }
    progress.to_scan++;
    const publication = await start.attached;
    if (publication.outcome === 'failed' || publication.problems.length > 0) {
      progress.failed++;
      problem(`${name}: ${publication.problems[0] ?? 'scan failed'}`);
    } else progress.attached++;
    onEvent(`scanned ${name}: ${labelName(publication.outcome)}`, progress);
  } catch (error) {
    progress.failed++;
    problem(`${name}: ${(error as Error).message}`);
    onEvent(`could not scan ${name}: ${(error as Error).message}`, progress);
  }
}

function tagOf(artifact: HarborArtifact): { tag?: string } {
  const tag = artifact.tags?.[0]?.name;
  return tag ? { tag } : {};
}
