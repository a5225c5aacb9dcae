import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryConfigError } from '../../../../server/errors/registry-errors.js';
import { createRegistryClient, type RegistryClientOptions } from '../../../../server/registry/client.js';

let dir: string;
let server: Server;
let url: string;
let connections = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'registry-tls-'));
  // A self-signed certificate for 127.0.0.1, as in test-environment.md §2.9.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function fetchUnknownManifest(options: Partial<RegistryClientOptions>): Promise<unknown> {
  const client = createRegistryClient({ url, credentials: { kind: 'none' }, timeoutMs: 5_000, maxRetries: 2, retryBaseDelayMs: 1, ...options });
  try {
    return await client.getManifest('a/b', 'v1').catch((error: unknown) => error);
  } finally {
    await client.close();
  }
}

describe('registry TLS', () => {
  it('should throw E_REGISTRY_TLS without retrying when the certificate is not trusted', async () => {
    const before = connections;
    const error = await fetchUnknownManifest({});
    expect(error).toMatchObject({ code: 'E_REGISTRY_TLS', message: expect.stringMatching(/configure the registry CA file/) });
    expect(connections - before).toBe(1);
  });

  it('should connect when the CA file holds the registry certificate', async () => {
    expect(await fetchUnknownManifest({ caFile: path.join(dir, 'cert.pem') })).toMatchObject({ code: 'E_MANIFEST_UNKNOWN' });
  });

  it('should connect when verification is skipped', async () => {
    expect(await fetchUnknownManifest({ insecureSkipVerify: true })).toMatchObject({ code: 'E_MANIFEST_UNKNOWN' });
  });

  it.each([
    { name: 'missing', file: () => path.join(dir, 'absent.pem'), message: /reading the registry CA file/ },
    { name: 'not PEM', file: () => (writeFileSync(path.join(dir, 'junk.pem'), 'junk'), path.join(dir, 'junk.pem')), message: /no PEM certificate/ },
  ])('should throw E_REGISTRY_CONFIG when the CA file is $name', ({ file, message }) => {
    const create = () => createRegistryClient({ url, credentials: { kind: 'none' }, timeoutMs: 1_000, maxRetries: 0, caFile: file() });
    expect(create).toThrow(RegistryConfigError);
    expect(create).toThrow(message);
  });
});
