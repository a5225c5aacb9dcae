/**
 * SIGHUP makes the scanner process re-read its TLS certificate and key, keeping its listener and PID.
 * The configured paths are symlinks into another directory and the new files are written there, so the
 * directory watcher sees nothing: only the signal can explain the new certificate.
 */
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startScannerProcess, type ScannerProcess } from '../../support/server-process.js';
import { httpsGet } from './https-get.js';
import { createCertificateAuthority, makeTempDir } from './pki.js';

describe('TLS reload on SIGHUP', () => {
  let scanner: ScannerProcess | undefined;
  afterAll(async () => scanner?.kill());

  it('should serve the new certificate after SIGHUP without restarting the process', async () => {
    const root = makeTempDir('scanner-sighup-');
    const live = path.join(root, 'live');
    const configured = path.join(root, 'configured');
    mkdirSync(live);
    mkdirSync(configured);
    const ca = createCertificateAuthority(root);
    const first = ca.issue('scanner', 'server', 'server', live);
    symlinkSync(first.certFile, path.join(configured, 'server.crt'));
    symlinkSync(first.keyFile, path.join(configured, 'server.key'));

    const served = async (url: string) => (await httpsGet(`${url}/probe/healthy`, { ca: ca.cert })).fingerprint;
    scanner = await startScannerProcess(
      {
        SCANNER_DATA_DIR: makeTempDir('scanner-sighup-data-'),
        SCANNER_API_SERVER_TLS_CERTIFICATE: path.join(configured, 'server.crt'),
        SCANNER_API_SERVER_TLS_KEY: path.join(configured, 'server.key'),
      },
      undefined,
      { scheme: 'https', ready: async (url) => (await httpsGet(`${url}/probe/ready`, { ca: ca.cert })).status === 200 },
    );
    const { url, child } = scanner;
    expect(await served(url)).toBe(first.fingerprint);

    const renewed = ca.issue('scanner-renewed', 'server', 'renewed', live);
    renameSync(renewed.keyFile, first.keyFile);
    renameSync(renewed.certFile, first.certFile);
    expect(await served(url)).toBe(first.fingerprint);

    child.kill('SIGHUP');
    const deadline = Date.now() + 10_000;
    while ((await served(url)) !== renewed.fingerprint) {
      if (Date.now() > deadline) throw new Error('the new certificate was not served within 10 s of SIGHUP');
      await sleep(50);
    }
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
  });
});
