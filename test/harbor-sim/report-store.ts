/**
 * Harbor's storage of vulnerability reports (src/pkg/scan/postprocessors, `vulnerability_record`;
 * ../shared/reference/harbor-scanner-api.md §3.7), so end-to-end tests see what Harbor keeps:
 * - one record per (id, package, version) for the whole registration, shared by every artifact; a
 *   later report updates only its severity — description, links and vendor attributes stay first-seen;
 * - PostgreSQL text and jsonb columns reject U+0000, which fails the whole scan job;
 * - a record is looked up, then inserted: two reports inserting the same new key at once collide, and
 *   the loser's job fails with the unique-constraint violation.
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';

export interface StoredRecord {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  severity: string;
  readonly description: string;
  readonly links: readonly string[];
  readonly vendorAttributes: unknown;
  /** Digests of the artifacts whose reports point at this record. */
  readonly artifacts: Set<string>;
}

interface ReportItem {
  id: string;
  package: string;
  version: string;
  severity: string;
  description?: string;
  links?: string[];
  vendor_attributes?: unknown;
}

export class HarborReportStore {
  readonly records = new Map<string, StoredRecord>();
  readonly #inserting = new Set<string>();

  /** Stores one vulnerability report body; resolves to Harbor's error text when the job fails. */
  async store(body: string): Promise<string | undefined> {
    const report = JSON.parse(body) as { artifact: { digest: string }; vulnerabilities?: ReportItem[] };
    for (const item of report.vulnerabilities ?? []) {
      if (containsNul(item)) return 'pq: invalid byte sequence for encoding "UTF8": 0x00';
      const key = `${item.id}\u0000${item.package}\u0000${item.version}`;
      const existing = this.records.get(key);
      if (existing) {
        existing.severity = item.severity;
        existing.artifacts.add(report.artifact.digest);
        continue;
      }
      if (this.#inserting.has(key)) return 'pq: duplicate key value violates unique constraint "vulnerability_record_uuid_key"';
      this.#inserting.add(key);
      await yieldToOthers(); // the gap between Harbor's lookup and its insert
      this.#inserting.delete(key);
      this.records.set(key, {
        id: item.id,
        package: item.package,
        version: item.version,
        severity: item.severity,
        description: item.description ?? '',
        links: item.links ?? [],
        vendorAttributes: item.vendor_attributes,
        artifacts: new Set([report.artifact.digest]),
      });
    }
    return undefined;
  }

  /** The records an artifact's report points at, as Harbor shows them for it. */
  recordsOf(artifactDigest: string): StoredRecord[] {
    return [...this.records.values()].filter((r) => r.artifacts.has(artifactDigest));
  }
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}
