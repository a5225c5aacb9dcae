/**
 * Packing a scan's result where it is produced (an analysis thread) and unpacking it where a report is
 * rendered (./model.ts PackedResult says why the server's thread never does either).
 */
import { gunzip, gunzipSync, gzipSync, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { PackedResult, ScanResult } from './model.js';

/** What the server's thread logs and counts of a finished scan, without the result itself. */
export interface ResultSummary {
  readonly packaging: string;
  readonly filesScanned: number;
  readonly bytesScanned: number;
  readonly bytesFetched: number;
  /** Findings by severity and rule: a hostile artifact can carry thousands of one rule. */
  readonly findings: readonly { readonly severity: string; readonly rule: string; readonly count: number }[];
}

/** A finished scan as it leaves the analysis thread. */
export interface FinishedScan {
  readonly packed: PackedResult;
  readonly summary: ResultSummary;
}

const gunzipAsync = promisify(gunzip);

/** Level 1: file lists and findings repeat themselves, so the fastest level already shrinks them ~10×. */
export function packResult(result: ScanResult): FinishedScan {
  const gzipJson = gzipSync(JSON.stringify(result), { level: constants.Z_BEST_SPEED });
  return { packed: { gzipJson }, summary: summarize(result) };
}

/**
 * A result as a store holds it: packed, or the plain JSON (text or bytes) an earlier version wrote, packed
 * here once. JSON never starts with gzip's magic bytes.
 */
export function storedResult(stored: Buffer | string): PackedResult {
  const packed = typeof stored !== 'string' && stored[0] === 0x1f && stored[1] === 0x8b;
  return { gzipJson: packed ? stored : gzipSync(stored) };
}

export function unpackResultSync(packed: PackedResult): ScanResult {
  return JSON.parse(gunzipSync(packed.gzipJson).toString('utf8')) as ScanResult;
}

/** Inflates on libuv's pool; the JSON is still parsed on the calling thread. */
export async function unpackResult(packed: PackedResult): Promise<ScanResult> {
  return JSON.parse((await gunzipAsync(packed.gzipJson)).toString('utf8')) as ScanResult;
}

export function summarize(result: ScanResult): ResultSummary {
  const counts = new Map<string, { severity: string; rule: string; count: number }>();
  for (const finding of result.findings) {
    const key = `${finding.severity} ${finding.ruleId}`;
    const entry = counts.get(key) ?? { severity: finding.severity, rule: finding.ruleId, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return {
    packaging: result.packaging,
    filesScanned: result.filesScanned,
    bytesScanned: result.bytesScanned,
    bytesFetched: result.bytesFetched,
    findings: [...counts.values()],
  };
}
