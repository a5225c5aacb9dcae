/** The CLI's license inventory (JSON and table) and `--sbom` output, on a license fixture directory. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { toCliReport } from '../../../cli/json-report.js';
import { main } from '../../../cli/main.js';
import { parseScanArgs, UsageError } from '../../../cli/options.js';
import { toTable } from '../../../cli/table-report.js';
import type { LicenseDeclaration } from '../../../analyzers/analyzer.js';
import { describeErrors, spdxValidator } from '../../support/official-schemas.js';
import { spdxSpecErrors } from '../server/report/spdx-spec-schema.js';

const CONFLICT = fileURLToPath(new URL('../../fixtures/license/conflict', import.meta.url));
const declaration: LicenseDeclaration = { kind: 'license', file: 'LICENSE', spdx: 'MIT', name: 'MIT License', source: 'license-file', confidence: 0.98, scope: 'artifact' };

describe('scan --sbom options', () => {
  it.each([
    [['scan', 'x', '--sbom', 'out.json'], { file: 'out.json', format: 'spdx' }],
    [['scan', 'x', '--sbom', 'out.json', '--sbom-format', 'cyclonedx'], { file: 'out.json', format: 'cyclonedx' }],
  ])('should parse %j', (argv, sbom) => {
    expect(parseScanArgs(argv, {})).toMatchObject({ sbom });
  });

  it.each([
    [['scan', 'x', '--sbom', 'o', '--sbom-format', 'xml'], /--sbom-format/],
    [['scan', 'x', '--sbom-format', 'spdx'], /needs --sbom/],
  ])('should reject %j', (argv, message) => {
    expect(() => parseScanArgs(argv, {})).toThrow(UsageError);
    expect(() => parseScanArgs(argv, {})).toThrow(message);
  });
});

describe('license inventory', () => {
  it('should list every declaration in the JSON report and the table', () => {
    const report = toCliReport({ name: 's', version: '1' }, ['x'], { filesScanned: 1, bytesScanned: 1 }, [], [declaration]);
    expect(report.licenses).toEqual([{ file: 'LICENSE', spdx: 'MIT', name: 'MIT License', source: 'license-file', confidence: 0.98 }]);
    expect(toTable(report)).toContain('Licenses:\n  MIT  LICENSE  license-file, confidence 0.98  MIT License');
  });

  it('should write the licenses to the JSON report and an SPDX SBOM to --sbom when scanning a directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-sbom-'));
    const out = path.join(dir, 'report.json');
    const sbom = path.join(dir, 'sbom.json');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['scan', CONFLICT, '--format', 'json', '--output', out, '--sbom', sbom], {});
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { licenses: Array<{ file: string; spdx: string }> };
    expect(report.licenses.map((l) => `${l.file} ${l.spdx}`).sort()).toEqual(['LICENSE LicenseRef-llama3.1', 'NOTICE LicenseRef-llama3.1', 'README.md Apache-2.0']);
    const doc = JSON.parse(readFileSync(sbom, 'utf8')) as {
      spdxVersion: string;
      packages: Array<{ name: string; licenseDeclared: string; primaryPackagePurpose: string; checksums?: Array<{ checksumValue: string }> }>;
    };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    // Each local file carries the SHA-256 of its bytes.
    const files = doc.packages.filter((p) => p.primaryPackagePurpose === 'FILE');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect(file.checksums?.[0]?.checksumValue).toBe(createHash('sha256').update(readFileSync(path.join(CONFLICT, file.name))).digest('hex'));
    expect(doc.packages[0]).toMatchObject({ name: 'conflict', licenseDeclared: 'LicenseRef-llama3.1 AND Apache-2.0' });
    expect(spdxSpecErrors(doc)).toEqual([]);
    const validate = spdxValidator(); // the official schema, when SPDX_SCHEMA_FILE names a copy
    if (validate) expect(validate(doc), describeErrors(validate)).toBe(true);
  });
});
