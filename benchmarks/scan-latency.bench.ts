/**
 * Time from `POST /api/v1/scan` to the first `200` on the report, for the end-to-end fixture model (an
 * OCI image carrying two safetensors files in a tar+gzip layer) in the plain test registry. Two figures:
 * the scanner's own latency (polling every 10 ms), and what Harbor observes with its real timing (first
 * poll after 2 s, then `Refresh-After`).
 */
import { pathToFileURL } from 'node:url';
import { API_MIME, ARTIFACT_MIME, REPORT_MIME } from '../spec/mime.js';
import { ScanResponseSchema } from '../spec/schemas.js';
import { HarborSimulator } from '../test/harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../test/services/endpoints.js';
import { OCI_MANIFEST } from '../test/services/push.js';
import { startRegistries, stopRegistries } from '../test/services/registries.js';
import { pushModelImage } from '../test/support/model-artifacts.js';
import { startTestScanner } from '../test/support/scanner.js';

const RUNS = 20;

export interface ScanLatencyResult {
  readonly scannerMedianMs: number;
  readonly scannerP95Ms: number;
  readonly harborMedianMs: number;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))]!;

export async function runScanLatencyBenchmark(): Promise<ScanLatencyResult> {
  await startRegistries();
  const scanner = await startTestScanner();
  try {
    const model = await pushModelImage({ registry: REGISTRIES.plain }, uniqueRepository('bench-latency'));
    const body = JSON.stringify({
      registry: { url: REGISTRIES.plain.url },
      artifact: { repository: model.repository, digest: model.digest, mime_type: ARTIFACT_MIME.ociManifest },
    });
    const scannerTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const res = await fetch(`${scanner.url}/api/v1/scan`, { method: 'POST', headers: { 'content-type': API_MIME.scanRequestV1_0 }, body });
      const { id } = ScanResponseSchema.parse(await res.json());
      for (;;) {
        const report = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
        await report.arrayBuffer();
        if (report.status === 200) break;
        if (report.status !== 302) throw new Error(`report answered ${report.status}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      scannerTimes.push(performance.now() - started);
    }
    const harbor = new HarborSimulator({ url: scanner.url });
    const harborTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const outcome = await harbor.scan({
        artifact: { repository: model.repository, digest: model.digest, tag: 'v1', manifestMediaType: OCI_MANIFEST, size: model.harborSize },
        registry: { url: REGISTRIES.plain.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
      });
      if (outcome.error) throw new Error(outcome.error);
      harborTimes.push(performance.now() - started);
    }
    return { scannerMedianMs: percentile(scannerTimes, 0.5), scannerP95Ms: percentile(scannerTimes, 0.95), harborMedianMs: percentile(harborTimes, 0.5) };
  } finally {
    await scanner.stop();
    await stopRegistries();
  }
}

export function printScanLatency(r: ScanLatencyResult): void {
  console.log(`scan latency: POST /scan → 200 for the fixture image (plain registry, ${RUNS} runs)`);
  console.log(`  scanner (10 ms polling)  median ${r.scannerMedianMs.toFixed(1)} ms  p95 ${r.scannerP95Ms.toFixed(1)} ms`);
  console.log(`  as Harbor sees it (first poll after 2 s, Refresh-After)  median ${r.harborMedianMs.toFixed(0)} ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printScanLatency(await runScanLatencyBenchmark());
