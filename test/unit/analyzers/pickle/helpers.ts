/** Shared test helpers: run the pickle/npy analyzers on bytes or fixture files without the engine. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisContext, Analyzer } from '../../../../analyzers/analyzer.js';
import type { Finding, Severity } from '../../../../analyzers/finding.js';
import { severityRank } from '../../../../analyzers/finding.js';
import { makeLimits, type AnalyzerLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../../../analyzers/settings.js';
import { SNIFF_BYTES, sniffFormat } from '../../../../analyzers/sniff.js';
import { BufferSource, ForwardSource, type ByteSource } from '../../../../analyzers/source.js';
import { npyAnalyzer, pickleAnalyzer } from '../../../../analyzers/pickle/analyzer.js';

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/pickle');

export function fixture(path: string): Uint8Array {
  return readFileSync(join(FIXTURES, path));
}

export interface ScanOptions {
  readonly settings?: Partial<AnalyzerSettings>;
  readonly limits?: Partial<AnalyzerLimits>;
  /** Deliver the bytes as a forward-only stream in chunks of this size (default: one seekable buffer). */
  readonly chunkSize?: number;
  readonly path?: string;
}

function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  })();
}

/** Analyse `bytes` with the analyzer its sniffed format selects (pickle or npy). */
export async function scan(bytes: Uint8Array, options: ScanOptions = {}): Promise<Finding[]> {
  const source: ByteSource = options.chunkSize
    ? new ForwardSource(chunked(bytes, options.chunkSize), bytes.length)
    : new BufferSource(bytes);
  const head = bytes.subarray(0, SNIFF_BYTES);
  const format = sniffFormat(head, bytes.length);
  const analyzer: Analyzer = format === 'npy' ? npyAnalyzer : pickleAnalyzer;
  const ctx: AnalysisContext = {
    file: { path: options.path ?? 'test.pkl', size: bytes.length },
    source,
    format,
    head: head.slice(),
    limits: makeLimits(options.limits),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    depth: 0,
    signal: new AbortController().signal,
    scanMember: async () => [],
    record: () => undefined,
  };
  return analyzer.analyze(ctx);
}

export function atLeast(findings: readonly Finding[], severity: Severity): Finding[] {
  return findings.filter((f) => severityRank(f.severity) >= severityRank(severity));
}

export function summary(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.ruleId}: ${f.message}`);
}
