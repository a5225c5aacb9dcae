/**
 * SCANNER_VERIFY_BLOBS: ranges served by Range are checked against one whole, digest-verified stream of
 * the blob (blob-source.ts `verifyServed`), so a server that answers Range requests with other bytes fails.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestMismatchError } from '../../../../server/errors/registry-errors.js';
import { createRegistryClient, type HttpRegistryClient } from '../../../../server/registry/client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import { sendBytes, sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const BLOB = new Uint8Array(randomBytes(200_000));
const DESCRIPTOR = { mediaType: 'application/octet-stream', digest: digestOf(BLOB), size: BLOB.length };
/** The blob with one byte changed at 100_000: what a swapping proxy serves to Range requests. */
const SWAPPED = (() => {
  const copy = new Uint8Array(BLOB);
  copy[100_000] = copy[100_000]! ^ 0xff;
  return copy;
})();

const servers: ScriptedServer[] = [];
const clients: HttpRegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sourceFor(serve: (req: IncomingMessage, res: ServerResponse) => void, verifyBlobs: boolean, requests?: string[]) {
  const server = await startScriptedServer((req, res) => {
    if (req.url === '/v2/') return sendJson(res, 200, {});
    requests?.push(req.headers.range ?? 'whole');
    serve(req, res);
  });
  servers.push(server);
  const client = createRegistryClient({ url: server.url, credentials: { kind: 'none' }, timeoutMs: 5_000, maxRetries: 0, verifyBlobs });
  clients.push(client);
  return client.blobSource('a/b', DESCRIPTOR);
}

/** Range requests get `SWAPPED`, whole GETs the real blob. */
const swapRanges = (req: IncomingMessage, res: ServerResponse) => sendBytes(req, res, req.headers.range === undefined ? BLOB : SWAPPED);

describe('RegistryBlobSource.verifyServed', () => {
  it('should be absent unless the client verifies blobs', async () => {
    expect((await sourceFor(swapRanges, false)).verifyServed).toBeUndefined();
  });

  it('should pass when every range served is the blob', async () => {
    const source = await sourceFor((req, res) => sendBytes(req, res, BLOB), true);
    await source.read(99_990, 20);
    await source.read(0, 10);
    await expect(source.verifyServed!()).resolves.toBeUndefined();
  });

  it('should fail with a digest mismatch naming the range when a Range answer differs from the whole blob', async () => {
    const source = await sourceFor(swapRanges, true);
    const served = await source.read(99_990, 20);
    expect(served[10]).toBe(SWAPPED[100_000]);
    const failure = await source.verifyServed!().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DigestMismatchError);
    expect((failure as Error).message).toMatch(/bytes 99990-\d+ of blob .* as served by Range/);
  });

  it('should not download the blob again when reads fetched all of it front to back (its digest already checked)', async () => {
    const requests: string[] = [];
    const source = await sourceFor((req, res) => sendBytes(req, res, BLOB), true, requests);
    for (let at = 0; at < BLOB.length; at += 1_000) await source.read(at, 100);
    const before = requests.length;
    await expect(source.verifyServed!()).resolves.toBeUndefined();
    expect(requests).toHaveLength(before);
    expect(requests).not.toContain('whole');
  });

  it('should fail a front-to-back read at its last block when Range answers are other bytes', async () => {
    const source = await sourceFor(swapRanges, true);
    await expect(async () => {
      for (let at = 0; at < BLOB.length; at += 1_000) await source.read(at, 100);
    }).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('should check partial streams too', async () => {
    const source = await sourceFor(swapRanges, true);
    for await (const chunk of source.stream(90_000, 110_000)) void chunk;
    await expect(source.verifyServed!()).rejects.toBeInstanceOf(DigestMismatchError);
  });
});
