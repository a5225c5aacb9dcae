/**
 * The Hugging Face `license:` vocabulary mapped to SPDX ids, or to `LicenseRef-<hf id>` where the SPDX
 * list has no entry, each with its policy traits (../shared/reference/model-scanners.md §4.2, from
 * huggingface/hub-docs `docs/hub/repositories-licenses.md`). Model cards, GGUF `general.license` and
 * config files reuse these ids, so one table serves them all.
 *
 * Deviations from the reference table, all to keep every emitted id valid and current:
 * - bare GPL/LGPL/AGPL versions (`gpl-3.0`) become `-only`, which is what the deprecated bare SPDX ids
 *   meant; nothing in an HF id says "or later";
 * - `openrail++` becomes `LicenseRef-openrail-pp`: `+` is not allowed in a LicenseRef id;
 * - family placeholders (`bsd`, `cc`, `gpl`, `lgpl`, `gfdl`) become `LicenseRef-<id>` marked as families.
 */
import {
  COPYLEFT,
  family,
  NC_ND,
  NC_SA,
  NO_DERIVATIVES,
  NON_COMMERCIAL,
  PERMISSIVE,
  RESEARCH_ONLY,
  SHARE_ALIKE,
  UNRESOLVED,
  USE_RESTRICTED,
  VENDOR_TERMS,
  type LicenseTrait,
} from './traits.js';

export interface KnownLicense {
  /** SPDX id, or `LicenseRef-…`; `NOASSERTION` for `unknown`/`other`. */
  readonly spdx: string;
  readonly name: string;
  readonly traits: readonly LicenseTrait[];
}

type Row = readonly [hfId: string, spdx: string, name: string, traits: readonly LicenseTrait[]];

const ref = (id: string) => `LicenseRef-${id}`;

const ROWS: readonly Row[] = [
  ['apache-2.0', 'Apache-2.0', 'Apache License 2.0', PERMISSIVE],
  ['mit', 'MIT', 'MIT License', PERMISSIVE],
  ['openrail', ref('openrail'), 'OpenRAIL license family', family(USE_RESTRICTED)],
  ['bigscience-openrail-m', ref('bigscience-openrail-m'), 'BigScience OpenRAIL-M', USE_RESTRICTED],
  ['creativeml-openrail-m', ref('creativeml-openrail-m'), 'CreativeML OpenRAIL-M', USE_RESTRICTED],
  ['bigscience-bloom-rail-1.0', ref('bigscience-bloom-rail-1.0'), 'BigScience BLOOM RAIL 1.0', USE_RESTRICTED],
  ['bigcode-openrail-m', ref('bigcode-openrail-m'), 'BigCode Open RAIL-M v1', USE_RESTRICTED],
  ['afl-3.0', 'AFL-3.0', 'Academic Free License v3.0', PERMISSIVE],
  ['artistic-2.0', 'Artistic-2.0', 'Artistic License 2.0', PERMISSIVE],
  ['bsl-1.0', 'BSL-1.0', 'Boost Software License 1.0', PERMISSIVE],
  ['bsd', ref('bsd'), 'BSD license family (version not stated)', family()],
  ['bsd-2-clause', 'BSD-2-Clause', 'BSD 2-Clause "Simplified" License', PERMISSIVE],
  ['bsd-3-clause', 'BSD-3-Clause', 'BSD 3-Clause "New" or "Revised" License', PERMISSIVE],
  ['bsd-3-clause-clear', 'BSD-3-Clause-Clear', 'BSD 3-Clause Clear License', PERMISSIVE],
  ['c-uda', 'C-UDA-1.0', 'Computational Use of Data Agreement v1.0', USE_RESTRICTED],
  ['cc', ref('cc'), 'Creative Commons license family (could be non-commercial or no-derivatives)', family()],
  ['cc0-1.0', 'CC0-1.0', 'Creative Commons Zero v1.0 Universal', PERMISSIVE],
  ['cc-by-2.0', 'CC-BY-2.0', 'Creative Commons Attribution 2.0', PERMISSIVE],
  ['cc-by-2.5', 'CC-BY-2.5', 'Creative Commons Attribution 2.5', PERMISSIVE],
  ['cc-by-3.0', 'CC-BY-3.0', 'Creative Commons Attribution 3.0', PERMISSIVE],
  ['cc-by-4.0', 'CC-BY-4.0', 'Creative Commons Attribution 4.0', PERMISSIVE],
  ['cc-by-sa-3.0', 'CC-BY-SA-3.0', 'Creative Commons Attribution Share Alike 3.0', SHARE_ALIKE],
  ['cc-by-sa-4.0', 'CC-BY-SA-4.0', 'Creative Commons Attribution Share Alike 4.0', SHARE_ALIKE],
  ['cc-by-nc-2.0', 'CC-BY-NC-2.0', 'Creative Commons Attribution Non Commercial 2.0', NON_COMMERCIAL],
  ['cc-by-nc-3.0', 'CC-BY-NC-3.0', 'Creative Commons Attribution Non Commercial 3.0', NON_COMMERCIAL],
  ['cc-by-nc-4.0', 'CC-BY-NC-4.0', 'Creative Commons Attribution Non Commercial 4.0', NON_COMMERCIAL],
  ['cc-by-nd-4.0', 'CC-BY-ND-4.0', 'Creative Commons Attribution No Derivatives 4.0', NO_DERIVATIVES],
  ['cc-by-nc-nd-3.0', 'CC-BY-NC-ND-3.0', 'Creative Commons Attribution Non Commercial No Derivatives 3.0', NC_ND],
  ['cc-by-nc-nd-4.0', 'CC-BY-NC-ND-4.0', 'Creative Commons Attribution Non Commercial No Derivatives 4.0', NC_ND],
  ['cc-by-nc-sa-2.0', 'CC-BY-NC-SA-2.0', 'Creative Commons Attribution Non Commercial Share Alike 2.0', NC_SA],
  ['cc-by-nc-sa-3.0', 'CC-BY-NC-SA-3.0', 'Creative Commons Attribution Non Commercial Share Alike 3.0', NC_SA],
  ['cc-by-nc-sa-4.0', 'CC-BY-NC-SA-4.0', 'Creative Commons Attribution Non Commercial Share Alike 4.0', NC_SA],
  ['cdla-sharing-1.0', 'CDLA-Sharing-1.0', 'Community Data License Agreement Sharing 1.0', SHARE_ALIKE],
  ['cdla-permissive-1.0', 'CDLA-Permissive-1.0', 'Community Data License Agreement Permissive 1.0', PERMISSIVE],
  ['cdla-permissive-2.0', 'CDLA-Permissive-2.0', 'Community Data License Agreement Permissive 2.0', PERMISSIVE],
  ['wtfpl', 'WTFPL', 'Do What The F*ck You Want To Public License', PERMISSIVE],
  ['ecl-2.0', 'ECL-2.0', 'Educational Community License v2.0', PERMISSIVE],
  ['epl-1.0', 'EPL-1.0', 'Eclipse Public License 1.0', SHARE_ALIKE],
  ['epl-2.0', 'EPL-2.0', 'Eclipse Public License 2.0', SHARE_ALIKE],
  ['etalab-2.0', 'etalab-2.0', 'Etalab Open License 2.0', PERMISSIVE],
  ['eupl-1.1', 'EUPL-1.1', 'European Union Public License 1.1', SHARE_ALIKE],
  ['eupl-1.2', 'EUPL-1.2', 'European Union Public License 1.2', SHARE_ALIKE],
  ['agpl-3.0', 'AGPL-3.0-only', 'GNU Affero General Public License v3.0 ("or later" not stated)', COPYLEFT],
  ['gfdl', ref('gfdl'), 'GNU Free Documentation License family', family(SHARE_ALIKE)],
  ['gpl', ref('gpl'), 'GNU General Public License family', family(COPYLEFT)],
  ['gpl-2.0', 'GPL-2.0-only', 'GNU General Public License v2.0 ("or later" not stated)', COPYLEFT],
  ['gpl-3.0', 'GPL-3.0-only', 'GNU General Public License v3.0 ("or later" not stated)', COPYLEFT],
  ['lgpl', ref('lgpl'), 'GNU Lesser General Public License family', family(SHARE_ALIKE)],
  ['lgpl-2.1', 'LGPL-2.1-only', 'GNU Lesser General Public License v2.1 ("or later" not stated)', SHARE_ALIKE],
  ['lgpl-3.0', 'LGPL-3.0-only', 'GNU Lesser General Public License v3.0 ("or later" not stated)', SHARE_ALIKE],
  ['isc', 'ISC', 'ISC License', PERMISSIVE],
  ['h-research', ref('h-research'), 'H Research License', RESEARCH_ONLY],
  ['intel-research', ref('intel-research'), 'Intel Research Use License Agreement', RESEARCH_ONLY],
  ['lppl-1.3c', 'LPPL-1.3c', 'LaTeX Project Public License v1.3c', SHARE_ALIKE],
  ['ms-pl', 'MS-PL', 'Microsoft Public License', SHARE_ALIKE],
  ['apple-ascl', ref('apple-ascl'), 'Apple Sample Code License', VENDOR_TERMS],
  ['apple-amlr', ref('apple-amlr'), 'Apple Model License for Research', RESEARCH_ONLY],
  ['mpl-2.0', 'MPL-2.0', 'Mozilla Public License 2.0', SHARE_ALIKE],
  ['odc-by', 'ODC-By-1.0', 'Open Data Commons Attribution License v1.0', PERMISSIVE],
  ['odbl', 'ODbL-1.0', 'Open Database License v1.0', SHARE_ALIKE],
  ['openmdw-1.0', ref('openmdw-1.0'), 'Open Model, Data & Weights License Agreement 1.0', VENDOR_TERMS],
  ['openmdw-1.1', ref('openmdw-1.1'), 'Open Model, Data & Weights License Agreement 1.1', VENDOR_TERMS],
  ['openrail++', ref('openrail-pp'), 'Open RAIL++-M License', USE_RESTRICTED],
  ['osl-3.0', 'OSL-3.0', 'Open Software License 3.0', COPYLEFT],
  ['postgresql', 'PostgreSQL', 'PostgreSQL License', PERMISSIVE],
  ['ofl-1.1', 'OFL-1.1', 'SIL Open Font License 1.1', SHARE_ALIKE],
  ['ncsa', 'NCSA', 'University of Illinois/NCSA Open Source License', PERMISSIVE],
  ['unlicense', 'Unlicense', 'The Unlicense', PERMISSIVE],
  ['zlib', 'Zlib', 'zlib License', PERMISSIVE],
  ['pddl', 'PDDL-1.0', 'Open Data Commons Public Domain Dedication and License 1.0', PERMISSIVE],
  ['lgpl-lr', 'LGPLLR', 'Lesser General Public License For Linguistic Resources', SHARE_ALIKE],
  ['deepfloyd-if-license', ref('deepfloyd-if-license'), 'DeepFloyd IF Research License Agreement', RESEARCH_ONLY],
  ['fair-noncommercial-research-license', ref('fair-noncommercial-research-license'), 'FAIR Noncommercial Research License', RESEARCH_ONLY],
  ['llama2', ref('llama2'), 'Llama 2 Community License Agreement', VENDOR_TERMS],
  ['llama3', ref('llama3'), 'Meta Llama 3 Community License Agreement', VENDOR_TERMS],
  ['llama3.1', ref('llama3.1'), 'Llama 3.1 Community License Agreement', VENDOR_TERMS],
  ['llama3.2', ref('llama3.2'), 'Llama 3.2 Community License Agreement', VENDOR_TERMS],
  ['llama3.3', ref('llama3.3'), 'Llama 3.3 Community License Agreement', VENDOR_TERMS],
  ['llama4', ref('llama4'), 'Llama 4 Community License Agreement', VENDOR_TERMS],
  ['grok2-community', ref('grok2-community'), 'Grok 2 Community License Agreement', VENDOR_TERMS],
  ['gemma', ref('gemma'), 'Gemma Terms of Use', VENDOR_TERMS],
  ['unknown', 'NOASSERTION', 'unknown (declared as `unknown`)', UNRESOLVED],
  ['other', 'NOASSERTION', 'other (declared as `other`)', UNRESOLVED],
];

const BY_HF_ID = new Map<string, KnownLicense>(ROWS.map(([id, spdx, name, traits]) => [id, { spdx, name, traits }]));
const BY_REF = new Map<string, KnownLicense>(
  ROWS.filter(([, spdx]) => spdx.startsWith('LicenseRef-')).map(([, spdx, name, traits]) => [spdx.toLowerCase(), { spdx, name, traits }]),
);
const BY_SPDX = new Map<string, KnownLicense>(
  ROWS.filter(([, spdx]) => !spdx.startsWith('LicenseRef-') && spdx !== 'NOASSERTION').map(([, spdx, name, traits]) => [spdx, { spdx, name, traits }]),
);

/** The HF vocabulary entry for an id as a card writes it (case-insensitive). */
export function hfLicense(id: string): KnownLicense | undefined {
  return BY_HF_ID.get(id.trim().toLowerCase());
}

/** A `LicenseRef-…` this table defines (case-insensitive), with its canonical spelling. */
export function knownLicenseRef(ref: string): KnownLicense | undefined {
  return BY_REF.get(ref.toLowerCase());
}

/** The vocabulary's entry for an SPDX id, for its name and traits. */
export function vocabularyEntryForSpdx(id: string): KnownLicense | undefined {
  return BY_SPDX.get(id);
}

/** Every HF id of the table, for tests. */
export const HF_LICENSE_IDS: readonly string[] = ROWS.map(([id]) => id);
