/**
 * Polls of a finished report: the first reads the result and renders it, later ones (same job, same
 * report type) are answered from the rendered body without touching the store; the byte budget holds.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanJob } from '../../../../server/jobs/model.js';
import type { JobStore } from '../../../../server/jobs/store.js';
import { apiV1Router } from '../../../../server/http/api-v1.js';
import { RenderedReports } from '../../../../server/http/rendered-reports.js';
import type { ReportRenderer } from '../../../../server/http/report-renderer.js';
import type { ScanController } from '../../../../server/scan/controller.js';
import { REPORT_MIME } from '../../../../spec/mime.js';

const job: ScanJob = {
  id: 'job-1',
  status: 'finished',
  target: { registryUrl: 'http://r', repository: 'a/b', digest: `sha256:${'1'.repeat(64)}` },
  createdAt: 0,
  updatedAt: 0,
  result: { generatedAt: '2026-12-07T00:00:00Z', packaging: 'image', files: [], filesScanned: 0, bytesScanned: 0, bytesFetched: 0, findings: [], facts: [] },
};

let reads = 0;
let renders = 0;
const store = { get: async (id: string) => (reads++, id === job.id ? job : undefined) } as unknown as JobStore;
const renderer: ReportRenderer = {
  produces: [REPORT_MIME.vulnerabilityV1_1, REPORT_MIME.modelSecurityV1_0],
  render: (mimeType) => ({ mimeType, render: ++renders }),
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

const poll = async (accept: string) => {
  const res = await fetch(`${url}/api/v1/scan/${job.id}/report`, { headers: { accept } });
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
});

describe('RenderedReports', () => {
  it('should keep the most recently used bodies within its budget, and never a body above a quarter of it', () => {
    const reports = new RenderedReports(200); // bodies held as UTF-16: 2 bytes per code unit
    const body = (c: string) => c.repeat(24); // 48 bytes: four fit, a fifth evicts the least recently used
    for (const id of ['a', 'b', 'c', 'd']) reports.set(id, 'm', '', body(id));
    expect(reports.get('a', 'm', '')).toBe(body('a'));
    reports.set('e', 'm', '', body('e'));
    expect(reports.get('b', 'm', '')).toBeUndefined();
    for (const id of ['a', 'c', 'd', 'e']) expect(reports.get(id, 'm', '')).toBe(body(id));
    reports.set('f', 'm', '', 'f'.repeat(26)); // 52 bytes, above a quarter of 200
    expect(reports.get('f', 'm', '')).toBeUndefined();
    expect(reports.get('a', 'm', '')).toBe(body('a'));
    reports.clear();
    expect(reports.get('a', 'm', '')).toBeUndefined();
  });
});
