/**
 * A scan Harbor submitted survives the scanner dying: the job and its sealed credentials are in the
 * embedded store, and the next process resumes it, so Harbor's next poll gets the report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_MIME, ARTIFACT_MIME, REPORT_MIME } from '../../../spec/mime.js';
import { ScanResponseSchema, VulnerabilityReportSchema } from '../../../spec/schemas.js';
import { HarborAdapterClient, ReportNotReadyError } from '../../harbor-sim/index.js';
import { basicAuthorizationFor, REGISTRIES, TEST_USER, uniqueRepository } from '../../services/endpoints.js';
import { startGateProxy, type GateProxy } from '../../support/gate-proxy.js';
import { pushModelImage } from '../../support/model-artifacts.js';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';

const running: ScannerProcess[] = [];
const proxies: GateProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A closed gate in front of the basic-auth registry: the first process's scan hangs on its first request. */
async function gatedRegistry(): Promise<GateProxy> {
  const proxy = await startGateProxy(REGISTRIES.basic.port);
  proxies.push(proxy);
  return proxy;
}

async function submit(url: string, registryUrl: string, repository: string, digest: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/scan`, {
    method: 'POST',
    headers: { 'content-type': API_MIME.scanRequestV1_0, accept: API_MIME.scanResponseV1_0 },
    body: JSON.stringify({
      registry: { url: registryUrl, authorization: basicAuthorizationFor(TEST_USER) },
      artifact: { repository, digest, mime_type: ARTIFACT_MIME.ociManifest },
    }),
  });
  expect(res.status).toBe(202);
  return ScanResponseSchema.parse(await res.json()).id;
}

async function pollReport(url: string, id: string): Promise<string> {
  const client = new HarborAdapterClient({ baseUrl: url, auth: { type: '' } });
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      return await client.getScanReport(id, REPORT_MIME.vulnerabilityV1_1, '');
    } catch (error) {
      if (!(error instanceof ReportNotReadyError)) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('report never became ready');
}

/**
 * Submits a scan to a first scanner process, kills it while the scan hangs on the gated registry, opens
 * the gate and starts a second process on the same store; returns that process and the scan id.
 */
async function killMidPullAndRestart(env: Record<string, string>): Promise<{ url: string; id: string }> {
  const model = await pushModelImage({ registry: REGISTRIES.basic, account: TEST_USER }, uniqueRepository('restart'));
  const gate = await gatedRegistry();
  const first = await startScannerProcess(env);
  running.push(first);
  const id = await submit(first.url, gate.url, model.repository, model.digest);
  await new Promise((r) => setTimeout(r, 300));
  await first.kill();

  gate.open();
  const second = await startScannerProcess(env);
  running.push(second);
  return { url: second.url, id };
}

const freshDataDir = () => mkdtempSync(path.join(tmpdir(), 'scanner-restart-'));

describe('scanner restart', () => {
  it('should finish a scan whose process was killed mid-pull', async () => {
    const { url, id } = await killMidPullAndRestart({ SCANNER_DATA_DIR: freshDataDir(), SCANNER_STORE_KEY: randomBytes(32).toString('base64') });
    const report = VulnerabilityReportSchema.parse(JSON.parse(await pollReport(url, id)));
    expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
  });

  it('should fail a resumed scan with a clear message when the credentials cannot be recovered', async () => {
    const { url, id } = await killMidPullAndRestart({ SCANNER_DATA_DIR: freshDataDir() });
    await expect(pollReport(url, id)).rejects.toThrow(/restarted while this scan was running.*SCANNER_STORE_KEY/);
  });
});

describe('scanner shutdown (SIGTERM)', () => {
  it('should keep answering polls while a running scan finishes, telling Harbor to wait out the restart', async () => {
    const model = await pushModelImage({ registry: REGISTRIES.basic, account: TEST_USER }, uniqueRepository('drain'));
    const gate = await gatedRegistry();
    const scanner = await startScannerProcess({ SCANNER_DATA_DIR: freshDataDir(), SCANNER_STORE_KEY: randomBytes(32).toString('base64'), SCANNER_SHUTDOWN_GRACE: '20s' });
    running.push(scanner);
    const id = await submit(scanner.url, gate.url, model.repository, model.digest);
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((resolve) => scanner.child.once('exit', resolve));
    scanner.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    // Draining: still listening, not ready for new traffic, and a poll says "come back after the restart".
    expect((await fetch(`${scanner.url}/probe/ready`)).status).toBe(503);
    const poll = await fetch(`${scanner.url}/api/v1/scan/${id}/report`, { headers: { accept: REPORT_MIME.vulnerabilityV1_1 }, redirect: 'manual' });
    expect(poll.status).toBe(302);
    expect(poll.headers.get('refresh-after')).toBe('30');

    gate.open();
    const report = VulnerabilityReportSchema.parse(JSON.parse(await pollReport(scanner.url, id)));
    expect(report.vulnerabilities.map((v) => v.package)).toContain('models/bad.safetensors');
    await exited;
  });
});
