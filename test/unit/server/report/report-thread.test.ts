/**
 * The report thread (server/report/report-thread.ts): the same body the renderer makes on this thread,
 * an error for what it cannot render, and this thread free while a large result is decoded and rendered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { packResult } from '../../../../server/jobs/packed-result.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import { HarborReportRenderer } from '../../../../server/report/renderer.js';
import { ReportThread } from '../../../../server/report/report-thread.js';
import { REPORT_MIME, SBOM_FORMAT } from '../../../../spec/mime.js';
import { MODEL_DIGEST, finding } from './fixtures.js';

const DOCS = 'https://example.com/rules.md';
const renderer = new HarborReportRenderer({ docsUrl: DOCS });
const thread = new ReportThread(renderer.produces, { docsUrl: DOCS });
afterAll(() => thread.close());

const target = { registryUrl: 'http://core:8080', repository: 'library/model', digest: `sha256:${'cd'.repeat(32)}`, tag: 'v1' };
const result = (files: number): ScanResult => ({
  generatedAt: '2026-12-08T10:00:00.000Z',
  packaging: 'image',
  files: Array.from({ length: files }, (_, i) => ({ path: i === 0 ? 'model.safetensors' : `d/${i}`, size: 10, digest: MODEL_DIGEST, format: 'safetensors' })),
  filesScanned: files,
  bytesScanned: 10 * files,
  bytesFetched: 10 * files,
  findings: [finding('offsets', 'model.safetensors')],
});
const jobOf = (r: ScanResult) => ({ id: 'job-1', status: 'finished' as const, target, createdAt: 0, updatedAt: 0, result: packResult(r).packed });

describe('ReportThread', () => {
  it.each([
    [REPORT_MIME.vulnerabilityV1_1, {}],
    [REPORT_MIME.modelSecurityV1_0, {}],
    [REPORT_MIME.sbomV1_0, { sbomMediaType: SBOM_FORMAT.spdx }],
  ])('should render %s as the renderer does on this thread', async (mimeType, query) => {
    const job = jobOf(result(3));
    const body = await thread.render(mimeType, job, query);
    // SPDX document namespaces end in a fresh UUID.
    const uuidless = (json: string) => json.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid');
    expect(uuidless(Buffer.from(body).toString('utf8'))).toEqual(uuidless(JSON.stringify(renderer.render(mimeType, { ...job, result: result(3) }, query))));
  });

  it('should reject a render it cannot do, and keep rendering', async () => {
    await expect(thread.render('application/x-unknown', jobOf(result(1)), {})).rejects.toThrow(/no renderer for report type/);
    expect((await thread.render(REPORT_MIME.vulnerabilityV1_1, jobOf(result(1)), {})).byteLength).toBeGreaterThan(100);
  });

  it('should leave this thread turning while it renders the SBOM of 100,000 files', async () => {
    const job = jobOf(result(100_000));
    let turns = 0;
    let rendering = true;
    const spin = (): void => {
      turns++;
      if (rendering) setImmediate(spin);
    };
    setImmediate(spin);
    const started = performance.now();
    const body = await thread.render(REPORT_MIME.sbomV1_0, job, { sbomMediaType: SBOM_FORMAT.cyclonedx });
    rendering = false;
    const ms = performance.now() - started;
    expect(body.byteLength).toBeGreaterThan(5_000_000);
    // The render takes hundreds of ms; this thread keeps running its loop meanwhile (≥ 1 turn per 2 ms).
    expect(turns).toBeGreaterThan(ms / 2);
  });
});
