/** The container health check against a running scanner, and against nothing. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server-process.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

function healthcheck(addr: string): number | null {
  return spawnSync(process.execPath, ['--import', 'tsx', 'server/health/healthcheck.ts'], {
    env: { ...process.env, SCANNER_API_SERVER_ADDR: addr, SCANNER_API_SERVER_TLS_CERTIFICATE: '' },
    timeout: 20_000,
  }).status;
}

describe('container health check', () => {
  let scanner: TestScanner;
  beforeAll(async () => {
    scanner = await startTestScanner();
  });
  afterAll(async () => scanner.stop());

  it('should exit 0 when the scanner answers /probe/healthy', () => {
    expect(healthcheck(`:${new URL(scanner.url).port}`)).toBe(0);
  });

  it('should exit 1 when nothing listens', async () => {
    expect(healthcheck(`:${await freePort()}`)).toBe(1);
  });
});
