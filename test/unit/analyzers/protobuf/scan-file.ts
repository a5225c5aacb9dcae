/**
 * Scans bytes through the real engine (sniffing, routing, every registered analyzer), as the service
 * does: the model-format tests use it to prove routing and cleanliness, not just one analyzer's output.
 */
import { readFileSync } from 'node:fs';
import type { Analyzer } from '../../../../analyzers/analyzer.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import type { Finding } from '../../../../analyzers/finding.js';
import type { Format } from '../../../../analyzers/formats.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { makeLimits, type AnalyzerLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';

export interface ScanOutcome {
  readonly format: Format;
  readonly findings: Finding[];
}

export async function scanBytes(
  path: string,
  bytes: Uint8Array | ByteSource,
  options: { analyzers?: readonly Analyzer[]; limits?: Partial<AnalyzerLimits> } = {},
): Promise<ScanOutcome> {
  const engine = new ScanEngine({ analyzers: options.analyzers ?? ALL_ANALYZERS, limits: makeLimits(options.limits), settings: DEFAULT_SETTINGS });
  const source = bytes instanceof Uint8Array ? new BufferSource(bytes) : bytes;
  const { format, findings } = await engine.scanFile({ path, size: source.size }, source);
  return { format, findings };
}

/** A committed fixture of test/fixtures/formats. */
export function formatFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../fixtures/formats/${name}`, import.meta.url)));
}

/** Rule ids, sorted and de-duplicated. */
export const ruleIds = (findings: readonly Finding[]): string[] => [...new Set(findings.map((f) => f.ruleId))].sort();
