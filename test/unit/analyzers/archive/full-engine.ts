/** The production engine (every analyzer) for archive tests that assert what the pickle analysis reports. */
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import type { Finding } from '../../../../analyzers/finding.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });

export async function scanAll(name: string, bytes: Uint8Array): Promise<Finding[]> {
  return (await engine.scanFile({ path: name, size: bytes.length }, new BufferSource(bytes))).findings;
}

/** Critical findings on members of the file (the payload's `os.system` call), as `path: ruleId`. */
export const criticalMembers = (findings: Finding[]): string[] =>
  findings.filter((f) => f.severity === 'Critical').map((f) => `${f.file}: ${f.ruleId}`);
