import { describe, expect, it } from 'vitest';
import deprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import { expressionLicenses, identifyDeclared, licenseRef, normalizeExpression } from '../../../../analyzers/license/spdx-id.js';

describe('identifyDeclared', () => {
  it.each([
    ['apache-2.0', 'Apache-2.0', 1],
    ['MIT', 'MIT', 1],
    ['llama3.1', 'LicenseRef-llama3.1', 1],
    ['gemma', 'LicenseRef-gemma', 1],
    ['openrail++', 'LicenseRef-openrail-pp', 1],
    ['gpl-3.0', 'GPL-3.0-only', 1],
    ['unknown', 'NOASSERTION', 1],
    ['', 'NOASSERTION', 1],
    ['GPL-3.0', 'GPL-3.0-only', 1],
    ['GPL-2.0+', 'GPL-2.0-or-later', 1],
    ['LGPL-2.1+ OR MIT', 'LGPL-2.1-or-later OR MIT', 1],
    ['GPL-2.0-with-classpath-exception', 'GPL-2.0-only WITH Classpath-exception-2.0', 1],
    ['(MIT OR Apache-2.0) AND BSD-3-Clause', '(MIT OR Apache-2.0) AND BSD-3-Clause', 1],
    ['apache-2.0 or mit', 'Apache-2.0 OR MIT', 0.95],
    ['Apache License 2.0', 'Apache-2.0', 0.8],
    ['This model is under the Llama 3.1 Community License', 'LicenseRef-llama3.1', 0.9],
    ['ACME Model License v2', 'LicenseRef-ACME-Model-License-v2', 1],
  ])('should identify %j as %s when declared', (value, spdx, confidence) => {
    expect(identifyDeclared(value)).toMatchObject({ spdx, confidence });
  });

  it('should never emit a deprecated SPDX id when any deprecated id is declared', () => {
    for (const id of deprecatedIds) {
      const { spdx } = identifyDeclared(id);
      expect(expressionLicenses(spdx).filter((leaf) => deprecatedIds.includes(leaf)), `${id} → ${spdx}`).toEqual([]);
    }
  });
});

describe('licenseRef', () => {
  it.each([
    ['acme research license', 'LicenseRef-acme-research-license'],
    ['../../etc', 'LicenseRef-etc'],
    ['LLAMA3.1', 'LicenseRef-llama3.1'],
    ['!!!', undefined],
  ])('should make %j a valid LicenseRef id when sanitised', (name, ref) => {
    expect(licenseRef(name)).toBe(ref);
  });
});

describe('normalizeExpression', () => {
  it('should return undefined when the text is not an SPDX expression', () => {
    expect(normalizeExpression('apache 2')).toBeUndefined();
  });
});
