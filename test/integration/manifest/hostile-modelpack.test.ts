/**
 * A hostile ModelPack artifact pushed to a real registry and scanned the two ways the scanner is used:
 * by Harbor (the model-security flavor of the simulator against a scanner server) and by the CLI's
 * `oci://` target. Both must report what the manifest and the layer walk reveal: a filepath annotation
 * escaping the model directory, a forged diff ID, a pickle in a `weight.v1.raw` layer named
 * `model.safetensors`, and a tar layer with a symlink out of the root and a setuid file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { REPORT_MIME } from '../../../spec/mime.js';
import { ModelSecurityReportSchema } from '../../../spec/schemas.js';
import { HarborSimulator } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER, uniqueRepository } from '../../services/endpoints.js';
import { OCI_MANIFEST, pushArtifact, sha256Digest, type PushedArtifact } from '../../services/push.js';
import { startTestScanner, type TestScanner } from '../../support/scanner.js';
import { tarArchive, tarEntry } from '../../support/tar-builder.js';

const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
const registry = REGISTRIES.plain;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2. */
const PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));

/** [rule id, file] pairs both scans must report. */
const EXPECTED: ReadonlyArray<readonly [string, string]> = [
  ['engine.content-mismatch', 'model.safetensors'],
  ['manifest.unsafe-filepath', 'etc/cron.d/evil'],
  ['manifest.diff-id-mismatch', 'etc/cron.d/evil'],
  ['archive.link-escape', 'bin/creds'],
  ['archive.setuid', 'bin/tool'],
];

async function pushHostileModelPack(repository: string): Promise<PushedArtifact & { size: number }> {
  const layers = [
    { mediaType: 'application/vnd.cncf.model.weight.v1.raw', bytes: PICKLE, annotations: { 'org.cncf.model.filepath': 'model.safetensors' } },
    { mediaType: 'application/vnd.cncf.model.doc.v1.raw', bytes: encode('* * * * * root sh /tmp/x\n'), annotations: { 'org.cncf.model.filepath': '../../etc/cron.d/evil' } },
    {
      mediaType: 'application/vnd.cncf.model.code.v1.tar',
      bytes: tarArchive([tarEntry({ name: 'bin/tool', mode: 0o4755 }, '#!/bin/sh\nid\n'), tarEntry({ name: 'bin/creds', type: '2', linkname: '../../root/.ssh/id_rsa' })]),
      annotations: { 'org.cncf.model.filepath': 'bin/' },
    },
  ];
  // modctl writes the layer digests; the second is forged.
  const diffIds = [sha256Digest(layers[0]!.bytes), sha256Digest(encode('not the README')), sha256Digest(layers[2]!.bytes)];
  const config = { descriptor: { name: 'innocent-model' }, config: { format: 'safetensors' }, modelfs: { type: 'layers', diffIds } };
  const pushed = await pushArtifact({ registry }, repository, 'v1', {
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', bytes: encode(JSON.stringify(config)) },
    layers,
  });
  return { ...pushed, size: pushed.manifestBytes.length + pushed.config.size + pushed.layers.reduce((n, l) => n + l.size, 0) };
}

function expectReported(found: ReadonlyArray<readonly [string, string]>): void {
  expect(found).toEqual(expect.arrayContaining(EXPECTED.map((pair) => [...pair])));
}

describe('hostile ModelPack through the registry', () => {
  let repository: string;
  let model: PushedArtifact & { size: number };

  beforeAll(async () => {
    repository = uniqueRepository('manifest-hostile');
    model = await pushHostileModelPack(repository);
  });

  describe('scanned by Harbor (model-security flavor)', () => {
    let scanner: TestScanner;

    beforeAll(async () => {
      scanner = await startTestScanner({ SCANNER_MODEL_SECURITY: 'true' });
    });
    afterAll(async () => scanner.stop());

    it('should report the manifest and layer findings in the model-security report', async () => {
      const harbor = new HarborSimulator({ url: scanner.url, flavor: 'model-security', timing: FAST });
      const outcome = await harbor.scan({
        artifact: { repository, digest: model.digest, tag: 'v1', manifestMediaType: OCI_MANIFEST, size: model.size, harborType: 'CNAI' },
        registry: { url: registry.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
      });
      expect(outcome.error).toBeUndefined();
      const body = outcome.reports.find((r) => r.mimeType === REPORT_MIME.modelSecurityV1_0)?.body;
      const report = ModelSecurityReportSchema.parse(JSON.parse(body ?? 'null'));
      expectReported(report.findings.map((f) => [f.id, f.file ?? ''] as const));
      expect(report.summary.scanners).toContain('manifest');
      // High from the manifest and archive rules; Critical once the pickle analyzer reads os.system.
      expect(['High', 'Critical']).toContain(report.severity);
    });
  });

  describe('scanned by the CLI', () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'manifest-cli-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('should report the same findings for the oci:// target', async () => {
      const output = path.join(dir, 'report.json');
      const target = `oci://${new URL(registry.url).host}/${repository}@${model.digest}`;
      const code = await main(['scan', target, '--plain-http', '--format', 'json', '--output', output, '--fail-on', 'High'], { SCANNER_REGISTRY_RETRIES: '0' });
      expect(code).toBe(1);
      const report = JSON.parse(readFileSync(output, 'utf8')) as { findings: Array<{ id: string; file: string }> };
      expectReported(report.findings.map((f) => [f.id, f.file] as const));
    });
  });
});
