/**
 * Polls of a finished report: the first reads the result and renders it, later ones (same job, same
 * report type) are answered from the rendered body without touching the store; the byte budget holds.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanJob } from '../../../../server/jobs/model.js';
import type { JobStore } from '../../../../server/jobs/store.js';
import { apiV1Router } from '../../../../server/http/api-v1.js';
import { RenderedReports } from '../../../../server/http/rendered-reports.js';
import type { PackedReportRenderer } from '../../../../server/http/report-renderer.js';
import { packResult } from '../../../../server/jobs/packed-result.js';
import type { ScanController } from '../../../../server/scan/controller.js';
import { REPORT_MIME } from '../../../../spec/mime.js';

const job: ScanJob = {
  id: 'job-1',
  status: 'finished',
  target: { registryUrl: 'http://r', repository: 'a/b', digest: `sha256:${'1'.repeat(64)}` },
  createdAt: 0,
  updatedAt: 0,
  result: packResult({ generatedAt: '2026-12-07T00:00:00Z', packaging: 'image', files: [], filesScanned: 0, bytesScanned: 0, bytesFetched: 0, findings: [], facts: [] }).packed,
};

let reads = 0;
let renders = 0;
const store = { get: async (id: string) => (reads++, id === job.id ? job : undefined) } as unknown as JobStore;
/** Renders after `renderMs`, as the report thread does while polls keep arriving. */
let renderMs = 0;
const renderer: PackedReportRenderer = {
  produces: [REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.modelSecurityV1_0, REPORT_MIME.sbomV1_0],
  render: async (mimeType) => {
    const render = ++renders;
    await sleep(renderMs);
    return Buffer.from(JSON.stringify({ mimeType, render }));
  },
};

let url = '';
let close: () => Promise<void>;
beforeAll(async () => {
  const app = express();
  app.use(
    apiV1Router({ metadata: {} as never, controller: {} as ScanController, store, renderer, refreshAfterSeconds: 2, reports: new RenderedReports(1024 * 1024) }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

const poll = async (accept: string, query = '') => {
  const res = await fetch(`${url}/api/v1/scan/${job.id}/report${query}`, { headers: { accept }, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('polls of a finished report', () => {
  it('should read and render the result once, and answer later polls with the same body', async () => {
    const first = await poll(REPORT_MIME.vulnerabilityV1_1);
    const again = await poll(REPORT_MIME.vulnerabilityV1_1);
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    expect(JSON.parse(first.body)).toEqual({ mimeType: REPORT_MIME.vulnerabilityV1_1, render: 1 });
    expect({ reads, renders }).toEqual({ reads: 1, renders: 1 });
  });

  it('should render another report type of the same job on its own', async () => {
    const other = await poll(REPORT_MIME.modelSecurityV1_0);
    expect(JSON.parse(other.body)).toEqual({ mimeType: REPORT_MIME.modelSecurityV1_0, render: 2 });
    expect(reads).toBe(2);
  });

  it('should tell polls to come back while a long render runs, render once, and serve the body it kept', async () => {
    renderMs = 300;
    const before = renders;
    const sbom = () => poll(REPORT_MIME.sbomV1_0, '?sbom_media_type=application/spdx%2Bjson');
    const early = await Promise.all(Array.from({ length: 5 }, sbom));
    expect(early.map((p) => p.status)).toEqual([302, 302, 302, 302, 302]);
    await sleep(400);
    const later = await sbom();
    renderMs = 0;
    expect(later.status).toBe(200);
    expect(JSON.parse(later.body)).toEqual({ mimeType: REPORT_MIME.sbomV1_0, render: before + 1 });
    expect(renders - before).toBe(1);
  });
});

describe('RenderedReports', () => {
  it('should keep the most recently used bodies within its budget, and never a body above a quarter of it', async () => {
    const reports = new RenderedReports(200);
    const body = (c: string) => Buffer.from(c.repeat(48)); // 48 bytes: four fit, a fifth evicts the least recently used
    const keep = (id: string, bytes: Uint8Array) => reports.rendered(id, 'm', '', async () => bytes, 1000);
    for (const id of ['a', 'b', 'c', 'd']) await keep(id, body(id));
    expect(reports.get('a', 'm', '')).toEqual(body('a'));
    await keep('e', body('e'));
    expect(reports.get('b', 'm', '')).toBeUndefined();
    for (const id of ['a', 'c', 'd', 'e']) expect(reports.get(id, 'm', '')).toEqual(body(id));
    await keep('f', Buffer.from('f'.repeat(52))); // above a quarter of 200
    expect(reports.get('f', 'm', '')).toBeUndefined();
    expect(reports.get('a', 'm', '')).toEqual(body('a'));
    reports.clear();
    expect(reports.get('a', 'm', '')).toBeUndefined();
  });

  it('should keep nothing of a render that failed, and render again on the next request', async () => {
    const reports = new RenderedReports(1024);
    await expect(reports.rendered('a', 'm', '', async () => Promise.reject(new Error('boom')), 1000)).rejects.toThrow('boom');
    expect(reports.get('a', 'm', '')).toBeUndefined();
    expect(await reports.rendered('a', 'm', '', async () => Buffer.from('ok'), 1000)).toEqual(Buffer.from('ok'));
  });

  it('should keep a body nobody waited for up to the whole budget, and wait in full for one above it', async () => {
    const reports = new RenderedReports(200);
    const slow = (bytes: number) => async () => (await sleep(50), Buffer.alloc(bytes));
    expect(await reports.rendered('big', 'm', '', slow(150), 1)).toBeUndefined(); // told to come back
    await sleep(100);
    expect(reports.get('big', 'm', '')?.byteLength).toBe(150); // above a quarter, kept for its requester
    expect(await reports.rendered('huge', 'm', '', slow(300), 1)).toBeUndefined();
    await sleep(100);
    expect(reports.get('huge', 'm', '')).toBeUndefined(); // above the budget: not kept…
    expect((await reports.rendered('huge', 'm', '', slow(300), 1))?.byteLength).toBe(300); // …so the next request waits for it
  });
});
