/**
 * A replica killed mid-scan (SIGKILL, as when a node dies): its lock on the job lapses, BullMQ's stalled
 * check on the surviving replica takes the job over, and Harbor's next poll gets the report. A job
 * interrupted more often than SCANNER_REDIS_MAX_INTERRUPTIONS fails with a message saying so.
 * The registry sits behind a closed gate so the first replica is caught mid-pull.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { REGISTRIES, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { REDIS } from '../../services/redis.js';
import { startGateProxy, type GateProxy } from '../../support/gate-proxy.js';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';
import { pollReport, pushModelVariant, replicaEnv, submitScan, waitForJobStatus } from './replica-support.js';

/** Short locks: a dead replica's scans are taken over within a few seconds. */
const JOB_LOCK = '2s';

const running: ScannerProcess[] = [];
const gates: GateProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await Promise.all(gates.splice(0).map((g) => g.close()));
});

async function replica(env: Record<string, string>): Promise<ScannerProcess> {
  const started = await startScannerProcess({ ...env, SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'scanner-failover-')) });
  running.push(started);
  return started;
}

/** A scan submitted to a first replica, held mid-pull by a closed gate in front of the registry. */
async function scanCaughtMidPull(env: Record<string, string>) {
  const model = await pushModelVariant(REGISTRIES.basic, uniqueRepository('failover'), 'v1', `failover-${Math.random()}`);
  const gate = await startGateProxy(REGISTRIES.basic.port);
  gates.push(gate);
  const first = await replica(env);
  const id = await submitScan(first.url, gate.url, model);
  await waitForJobStatus(REDIS.url, env['SCANNER_REDIS_NAMESPACE']!, id, 'running');
  return { first, gate, id };
}

describe('a replica killed during a scan', () => {
  it('should let the other replica finish the scan, and measure how long the take-over takes', async () => {
    const env = replicaEnv(REDIS.url, { SCANNER_REDIS_JOB_LOCK: JOB_LOCK });
    const { first, gate, id } = await scanCaughtMidPull(env);
    const second = await replica(env);

    const killedAt = performance.now();
    await first.kill();
    gate.open();
    const report = VulnerabilityReportSchema.parse(JSON.parse(await pollReport(second.url, id)));
    const failoverMs = performance.now() - killedAt;

    expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
    console.log(`failover: replica killed mid-scan → report ready on the other replica in ${(failoverMs / 1000).toFixed(2)} s (SCANNER_REDIS_JOB_LOCK=${JOB_LOCK})`);
  });

  it('should fail the scan, saying it was interrupted, once it was interrupted more often than allowed', async () => {
    const env = replicaEnv(REDIS.url, { SCANNER_REDIS_JOB_LOCK: JOB_LOCK, SCANNER_REDIS_MAX_INTERRUPTIONS: '0' });
    const { first, gate, id } = await scanCaughtMidPull(env);
    const second = await replica(env);
    await first.kill();
    gate.open();
    await expect(pollReport(second.url, id)).rejects.toThrow(/scan interrupted 1 time: the scanner replica processing it stopped/);
  });
});
