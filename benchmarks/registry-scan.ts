/**
 * One artifact scanned through the service's own path (registry client → resolver → engine → manifest
 * analyzer) in a Node process of its own, so its peak RSS belongs to that scan only, and the HTTP requests
 * the client sent counted (undici's `undici:request:create` diagnostics channel: every request, redirects
 * and retries included). Also: how long `curl` takes to download the same blob whole, for comparison.
 *
 * Used by the registry benchmarks; run by hand: `npx tsx benchmarks/registry-scan.ts URL REPOSITORY DIGEST RUNS`
 * prints one JSON line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ChildScan {
  /** Wall time of each scan, in order. */
  readonly millis: readonly number[];
  /** Of the first scan. */
  readonly bytesFetched: number;
  /** HTTP requests of the first scan: all of them, and those for blobs. */
  readonly requests: number;
  readonly blobRequests: number;
  readonly files: number;
  readonly findings: readonly string[];
  /** Peak RSS of the scanning process, MiB. */
  readonly peakRssMib: number;
}

const SELF = fileURLToPath(import.meta.url);

/** Scans `digest` `runs` times in a child process (a fresh client each, as the service does per job). */
export function scanInChild(url: string, repository: string, digest: string, runs: number): ChildScan {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SELF, url, repository, digest, String(runs)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: path.resolve(path.dirname(SELF), '..'),
  });
  if (run.status !== 0) throw new Error(`scan of ${repository}@${digest} failed (${run.status ?? run.signal}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildScan;
}

/** Seconds `curl` takes to GET the blob whole (to /dev/null): what a plain download of it costs. */
export function curlSeconds(url: string, repository: string, digest: string): number {
  const out = execFileSync('curl', ['-sS', '-f', '-o', '/dev/null', '-w', '%{time_total}', `${url}/v2/${repository}/blobs/${digest}`], { encoding: 'utf8' });
  return Number(out);
}

export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

async function main(url: string, repository: string, digest: string, runs: number): Promise<void> {
  const [{ ScanEngine }, { ALL_ANALYZERS }, { DEFAULT_LIMITS }, { DEFAULT_SETTINGS }, { registryArtifactOpener }, { scanArtifact }] = await Promise.all([
    import('../analyzers/engine.js'),
    import('../analyzers/index.js'),
    import('../analyzers/limits.js'),
    import('../analyzers/settings.js'),
    import('../server/scan/registry-artifact.js'),
    import('../server/scan/scan-files.js'),
  ]);
  let requests = 0;
  let blobRequests = 0;
  diagnostics.subscribe('undici:request:create', (message) => {
    requests++;
    if ((message as { request: { path: string } }).request.path.includes('/blobs/')) blobRequests++;
  });
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const open = registryArtifactOpener({ insecureSkipVerify: false, timeoutMs: 60_000, retries: 0, limits: DEFAULT_LIMITS });
  const millis: number[] = [];
  let first: Omit<ChildScan, 'millis' | 'peakRssMib'> | undefined;
  for (let i = 0; i < runs; i++) {
    const signal = new AbortController().signal;
    const before = { requests, blobRequests };
    const started = performance.now();
    const artifact = await open({ registryUrl: url, repository, digest }, undefined, signal);
    try {
      const result = await scanArtifact(engine, artifact, { packaging: artifact.packaging, signal, bytesFetched: () => artifact.bytesFetched() });
      millis.push(performance.now() - started);
      first ??= {
        bytesFetched: result.bytesFetched,
        requests: requests - before.requests,
        blobRequests: blobRequests - before.blobRequests,
        files: result.files.length,
        findings: result.findings.map((f) => `${f.ruleId}@${f.file}`).sort(),
      };
    } finally {
      await artifact.close();
    }
  }
  console.log(JSON.stringify({ millis, ...first!, peakRssMib: process.resourceUsage().maxRSS / 1024 } satisfies ChildScan));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url, repository, digest, runs] = process.argv.slice(2);
  await main(url!, repository!, digest!, Number(runs ?? 1));
}
