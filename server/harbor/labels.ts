/**
 * The outcome label on a scanned artifact (`model-scan:critical|high|medium|low|clean|failed`), through
 * Harbor's REST API: the label is looked up (global first, then the project's), created when missing,
 * attached, and any other `model-scan:` label is detached, so a rescan replaces the old outcome.
 *
 * Global labels need the system-level `label` permission (`src/server/v2.0/handler/label.go`
 * `requireAccess`); a project robot account cannot create them, so a refusal (403) falls back to a
 * project label. Harbor shows labels in the artifact list and filters by them (`labels=(id)` in `q`).
 */
import type { ModelSecurityReport } from '../../spec/schemas.js';
import { LABEL_SCOPE } from '../../spec/harbor-rest.js';
import { HarborApiError } from '../errors/harbor-errors.js';
import type { HarborRestClient } from './rest-client.js';

export const OUTCOMES = ['critical', 'high', 'medium', 'low', 'clean', 'failed'] as const;
export type ScanOutcome = (typeof OUTCOMES)[number];

export const LABEL_PREFIX = 'model-scan:';

/** Colors from the palette Harbor's label editor offers (`src/portal/src/app/shared/entities/shared.const.ts` `LabelColor`). */
const LABEL_LOOK: Readonly<Record<ScanOutcome, { readonly color: string; readonly description: string }>> = {
  critical: { color: '#C92100', description: 'Model scan: at least one Critical finding' },
  high: { color: '#C25400', description: 'Model scan: highest finding High' },
  medium: { color: '#D28F00', description: 'Model scan: highest finding Medium' },
  low: { color: '#0065AB', description: 'Model scan: only Low findings' },
  clean: { color: '#48960C', description: 'Model scan: no findings' },
  failed: { color: '#737373', description: 'Model scan could not complete; see the scanner log' },
};

/** The outcome of a finished scan (its report's severity), or `failed`. */
export function outcomeOf(report: ModelSecurityReport | undefined): ScanOutcome {
  if (report === undefined) return 'failed';
  return report.severity === 'None' ? 'clean' : (report.severity.toLowerCase() as ScanOutcome);
}

export function labelName(outcome: ScanOutcome): string {
  return `${LABEL_PREFIX}${outcome}`;
}

export class OutcomeLabeler {
  /** Label ids by `<project or empty>\n<name>`; labels rarely change, so one lookup per process. */
  readonly #ids = new Map<string, number>();
  readonly #pending = new Map<string, Promise<number>>();

  constructor(private readonly harbor: HarborRestClient) {}

  /** Sets the artifact's outcome label, replacing any other `model-scan:` label. */
  async apply(project: string, repository: string, digest: string, outcome: ScanOutcome): Promise<void> {
    const name = labelName(outcome);
    let id = await this.#labelId(project, name);
    try {
      await this.harbor.addLabel(project, repository, digest, id);
    } catch (error) {
      // A cached label deleted by an admin since: look it up (or create it) again, once.
      if (!(error instanceof HarborApiError) || (error.status !== 404 && error.status !== 400)) throw error;
      this.#forget(project, name);
      id = await this.#labelId(project, name);
      await this.harbor.addLabel(project, repository, digest, id);
    }
    const artifact = await this.harbor.artifact(project, repository, digest);
    for (const label of artifact.labels ?? []) {
      if (label.name.startsWith(LABEL_PREFIX) && label.id !== id) await this.harbor.removeLabel(project, repository, digest, label.id);
    }
  }

  /** Concurrent publications share one lookup, so a missing label is created once. */
  #labelId(project: string, name: string): Promise<number> {
    const cached = this.#ids.get(`\n${name}`) ?? this.#ids.get(`${project}\n${name}`);
    if (cached !== undefined) return Promise.resolve(cached);
    const key = `${project}\n${name}`;
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#resolveLabel(project, name).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #resolveLabel(project: string, name: string): Promise<number> {
    const global = await this.harbor.findLabel(name);
    if (global) return this.#remember('', name, global.id);
    const projectId = (await this.harbor.project(project)).project_id;
    const own = await this.harbor.findLabel(name, { projectId });
    if (own) return this.#remember(project, name, own.id);
    const look = LABEL_LOOK[name.slice(LABEL_PREFIX.length) as ScanOutcome];
    try {
      return this.#remember('', name, await this.harbor.createLabel({ name, ...look, scope: LABEL_SCOPE.global }));
    } catch (error) {
      if (!(error instanceof HarborApiError) || error.status !== 403) throw error;
      const id = await this.harbor.createLabel({ name, ...look, scope: LABEL_SCOPE.project, project_id: projectId });
      return this.#remember(project, name, id);
    }
  }

  #remember(project: string, name: string, id: number): number {
    this.#ids.set(`${project}\n${name}`, id);
    return id;
  }

  #forget(project: string, name: string): void {
    this.#ids.delete(`\n${name}`);
    this.#ids.delete(`${project}\n${name}`);
  }
}
