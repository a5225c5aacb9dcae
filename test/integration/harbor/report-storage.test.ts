/**
 * Reports as Harbor stores them (test/harbor-sim/report-store.ts): a NUL byte in a finding must not fail
 * Harbor's insert (it would hide the Critical finding), artifact-level findings of a *Scan all* must not
 * collide on one shared record, and a record's text must describe what its key names, for every
 * artifact that shares it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import { HarborReportStore, HarborSimulator, type ScanOutcome } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST } from '../../services/push.js';
import { pushFilesImage, type PushedModel } from '../../support/model-artifacts.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const registry = REGISTRIES.plain;
const robot = { name: ROBOT_USER.username, secret: ROBOT_USER.password };

/** Protocol 0 `os.system(...)` whose argument carries a NUL: Critical, and the NUL reaches the report text. */
const NUL_GLOBAL = new TextEncoder().encode('cos\nsystem\n(Vecho\u0000pwned\ntR.');

const scan = (harbor: HarborSimulator, model: PushedModel): Promise<ScanOutcome> =>
  harbor.scan({
    artifact: { repository: model.repository, digest: model.digest, tag: model.tag, manifestMediaType: OCI_MANIFEST, size: model.harborSize, harborType: 'IMAGE' },
    registry: { url: registry.url, robot },
  });

describe('reports stored as Harbor stores them', () => {
  let scanner: TestScanner;

  beforeAll(async () => {
    scanner = await startTestScanner();
  });
  afterAll(async () => scanner.stop());

  it('should keep a finding whose text holds a NUL, written visibly, and the scan succeeds', async () => {
    const store = new HarborReportStore();
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST, store });
    const model = await pushFilesImage({ registry }, uniqueRepository('nul'), { 'model/weights.pkl': NUL_GLOBAL });
    const outcome = await scan(harbor, model);
    expect(outcome.error).toBeUndefined();
    const records = store.recordsOf(model.digest).filter((r) => r.package === 'model/weights.pkl');
    expect(records.map((r) => r.severity)).toContain('Critical');
    expect(records.some((r) => JSON.stringify(r).includes('\\\\x00'))).toBe(true);
    const body = outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1)!.body!;
    expect(body).not.toContain('\\u0000');
  });

  it('should run a Scan all of artifacts that each lack a licence without a duplicate-key failure', async () => {
    const store = new HarborReportStore();
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST, store });
    const models = await Promise.all(
      Array.from({ length: 6 }, (_, i) => pushFilesImage({ registry }, uniqueRepository(`scan-all-${i}`), { 'model/config.json': `{"model_type": "bert", "n": ${i}}` })),
    );
    const outcomes = await Promise.all(models.map((m) => scan(harbor, m)));
    expect(outcomes.map((o) => o.error)).toEqual(models.map(() => undefined));
    // Each artifact's "no licence" is its own record, keyed by its manifest digest: one shared key is
    // what collides when Harbor inserts it for several artifacts at once.
    for (const model of models) {
      const missing = store.recordsOf(model.digest).filter((r) => r.id === 'license.missing');
      expect(missing).toHaveLength(1);
      expect([...missing[0]!.artifacts]).toEqual([model.digest]);
    }
  });

  it('should never show one artifact a licence conflict that names another artifact\'s files', async () => {
    const store = new HarborReportStore();
    const harbor = new HarborSimulator({ url: scanner.url, timing: FAST, store });
    const card = '---\nlicense: apache-2.0\n---\n# a model\n';
    const first = await pushFilesImage({ registry }, uniqueRepository('conflict-a'), { 'README.md': card, 'config.json': '{"license": "mit"}' });
    const second = await pushFilesImage({ registry }, uniqueRepository('conflict-b'), { 'README.md': card, 'config.json': '{"license": "gpl-3.0"}' });
    for (const model of [first, second]) expect((await scan(harbor, model)).error).toBeUndefined();
    const conflictOf = (model: PushedModel) => store.recordsOf(model.digest).find((r) => r.id === 'license.conflict');
    expect(conflictOf(first)?.description).toMatch(/MIT/);
    expect(conflictOf(second)?.description).toMatch(/GPL-3\.0/);
    expect(conflictOf(second)?.description).not.toMatch(/MIT/);
  });
});
