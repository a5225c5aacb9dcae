/**
 * The policy traits of an SPDX expression: from the HF vocabulary where it lists the id, else from the
 * SPDX id's family (Creative Commons NC/ND/SA, GNU and other copyleft licenses). `A AND B` carries both
 * licenses' traits; `A OR B` only those both share, since the licensee may pick either.
 */
import type { SpdxNode } from 'spdx-expression-parse';
import { NOASSERTION, parseExpression, UNIDENTIFIED_PREFIX } from './spdx-id.js';
import { COPYLEFT, PERMISSIVE, SHARE_ALIKE, UNRESOLVED, VENDOR_TERMS, type LicenseTrait } from './traits.js';
import { knownLicenseRef, vocabularyEntryForSpdx } from './vocabulary.js';

/** Strong and network copyleft: derived works as a whole must be released under the same terms. */
const STRONG_COPYLEFT = /^(?:A?GPL-|OSL-|SSPL-|RPL-|Sleepycat$|QPL-|CECILL-2)/;
/** File- or library-level copyleft and share-alike terms. */
const WEAK_COPYLEFT = /^(?:LGPL|MPL-|EPL-|EUPL-|CDDL-|CPL-|CPAL-|MS-RL$|MS-PL$|LPPL-|OFL-|CDLA-Sharing|ODbL-|GFDL-|CECILL-C|Artistic-1|APSL-|CC-BY-SA-|CC-BY-NC-SA-)/;
/** Creative Commons and other licenses that forbid commercial use. */
const NON_COMMERCIAL = /^(?:CC-BY-NC-|PolyForm-Noncommercial-|NCGL-|CC-PDM-NC)/;
const NO_DERIVATIVES = /^CC-BY-(?:NC-)?ND-/;

/** Traits of one expression; an unparseable one is unresolved. */
export function licenseTraits(expression: string): readonly LicenseTrait[] {
  if (expression === NOASSERTION || expression === 'NONE') return UNRESOLVED;
  const tree = parseExpression(expression);
  return tree ? nodeTraits(tree) : UNRESOLVED;
}

function nodeTraits(node: SpdxNode): readonly LicenseTrait[] {
  if ('license' in node) return idTraits(node.license);
  const left = nodeTraits(node.left);
  const right = nodeTraits(node.right);
  return node.conjunction === 'and' ? [...new Set([...left, ...right])] : left.filter((t) => right.includes(t));
}

function idTraits(id: string): readonly LicenseTrait[] {
  const known = vocabularyEntryForSpdx(id) ?? knownLicenseRef(id);
  if (known) return known.traits;
  if (id.startsWith(UNIDENTIFIED_PREFIX)) return UNRESOLVED;
  // A LicenseRef someone named (`license_name: acme-model-license`): custom terms to read.
  if (id.startsWith('LicenseRef-')) return VENDOR_TERMS;
  const traits: LicenseTrait[] = [];
  if (NON_COMMERCIAL.test(id)) traits.push('non-commercial');
  if (NO_DERIVATIVES.test(id)) traits.push('no-derivatives');
  if (STRONG_COPYLEFT.test(id)) traits.push(...COPYLEFT);
  else if (WEAK_COPYLEFT.test(id)) traits.push(...SHARE_ALIKE);
  return traits.length > 0 ? traits : PERMISSIVE;
}
