/** The production engine (every analyzer) for archive tests that assert what the pickle analysis reports. */
import { ExpansionBudget, inherit } from '../../../../analyzers/archive/budget.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import type { Finding } from '../../../../analyzers/finding.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { CountingSource } from '../../../support/sources.js';

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });

export async function scanAll(name: string, bytes: Uint8Array): Promise<Finding[]> {
  return (await engine.scanFile({ path: name, size: bytes.length }, new BufferSource(bytes))).findings;
}

/** {@link scanAll}, counting the bytes the scan read. */
export async function scanCounted(name: string, bytes: Uint8Array): Promise<{ findings: Finding[]; bytesRead: number }> {
  const source = new CountingSource(new BufferSource(bytes));
  const { findings } = await engine.scanFile({ path: name, size: bytes.length }, source);
  return { findings, bytesRead: source.bytesRead };
}

/** An expansion budget that counts what is charged to it: every byte a container's members decompress to. */
class CountingBudget extends ExpansionBudget {
  charged = 0;
  override chargeBytes(n: number): void {
    this.charged += n;
    super.chargeBytes(n);
  }
}

/** {@link scanAll}, counting the bytes decompressed from the file (its members, theirs…). */
export async function scanDecompressing(name: string, bytes: Uint8Array): Promise<{ findings: Finding[]; decompressedBytes: number }> {
  const budget = new CountingBudget(DEFAULT_LIMITS);
  const { findings } = await engine.scanFile({ path: name, size: bytes.length }, inherit(new BufferSource(bytes), budget));
  return { findings, decompressedBytes: budget.charged };
}

/** Critical findings on members of the file (the payload's `os.system` call), as `path: ruleId`. */
export const criticalMembers = (findings: Finding[]): string[] =>
  findings.filter((f) => f.severity === 'Critical').map((f) => `${f.file}: ${f.ruleId}`);
