/**
 * Full-text identification against the SPDX texts, on the fixture texts and on the edits real LICENSE
 * files carry (markdown, re-wrapped lines, filled-in copyright lines, appended notices). The accuracy
 * over all cases is asserted as a whole too, so a regression in one normaliser shows as a number.
 */
import { readFileSync } from 'node:fs';
import full from 'spdx-license-list/full.js';
import { describe, expect, it } from 'vitest';
import { identifyLicenseText } from '../../../../analyzers/license/license-text.js';
import { matchLicenseText } from '../../../../analyzers/license/text-match.js';

const fixture = (path: string) => readFileSync(new URL(`../../../fixtures/license/${path}`, import.meta.url), 'utf8');
const text = (id: string) => full[id]!.licenseText;
/** Re-wraps a text to a new line width, as editors and markdown renderers do. */
const rewrap = (t: string, width: number) => t.replace(/\s+/g, ' ').replace(new RegExp(`(.{1,${width}})(\\s|$)`, 'g'), '$1\n');

const CASES: ReadonlyArray<readonly [name: string, text: string, expected: string]> = [
  ['Apache-2.0 fixture', fixture('apache/LICENSE'), 'Apache-2.0'],
  ['MIT fixture with a copyright line', fixture('mit/LICENSE.md'), 'MIT'],
  ['GPL-3.0 fixture', fixture('gpl-3.0/COPYING'), 'GPL-3.0-only'],
  ['CC-BY-NC-4.0 fixture', fixture('cc-by-nc-4.0/LICENSE.txt'), 'CC-BY-NC-4.0'],
  ['Apache-2.0 as markdown', `# Apache License\n\n**Version 2.0**\n\n${text('Apache-2.0').replace(/^/gm, '> ')}`, 'Apache-2.0'],
  ['Apache-2.0 with a NOTICE appended', `${text('Apache-2.0')}\n\nThis product bundles:\n${text('MIT')}`, 'Apache-2.0'],
  ['MIT re-wrapped at 60 columns', rewrap(text('MIT'), 60), 'MIT'],
  ['BSD-3-Clause re-wrapped', rewrap(text('BSD-3-Clause'), 100), 'BSD-3-Clause'],
  ['BSD-2-Clause', text('BSD-2-Clause'), 'BSD-2-Clause'],
  ['MIT-0 (not MIT)', text('MIT-0'), 'MIT-0'],
  ['CC-BY-4.0 (not NC)', text('CC-BY-4.0'), 'CC-BY-4.0'],
  ['CC-BY-NC-SA-4.0', rewrap(text('CC-BY-NC-SA-4.0'), 80), 'CC-BY-NC-SA-4.0'],
  ['CC-BY-NC-ND-4.0', text('CC-BY-NC-ND-4.0'), 'CC-BY-NC-ND-4.0'],
  ['AGPL-3.0 (not GPL)', text('AGPL-3.0-only'), 'AGPL-3.0-only'],
  ['LGPL-2.1', text('LGPL-2.1-only'), 'LGPL-2.1-only'],
  ['MPL-2.0 with licence spelling', text('MPL-2.0').replace(/License/g, 'Licence'), 'MPL-2.0'],
  ['ISC with a copyright line', text('ISC').replace(/^.*Copyright.*$/m, 'Copyright (c) 2024, Example'), 'ISC'],
  ['Llama 3.1 license header', fixture('llama3.1/LICENSE'), 'LicenseRef-llama3.1'],
];

describe('identifyLicenseText', () => {
  it.each(CASES)('should identify the %s when matched', async (_name, input, expected) => {
    expect((await identifyLicenseText(input, 'license'))?.spdx).toBe(expected);
  });

  it('should identify every case, reporting the accuracy, when run over the whole table', async () => {
    let correct = 0;
    for (const [, input, expected] of CASES) if ((await identifyLicenseText(input, 'license'))?.spdx === expected) correct++;
    console.info(`license text identification: ${correct}/${CASES.length} correct`);
    expect(correct).toBe(CASES.length);
  });

  it('should name an unknown custom text by its content hash when nothing matches', async () => {
    const custom = fixture('custom/LICENSE');
    const first = await identifyLicenseText(custom, 'license');
    expect(first?.spdx).toMatch(/^LicenseRef-unidentified-[0-9a-f]{12}$/);
    // Whitespace and case do not change the name.
    expect((await identifyLicenseText(custom.toUpperCase().replace(/\n/g, '\n\n'), 'license'))?.spdx).toBe(first?.spdx);
  });

  it('should report a license a NOTICE mentions with low confidence, and nothing for a plain NOTICE', async () => {
    expect(await identifyLicenseText(fixture('conflict/NOTICE'), 'notice')).toMatchObject({ spdx: 'LicenseRef-llama3.1', confidence: 0.6 });
    expect(await identifyLicenseText('This product includes software developed by Example Corp.', 'notice')).toBeUndefined();
  });

  it('should score the reference text 1 and keep GPL -only first among identical texts when matched', async () => {
    const { best } = await matchLicenseText(text('GPL-3.0-or-later'));
    expect(best).toMatchObject({ id: 'GPL-3.0-only', score: 1 });
    expect(best?.sameText).toContain('GPL-3.0-or-later');
  });
});
