/**
 * Redis restarted under a running scanner: readiness turns 503 while Redis is away (so a Kubernetes
 * Service stops routing to the replica) and a POST fails at once rather than hanging past Harbor's
 * timeout; once Redis is back (with its append-only file), readiness recovers and the scan that was
 * running finishes. Uses a private Redis on its own port, so other suites' Redis is never touched.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { REGISTRIES, uniqueRepository } from '../../services/endpoints.js';
import { startRedisServer, type RedisServer } from '../../services/redis.js';
import { startGateProxy, type GateProxy } from '../../support/gate-proxy.js';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';
import { pollReport, pushModelVariant, replicaEnv, submitScan, waitForJobStatus } from './replica-support.js';

const PRIVATE_REDIS_PORT = 6391;
const STATE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.testenv');

async function readiness(url: string): Promise<number> {
  return (await fetch(`${url}/probe/ready`)).status;
}

/** Polls readiness until it answers `status` (the scanner notices a dropped connection at once, not synchronously). */
async function readinessBecomes(url: string, status: number): Promise<number> {
  let last = 0;
  for (let attempt = 0; attempt < 200 && last !== status; attempt++) {
    last = await readiness(url);
    if (last !== status) await new Promise((r) => setTimeout(r, 50));
  }
  return last;
}

describe('Redis restarted under a running scanner', () => {
  let redis: RedisServer;
  let scanner: ScannerProcess;
  let gate: GateProxy;
  let env: Record<string, string>;
  mkdirSync(STATE_ROOT, { recursive: true });
  const redisDir = mkdtempSync(path.join(STATE_ROOT, 'redis-restart-'));

  beforeAll(async () => {
    redis = await startRedisServer({ port: PRIVATE_REDIS_PORT, dir: redisDir, persistent: true });
    env = replicaEnv(redis.url);
    scanner = await startScannerProcess({ ...env, SCANNER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'scanner-redis-restart-')) });
    gate = await startGateProxy(REGISTRIES.basic.port);
  });
  afterAll(async () => {
    await scanner?.kill();
    await gate?.close();
    await redis?.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  it('should be unready while Redis is down, ready again after, and finish the scan it was running', async () => {
    const model = await pushModelVariant(REGISTRIES.basic, uniqueRepository('redis-restart'), 'v1', `restart-${Math.random()}`);
    const id = await submitScan(scanner.url, gate.url, model);
    await waitForJobStatus(redis.url, env['SCANNER_REDIS_NAMESPACE']!, id, 'running');
    expect(await readiness(scanner.url)).toBe(200);

    await redis.stop();
    expect(await readinessBecomes(scanner.url, 503)).toBe(503);
    const duringOutage = await fetch(`${scanner.url}/api/v1/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registry: { url: gate.url }, artifact: { repository: model.repository, digest: model.digest } }),
      signal: AbortSignal.timeout(4_000),
    });
    expect(duringOutage.status).toBeGreaterThanOrEqual(500);
    // Harbor ends its job on a 500 but keeps waiting on a 302 (issue 14 item 8).
    const poll = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { redirect: 'manual', signal: AbortSignal.timeout(4_000) });
    expect(poll.status).toBe(302);
    expect(Number(poll.headers.get('refresh-after'))).toBeGreaterThan(0);
    // The scan finishes while Redis is still away: its result write is retried until Redis is back.
    gate.open();
    await new Promise((r) => setTimeout(r, 3_000));

    await redis.start();
    expect(await readinessBecomes(scanner.url, 200)).toBe(200);
    const report = VulnerabilityReportSchema.parse(JSON.parse(await pollReport(scanner.url, id)));
    expect(report.artifact.digest).toBe(model.digest);
  });
});
