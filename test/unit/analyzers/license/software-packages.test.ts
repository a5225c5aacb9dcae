/**
 * Licences of installed software in an image (Python distributions, Debian packages) describe that
 * software: read from its own metadata into SBOM components, never `license.*` findings about the model.
 * The metadata texts are written here after the real ones (numpy 2.x and packaging use PEP 639
 * `License-Expression`, certifi a `License:` name, older distributions a licence text plus classifiers).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { inPackageMetadata, packageMetadataKind, softwarePackage } from '../../../../analyzers/license/software-packages.js';
import { licenseFileRole } from '../../../../analyzers/license/sources.js';
import { main } from '../../../../cli/main.js';
import { cycloneDxValidator, describeErrors, spdxValidator } from '../../../support/official-schemas.js';
import { spdxSpecErrors } from '../../server/report/spdx-spec-schema.js';

const NUMPY = `Metadata-Version: 2.4
Name: numpy
Version: 2.1.3
Summary: Fundamental package for array computing in Python
License-Expression: BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0
License-File: LICENSE.txt
Classifier: Programming Language :: Python

NumPy is the fundamental package for scientific computing with Python.
License: GPL-3.0-only (a line of the description, not a header)
`;
const OLD_STYLE = `Metadata-Version: 2.1
Name: Old_Style.Package
Version: 1.0
License: Copyright (c) 2010, Someone
        All rights reserved.
        Redistribution and use in source and binary forms ...
Classifier: License :: OSI Approved :: BSD License
Classifier: License :: OSI Approved :: MIT License
`;
const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: scipy

Files: *
Copyright: 2001-2023 SciPy Developers
License: BSD-3-clause

Files: scipy/optimize/_lbfgsb/*
License: BSD-3-clause

License: BSD-3-clause
 Redistribution and use in source and binary forms ...
`;

describe('software package metadata', () => {
  it('should recognise metadata files by where they are, and their licence files as theirs', () => {
    expect(packageMetadataKind('lib/python3.11/site-packages/numpy-2.1.3.dist-info/METADATA')).toBe('pypi');
    expect(packageMetadataKind('Jinja2-3.1.2.egg-info/PKG-INFO')).toBe('pypi');
    expect(packageMetadataKind('usr/share/doc/python3-scipy/copyright')).toBe('deb');
    expect(packageMetadataKind('model/METADATA')).toBeUndefined();
    expect(inPackageMetadata('numpy-2.1.3.dist-info/LICENSE.txt')).toBe(true);
    expect(inPackageMetadata('numpy-2.1.3.dist-info/licenses/LICENSE.txt')).toBe(true);
    expect(licenseFileRole('numpy-2.1.3.dist-info/LICENSE.txt')).toBeUndefined();
    expect(licenseFileRole('my-model/LICENSE.txt')).toBe('license-file');
  });

  it('should take the declared SPDX expression, headers only', () => {
    expect(softwarePackage('pypi', 'numpy-2.1.3.dist-info/METADATA', NUMPY)).toEqual({
      kind: 'software-package',
      file: 'numpy-2.1.3.dist-info/METADATA',
      ecosystem: 'pypi',
      name: 'numpy',
      version: '2.1.3',
      license: 'BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0',
      declared: 'BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0',
    });
    expect(softwarePackage('pypi', 'p/METADATA', 'Name: packaging\nVersion: 24.1\nLicense-Expression: Apache-2.0 OR BSD-2-Clause\n')?.license).toBe('Apache-2.0 OR BSD-2-Clause');
    expect(softwarePackage('pypi', 'c/METADATA', 'Name: certifi\nVersion: 2024.8.30\nLicense: MPL-2.0\n')?.license).toBe('MPL-2.0');
  });

  it('should fall back to the trove classifiers when License holds a text, and not guess which BSD', () => {
    expect(softwarePackage('pypi', 'o/METADATA', OLD_STYLE)?.license).toBe('MIT');
    expect(softwarePackage('pypi', 'o/METADATA', 'Name: x\nClassifier: License :: OSI Approved :: BSD License\n')?.license).toBe('NOASSERTION');
  });

  it('should read the Files: * paragraph of a DEP-5 copyright file', () => {
    expect(softwarePackage('deb', 'usr/share/doc/python3-scipy/copyright', DEP5)).toMatchObject({ ecosystem: 'deb', name: 'python3-scipy', license: 'BSD-3-Clause' });
    expect(softwarePackage('deb', 'usr/share/doc/x/copyright', 'This package was debianized by someone.\n')?.license).toBe('NOASSERTION');
  });
});

describe('an image-like tree with a model and an environment', () => {
  it('should report only the model\'s licence, and list the installed packages in the SBOMs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'env-'));
    const fixtures = fileURLToPath(new URL('../../../fixtures/license/', import.meta.url));
    cpSync(path.join(fixtures, 'mit'), path.join(dir, 'models/classifier'), { recursive: true });
    const numpy = path.join(dir, 'venv/numpy-2.1.3.dist-info');
    mkdirSync(numpy, { recursive: true });
    writeFileSync(path.join(numpy, 'METADATA'), NUMPY);
    // A bundled-licences file with a GPL text, as numpy's carries for a runtime it ships.
    cpSync(path.join(fixtures, 'gpl-3.0/COPYING'), path.join(numpy, 'LICENSE.txt'));
    mkdirSync(path.join(dir, 'usr/share/doc/python3-scipy'), { recursive: true });
    writeFileSync(path.join(dir, 'usr/share/doc/python3-scipy/copyright'), DEP5);

    const out = path.join(dir, 'report.json');
    const spdxFile = path.join(dir, 'sbom.spdx.json');
    const cdxFile = path.join(dir, 'sbom.cdx.json');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await main(['scan', dir, '-f', 'json', '-o', out, '--sbom', spdxFile], {});
      await main(['scan', dir, '-f', 'json', '-o', out, '--sbom', cdxFile, '--sbom-format', 'cyclonedx'], {});
    } finally {
      vi.restoreAllMocks();
    }
    const report = JSON.parse(readFileSync(out, 'utf8')) as { findings: { id: string; file: string }[] };
    expect(report.findings.filter((f) => f.id.startsWith('license.'))).toEqual([]);

    const spdx = JSON.parse(readFileSync(spdxFile, 'utf8')) as { packages: { name: string; licenseDeclared: string; externalRefs?: { referenceLocator: string }[] }[] };
    const numpyPackage = spdx.packages.find((p) => p.name === 'numpy');
    expect(numpyPackage).toMatchObject({ licenseDeclared: 'BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0', externalRefs: [{ referenceLocator: 'pkg:pypi/numpy@2.1.3' }] });
    expect(spdx.packages.find((p) => p.name === 'python3-scipy')?.licenseDeclared).toBe('BSD-3-Clause');
    expect(spdxSpecErrors(spdx)).toEqual([]);
    const validateSpdx = spdxValidator();
    if (validateSpdx) expect(validateSpdx(spdx), describeErrors(validateSpdx)).toBe(true);

    const cdx = JSON.parse(readFileSync(cdxFile, 'utf8')) as { components: { type: string; name: string; purl?: string }[] };
    expect(cdx.components).toContainEqual(expect.objectContaining({ type: 'library', name: 'numpy', purl: 'pkg:pypi/numpy@2.1.3' }));
    const validateCdx = cycloneDxValidator();
    if (validateCdx) expect(validateCdx(cdx), describeErrors(validateCdx)).toBe(true);
  });
});
