import licenseIds from 'spdx-license-ids/index.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { licenseTraits } from '../../../../analyzers/license/classify.js';
import { expressionLicenses } from '../../../../analyzers/license/spdx-id.js';
import { HF_LICENSE_IDS, hfLicense } from '../../../../analyzers/license/vocabulary.js';

const CURRENT = new Set(licenseIds);

describe('Hugging Face license vocabulary', () => {
  it('should cover all 83 ids of the hub-docs table when loaded', () => {
    expect(HF_LICENSE_IDS).toHaveLength(83);
    expect(new Set(HF_LICENSE_IDS).size).toBe(83);
  });

  it.each(HF_LICENSE_IDS)('should map %s to a current SPDX id, a valid LicenseRef or NOASSERTION', (id) => {
    const { spdx } = hfLicense(id)!;
    const ok = spdx === 'NOASSERTION' || /^LicenseRef-[A-Za-z0-9.-]+$/.test(spdx) || expressionLicenses(spdx).every((leaf) => CURRENT.has(leaf));
    expect(ok, spdx).toBe(true);
  });
});

describe('licenseTraits', () => {
  it.each([
    ['Apache-2.0', []],
    ['CC-BY-NC-4.0', ['non-commercial']],
    ['CC-BY-NC-ND-4.0', ['non-commercial', 'no-derivatives']],
    ['CC-BY-ND-4.0', ['no-derivatives']],
    ['CC-BY-SA-4.0', ['share-alike']],
    ['GPL-3.0-only', ['copyleft']],
    ['AGPL-3.0-or-later', ['copyleft']],
    ['LGPL-2.1-only', ['share-alike']],
    ['MPL-2.0', ['share-alike']],
    ['LicenseRef-llama3.1', ['vendor-terms']],
    ['LicenseRef-creativeml-openrail-m', ['use-restricted']],
    ['LicenseRef-fair-noncommercial-research-license', ['non-commercial', 'vendor-terms']],
    ['LicenseRef-bsd', ['family-placeholder']],
    ['LicenseRef-acme', ['vendor-terms']],
    ['LicenseRef-unidentified-0123456789ab', ['unresolved']],
    ['NOASSERTION', ['unresolved']],
    ['MIT OR GPL-3.0-only', []],
    ['MIT AND GPL-3.0-only', ['copyleft']],
    ['CC-BY-NC-4.0 OR CC-BY-NC-SA-4.0', ['non-commercial']],
  ])('should give %s the traits %j when classified', (spdx, traits) => {
    expect([...licenseTraits(spdx)].sort()).toEqual([...traits].sort());
  });
});
