/**
 * Full-text identification of license files against the SPDX license list (the texts shipped by
 * `spdx-license-list/full`, current ids only). Similarity is the Dice coefficient of the word
 * 3-gram sets; a file that holds a license plus other text (an appendix, third-party notices) also
 * scores by how much of the reference it contains. The reference index is loaded once, on first use.
 */
import { loadReferenceIndex, type Reference } from './reference-index.js';
import { commonCount, licenseWords, shingles } from './text-normalize.js';

export interface TextMatch {
  /** SPDX id of the best reference. */
  readonly id: string;
  readonly name: string;
  /** 0–1; 1 is the reference text itself (after normalisation). */
  readonly score: number;
  /** Ids whose reference text is the same after normalisation (GPL `-only` / `-or-later`). */
  readonly sameText: readonly string[];
}

export interface TextMatchResult {
  readonly best?: TextMatch;
  /** The runner-up, to judge how clear the best match is. */
  readonly second?: TextMatch;
}

/** Score from which a text is taken to be the license: the SPDX guidelines' "substantially the same". */
export const MATCH_THRESHOLD = 0.8;
/** Containment counts for less than similarity: the file holds more than the license. */
const CONTAINMENT_WEIGHT = 0.9;
/** References too short for containment to mean anything (a one-line dedication). */
const MIN_CONTAINMENT_SHINGLES = 40;

let index: Promise<readonly Reference[]> | undefined;

/** Best and second-best SPDX references for a license text. */
export async function matchLicenseText(text: string): Promise<TextMatchResult> {
  const references = await referenceIndex();
  const candidate = shingles(licenseWords(text));
  if (candidate.length === 0) return {};
  let best: TextMatch | undefined;
  let second: TextMatch | undefined;
  let bestSize = 0;
  for (const ref of references) {
    const floor = second?.score ?? 0;
    // Neither Dice nor weighted containment can beat the runner-up: skip the merge.
    if (upperBound(candidate.length, ref.shingles.length) <= floor) continue;
    const common = commonCount(candidate, ref.shingles);
    const dice = (2 * common) / (candidate.length + ref.shingles.length);
    const contained = ref.shingles.length >= MIN_CONTAINMENT_SHINGLES ? (CONTAINMENT_WEIGHT * common) / ref.shingles.length : 0;
    const score = Math.max(dice, contained);
    if (score <= floor) continue;
    const match: TextMatch = { id: ref.ids[0]!, name: ref.name, score: round(score), sameText: ref.ids.slice(1) };
    // On a tie (a file holding several whole licenses) the longer reference is the stronger evidence.
    if (!best || score > best.score || (score === best.score && ref.shingles.length > bestSize)) {
      bestSize = ref.shingles.length;
      second = best;
      best = match;
    } else second = match;
  }
  return { ...(best ? { best } : {}), ...(second ? { second } : {}) };
}

function upperBound(candidate: number, reference: number): number {
  const dice = (2 * Math.min(candidate, reference)) / (candidate + reference);
  return reference >= MIN_CONTAINMENT_SHINGLES ? Math.max(dice, CONTAINMENT_WEIGHT) : dice;
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}

function referenceIndex(): Promise<readonly Reference[]> {
  index ??= loadReferenceIndex();
  return index;
}
