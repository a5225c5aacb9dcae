import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryClient, type HttpRegistryClient } from '../../../../server/registry/client.js';
import { digestOf } from '../../../../server/registry/digest.js';
import type { RegistryLogger } from '../../../../server/registry/types.js';
import { sendBytes, sendJson, startScriptedServer, type ScriptedServer } from './scripted-server.js';

const BLOB = new Uint8Array(randomBytes(300_000));
const DESCRIPTOR = { mediaType: 'application/octet-stream', digest: digestOf(BLOB), size: BLOB.length };

const servers: ScriptedServer[] = [];
const clients: HttpRegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type BlobHandler = (req: IncomingMessage, res: ServerResponse, blobRequest: number) => void;

/** A registry whose blob endpoint is `serveBlob` (default: Range-capable). */
async function setup(serveBlob: BlobHandler = (req, res) => sendBytes(req, res, BLOB), logger?: RegistryLogger) {
  let blobRequests = 0;
  const server = await startScriptedServer((req, res) => {
    if (req.url === '/v2/') return sendJson(res, 200, {});
    serveBlob(req, res, blobRequests++);
  });
  servers.push(server);
  const client = createRegistryClient({
    url: server.url,
    credentials: { kind: 'none' },
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    ...(logger === undefined ? {} : { logger }),
  });
  clients.push(client);
  const blobRanges = () => server.requests.filter((r) => r.path.includes('/blobs/')).map((r) => r.headers.range ?? null);
  return { client, source: client.blobSource('a/b', DESCRIPTOR), blobRanges };
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const slice = (start: number, end: number) => Buffer.from(BLOB.subarray(start, end));

describe('RegistryBlobSource reads', () => {
  it('should serve small reads near each other from one read-ahead request', async () => {
    const { source, blobRanges } = await setup();
    expect(Buffer.from(await source.read(0, 16))).toEqual(slice(0, 16));
    expect(Buffer.from(await source.read(16, 100))).toEqual(slice(16, 116));
    expect(Buffer.from(await source.read(60_000, 10))).toEqual(slice(60_000, 60_010));
    expect(blobRanges()).toEqual(['bytes=0-65535']);
  });

  it('should keep earlier blocks when a parser jumps to the end and back', async () => {
    const { source, blobRanges } = await setup();
    await source.read(0, 10);
    await source.read(BLOB.length - 22, 22);
    expect(Buffer.from(await source.read(5, 5))).toEqual(slice(5, 10));
    expect(blobRanges()).toEqual(['bytes=0-65535', `bytes=${BLOB.length - 22}-${BLOB.length - 1}`]);
  });

  it.each([
    { name: 'past the end', offset: BLOB.length + 5, length: 10, expected: 0, requests: 0 },
    { name: 'across the end', offset: BLOB.length - 4, length: 10, expected: 4, requests: 1 },
    { name: 'of zero bytes', offset: 10, length: 0, expected: 0, requests: 0 },
  ])('should return $expected bytes when a read is $name', async ({ offset, length, expected, requests }) => {
    const { source, blobRanges } = await setup();
    expect(await source.read(offset, length)).toHaveLength(expected);
    expect(blobRanges()).toHaveLength(requests);
  });

  it('should assemble the read from several requests when the server sends shorter ranges than asked', async () => {
    const { source } = await setup((req, res) => {
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1]);
      const end = Math.min(start + 999, BLOB.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${BLOB.length}` }).end(BLOB.subarray(start, end + 1));
    });
    expect(Buffer.from(await source.read(100, 5_000))).toEqual(slice(100, 5_100));
  });

  it('should stream and skip without buffering the blob when the server ignores Range', async () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, warn: (_: object, message: string) => warnings.push(message) };
    const big = new Uint8Array(8 * 1024 * 1024);
    big.set(BLOB.subarray(0, 1000), 100_000);
    const { client } = await setup((_req, res) => res.writeHead(200, { 'content-length': String(big.length) }).end(big), logger);
    const source = client.blobSource('a/b', { ...DESCRIPTOR, size: big.length });
    expect(Buffer.from(await source.read(100_000, 1000))).toEqual(slice(0, 1000));
    expect(client.bytesFetched).toBeLessThan(big.length / 2);
    expect(warnings).toEqual(['registry ignored the Range header; reads of this blob stream it from the start']);
  });

  it('should throw E_SIZE_MISMATCH without reading the body when the server answers 416 with a wrong Content-Length', async () => {
    // distribution 2.8 announces the blob's length but sends a 33-byte body (test-environment.md §2.5).
    const { client } = await setup((_req, res) => {
      res.writeHead(416, { 'content-range': `bytes */${BLOB.length}`, 'content-length': String(BLOB.length) });
      res.write('{"errors":[{"code":"RANGE"}]}\n');
    });
    const source = client.blobSource('a/b', { ...DESCRIPTOR, size: BLOB.length + 100_000 });
    await expect(source.read(BLOB.length + 10, 10)).rejects.toMatchObject({
      code: 'E_SIZE_MISMATCH',
      message: expect.stringMatching(/answered 416 to bytes .*\(it has 300000 bytes\)/),
    });
  });

  it.each([
    { name: 'the total differs from the descriptor', contentRange: (s: number, e: number) => `bytes ${s}-${e}/999`, code: 'E_SIZE_MISMATCH' },
    { name: 'the range starts elsewhere', contentRange: (s: number, e: number) => `bytes ${s + 1}-${e}/${BLOB.length}`, code: 'E_REGISTRY_PROTOCOL' },
    { name: 'Content-Range is missing', contentRange: () => '', code: 'E_REGISTRY_PROTOCOL' },
  ])('should throw $code when $name', async ({ contentRange, code }) => {
    const { source } = await setup((req, res) => {
      const [, start = '0', end = '0'] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '') ?? [];
      const value = contentRange(Number(start), Number(end));
      res.writeHead(206, value === '' ? {} : { 'content-range': value }).end(BLOB.subarray(Number(start), Number(end) + 1));
    });
    await expect(source.read(10, 10)).rejects.toMatchObject({ code });
  });
});

describe('RegistryBlobSource read-ahead', () => {
  const KIB = 1024;
  /** Reads of 512 bytes every 1,536 bytes front to back, as a tar walk over small members makes them. */
  async function walkForward(source: { read(offset: number, length: number): Promise<Uint8Array> }, from = 0, to = BLOB.length) {
    for (let at = from; at < to; at += 1_536) expect(Buffer.from(await source.read(at, 512))).toEqual(slice(at, Math.min(to, at + 512)));
  }
  const starts = (ranges: Array<string | null>) => ranges.map((r) => Number(/bytes=(\d+)-/.exec(r ?? '')?.[1]));
  const ends = (ranges: Array<string | null>) => ranges.map((r) => Number(/-(\d+)$/.exec(r ?? '')?.[1]) + 1);

  it('should double the block while reads go forward, each block starting where the last ended', async () => {
    const { source, blobRanges } = await setup();
    await walkForward(source);
    const ranges = blobRanges();
    expect(ranges).toEqual(['bytes=0-65535', 'bytes=65536-196607', `bytes=196608-${BLOB.length - 1}`]);
    expect(starts(ranges).slice(1)).toEqual(ends(ranges).slice(0, -1));
  });

  it('should start small again after a jump, so a member only sniffed costs its head', async () => {
    const { source, blobRanges } = await setup();
    await walkForward(source, 0, 20 * KIB);
    await source.read(200 * KIB, 512);
    expect(blobRanges()).toEqual(['bytes=0-65535', `bytes=${200 * KIB}-${264 * KIB - 1}`]);
  });

  it('should fetch a short gap along with the next block rather than start a block after it', async () => {
    const { source, blobRanges } = await setup();
    await walkForward(source, 0, 20 * KIB);
    expect(Buffer.from(await source.read(100 * KIB, 512))).toEqual(slice(100 * KIB, 100 * KIB + 512));
    expect(blobRanges()).toEqual(['bytes=0-65535', `bytes=${64 * KIB}-${192 * KIB - 1}`]);
  });

  it('should serve reads waiting for the same block from one request', async () => {
    const { source, blobRanges } = await setup();
    const reads = await Promise.all([source.read(0, 10), source.read(100, 10), source.read(60_000, 10)]);
    expect(reads.map((r) => Buffer.from(r))).toEqual([slice(0, 10), slice(100, 110), slice(60_000, 60_010)]);
    expect(blobRanges()).toEqual(['bytes=0-65535']);
  });

  it('should keep at most maxRequestsInFlight block requests open at once', async () => {
    const big = new Uint8Array(randomBytes(4 * 1024 * KIB));
    let open = 0;
    let most = 0;
    const { client } = await setup((req, res) => {
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        sendBytes(req, res, big);
      }, 20);
    });
    const source = client.blobSource('a/b', { ...DESCRIPTOR, digest: digestOf(big), size: big.length });
    // Reads far apart: a block each.
    const reads = await Promise.all(Array.from({ length: 8 }, (_, i) => source.read(i * 500 * KIB, 10)));
    expect(reads.map((r) => Buffer.from(r))).toEqual(Array.from({ length: 8 }, (_, i) => Buffer.from(big.subarray(i * 500 * KIB, i * 500 * KIB + 10))));
    expect(most).toBe(4);
  });

  it('should verify the digest once reads have fetched the whole blob front to back', async () => {
    const tampered = new Uint8Array(BLOB);
    tampered[250_000] = (tampered[250_000] ?? 0) ^ 0xff;
    const { source } = await setup((req, res) => sendBytes(req, res, tampered));
    await expect(walkForward(source)).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH', message: expect.stringMatching(/front to back/) });
  });

  it('should pass a blob read front to back whose bytes are right', async () => {
    const { source } = await setup();
    await walkForward(source);
    expect(digestOf(await collect(source.stream()))).toBe(DESCRIPTOR.digest);
  });
});

describe('RegistryBlobSource stream', () => {
  it('should yield the whole blob and verify its digest when streamed from the start', async () => {
    const { source, blobRanges } = await setup();
    // Digests, not toEqual: vitest's deep equality over 300 KB is slow.
    expect(digestOf(await collect(source.stream()))).toBe(DESCRIPTOR.digest);
    expect(blobRanges()).toEqual([null]);
  });

  it('should take a small partial stream through the read-ahead block, so the next one costs no request', async () => {
    const { source, blobRanges } = await setup();
    expect(await collect(source.stream(1_000, 2_000))).toEqual(slice(1_000, 2_000));
    expect(await collect(source.stream(2_000, 3_000))).toEqual(slice(2_000, 3_000));
    expect(blobRanges()).toEqual(['bytes=1000-66535']);
  });

  it('should ask for exactly the range when a partial stream is larger than a block', async () => {
    const { source, blobRanges } = await setup();
    expect(digestOf(await collect(source.stream(1_000, 200_000)))).toBe(digestOf(slice(1_000, 200_000)));
    expect(blobRanges()).toEqual(['bytes=1000-199999']);
  });

  it('should resume with a Range request when the connection breaks mid-body', async () => {
    const { source, blobRanges } = await setup((req, res, n) => {
      if (n > 0) return sendBytes(req, res, BLOB);
      res.writeHead(200, { 'content-length': String(BLOB.length) });
      res.write(BLOB.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
    });
    expect(digestOf(await collect(source.stream()))).toBe(DESCRIPTOR.digest);
    const resumedAt = Number(/bytes=(\d+)-/.exec(blobRanges()[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(blobRanges()[1]).toBe(`bytes=${resumedAt}-${BLOB.length - 1}`);
  });

  it('should throw E_DIGEST_MISMATCH at the end when the streamed bytes hash differently', async () => {
    const tampered = new Uint8Array(BLOB);
    tampered[123] = (tampered[123] ?? 0) ^ 0xff;
    const { source } = await setup((req, res) => sendBytes(req, res, tampered));
    await expect(collect(source.stream())).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
  });

  it('should throw E_SIZE_MISMATCH when the body ends before the declared size', async () => {
    const { source } = await setup((_req, res) => res.writeHead(200).end(BLOB.subarray(0, 1000)));
    await expect(collect(source.stream())).rejects.toMatchObject({ code: 'E_SIZE_MISMATCH' });
  });

  it('should stop the transfer when the consumer stops early', async () => {
    const { source, client } = await setup();
    for await (const chunk of source.stream()) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(client.bytesFetched).toBeLessThan(BLOB.length);
  });
});
