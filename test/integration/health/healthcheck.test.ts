/** The container health check against a running scanner, and against nothing. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/server-process.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

/** Runs the check as Docker does, asynchronously: the scanner answers from this same process. */
async function healthcheck(addr: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/health/healthcheck.ts'], {
    env: { ...process.env, SCANNER_API_SERVER_ADDR: addr, SCANNER_API_SERVER_TLS_CERTIFICATE: '' },
    stdio: 'ignore',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('container health check', () => {
  let scanner: TestScanner;
  beforeAll(async () => {
    scanner = await startTestScanner();
  });
  afterAll(async () => scanner.stop());

  it('should exit 0 when the scanner answers /probe/healthy', async () => {
    expect(await healthcheck(`:${new URL(scanner.url).port}`)).toBe(0);
  });

  it('should exit 1 when nothing listens', async () => {
    expect(await healthcheck(`:${await freePort()}`)).toBe(1);
  });
});
