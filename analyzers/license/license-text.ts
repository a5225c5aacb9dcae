/**
 * Identifies the license a LICENSE, COPYING or NOTICE file holds: a full SPDX text by similarity
 * (./text-match.ts), else a custom model license by its title (./titles.ts), else an unidentified
 * text named by its content hash, so the same custom text gets the same `LicenseRef` everywhere.
 */
import { createHash } from 'node:crypto';
import { MATCH_THRESHOLD, matchLicenseText } from './text-match.js';
import { licenseWords } from './text-normalize.js';
import { recognizeTitle } from './titles.js';
import { UNIDENTIFIED_PREFIX, type IdentifiedLicense } from './spdx-id.js';

/** Where a title counts as the file's heading rather than a mention in passing. */
const HEADING_CHARS = 600;
/** Confidence of a title heading a LICENSE file, and of a name a NOTICE file mentions. */
const HEADING_CONFIDENCE = 0.9;
const MENTION_CONFIDENCE = 0.6;

/**
 * `license` files must be a license (a title only counts in the heading; anything else is an
 * unidentified text); `notice` files are attributions that may name a license, and name nothing more
 * often than not (undefined then).
 */
export async function identifyLicenseText(text: string, kind: 'license' | 'notice'): Promise<IdentifiedLicense | undefined> {
  const { best } = await matchLicenseText(text);
  if (best && best.score >= MATCH_THRESHOLD) {
    const alternatives = best.sameText.length > 0 ? ` (same text as ${best.sameText.join(', ')})` : '';
    return { spdx: best.id, name: `${best.name}${alternatives}`, confidence: best.score };
  }
  const title = recognizeTitle(text);
  // A NOTICE names licenses in attributions ("X is licensed under …"): a mention wherever it stands.
  if (kind === 'notice') return title && { spdx: title.spdx, name: title.name, confidence: MENTION_CONFIDENCE };
  if (title && title.at < HEADING_CHARS) return { spdx: title.spdx, name: title.name, confidence: HEADING_CONFIDENCE };
  const words = licenseWords(text);
  if (words.length === 0) return undefined;
  const hash = createHash('sha256').update(words.join(' ')).digest('hex').slice(0, 12);
  // Confidence that the text is none of the known licenses: the best similarity's complement.
  return { spdx: `${UNIDENTIFIED_PREFIX}${hash}`, name: 'unidentified license text', confidence: round(1 - (best?.score ?? 0)) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
