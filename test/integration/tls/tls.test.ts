/**
 * The adapter API over HTTPS and mutual TLS (SCANNER_API_SERVER_TLS_CERTIFICATE / _TLS_KEY /
 * SCANNER_API_SERVER_CLIENT_CAS): handshakes with a real openssl-made PKI, the TLS ≥ 1.2 / ECDHE-only
 * policy, Harbor's client over mTLS, and certificate replacement without a restart.
 */
import { renameSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsFilesError } from '../../../server/http/tls.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { httpsGet } from './https-get.js';
import { createCertificateAuthority, makeTempDir, type CertificateAuthority, type IssuedCertificate } from './pki.js';

/** Polls until `check` holds (the watcher reloads asynchronously); fails after 10 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await sleep(50);
  }
}

function tlsEnv(server: IssuedCertificate, clientCas?: string): Record<string, string> {
  return {
    SCANNER_API_SERVER_TLS_CERTIFICATE: server.certFile,
    SCANNER_API_SERVER_TLS_KEY: server.keyFile,
    ...(clientCas ? { SCANNER_API_SERVER_CLIENT_CAS: clientCas } : {}),
  };
}

describe('HTTPS', () => {
  let dir: string;
  let ca: CertificateAuthority;
  let serverCert: IssuedCertificate;
  let scanner: TestScanner;

  beforeAll(async () => {
    dir = makeTempDir('scanner-tls-');
    ca = createCertificateAuthority(dir);
    serverCert = ca.issue('scanner', 'server');
    scanner = await startTestScanner(tlsEnv(serverCert));
  });
  afterAll(async () => scanner.stop());

  it('should serve the API over HTTPS with the configured certificate when a certificate and key are set', async () => {
    expect(scanner.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const result = await httpsGet(`${scanner.url}/api/v1/metadata`, { ca: ca.cert });
    expect(result.status).toBe(200);
    expect(result.fingerprint).toBe(serverCert.fingerprint);
    expect(JSON.parse(result.body)).toMatchObject({ scanner: { name: 'harbor-scanner-models' } });
  });

  it('should fail the handshake when the client does not trust the issuing CA', async () => {
    await expect(httpsGet(`${scanner.url}/probe/healthy`)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('should negotiate TLS 1.2 when the client offers nothing newer', async () => {
    const result = await httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert, maxVersion: 'TLSv1.2' });
    expect(result.protocol).toBe('TLSv1.2');
  });

  it.each([
    // SECLEVEL=0 lets the client offer what the server must refuse on its own.
    ['TLS 1.1', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, /protocol version|unsupported protocol/i],
    ['TLS 1.2 with RSA key exchange (no forward secrecy)', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }, /handshake failure|no shared cipher/i],
    ['TLS 1.2 with a CBC cipher', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' }, /handshake failure|no shared cipher/i],
  ] as const)('should refuse a client that offers only %s', async (_name, offer, error) => {
    await expect(httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert, ...offer })).rejects.toThrow(error);
  });

  it('should serve a replaced certificate without a restart when the files change', async () => {
    const before = await httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert });
    const replacement = ca.issue('scanner-renewed', 'server');
    // Atomic replacement, as cert-manager or a secret volume update does it.
    renameSync(replacement.keyFile, serverCert.keyFile);
    renameSync(replacement.certFile, serverCert.certFile);
    await eventually(async () => (await httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert })).fingerprint === replacement.fingerprint);
    expect(before.fingerprint).toBe(serverCert.fingerprint);
    expect(scanner.server.listening).toBe(true);
  });

  it('should keep serving the current certificate when a reload finds a key that does not match', async () => {
    const current = (await httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert })).fingerprint;
    const stray = ca.issue('stray', 'server', 'stray', makeTempDir('scanner-tls-stray-'));
    renameSync(stray.keyFile, path.join(dir, 'scanner.key'));
    expect(scanner.reloadTls()).toBe(false);
    expect((await httpsGet(`${scanner.url}/probe/healthy`, { ca: ca.cert })).fingerprint).toBe(current);
  });
});

describe('mutual TLS', () => {
  let ca: CertificateAuthority;
  let client: IssuedCertificate;
  let scanner: TestScanner;

  beforeAll(async () => {
    const dir = makeTempDir('scanner-mtls-');
    ca = createCertificateAuthority(dir);
    client = ca.issue('harbor-core', 'client');
    scanner = await startTestScanner(tlsEnv(ca.issue('scanner', 'server'), ca.certFile));
  });
  afterAll(async () => scanner.stop());

  it('should answer a client presenting a certificate signed by a configured client CA', async () => {
    const result = await httpsGet(`${scanner.url}/probe/ready`, { ca: ca.cert, cert: client.cert, key: client.key });
    expect(result.status).toBe(200);
  });

  it('should refuse a client without a certificate', async () => {
    await expect(httpsGet(`${scanner.url}/probe/ready`, { ca: ca.cert })).rejects.toThrow(/certificate required|handshake failure|ECONNRESET|socket hang up/i);
  });

  it('should refuse a client certificate signed by another CA', async () => {
    const other = createCertificateAuthority(makeTempDir('scanner-mtls-other-'), 'other-ca').issue('intruder', 'client');
    await expect(httpsGet(`${scanner.url}/probe/ready`, { ca: ca.cert, cert: other.cert, key: other.key })).rejects.toThrow(
      /unknown ca|certificate|ECONNRESET|socket hang up/i,
    );
  });

  it('should pass Harbor\'s "Test connection" when Harbor presents its client certificate', async () => {
    const dispatcher = new Agent({ connect: { ca: ca.cert, cert: client.cert, key: client.key } });
    try {
      const tlsFetch = ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
      const harbor = new HarborSimulator({ url: scanner.url, fetch: tlsFetch });
      await expect(harbor.ping()).resolves.toMatchObject({ scanner: { name: 'harbor-scanner-models' } });
    } finally {
      await dispatcher.close();
    }
  });
});

describe('TLS configuration errors', () => {
  it('should refuse to start and name the variable when the certificate file is missing', async () => {
    const dir = makeTempDir('scanner-tls-missing-');
    const cert = createCertificateAuthority(dir).issue('scanner', 'server');
    const start = startTestScanner({ ...tlsEnv(cert), SCANNER_API_SERVER_TLS_CERTIFICATE: path.join(dir, 'absent.crt') });
    await expect(start).rejects.toThrow(TlsFilesError);
    await expect(start).rejects.toThrow(/SCANNER_API_SERVER_TLS_CERTIFICATE/);
  });

  it('should refuse to start when the key does not belong to the certificate', async () => {
    const dir = makeTempDir('scanner-tls-mismatch-');
    const ca = createCertificateAuthority(dir);
    const cert = ca.issue('scanner', 'server');
    const other = ca.issue('other', 'server');
    await expect(startTestScanner({ ...tlsEnv(cert), SCANNER_API_SERVER_TLS_KEY: other.keyFile })).rejects.toThrow(/key values mismatch|private key/i);
  });
});
