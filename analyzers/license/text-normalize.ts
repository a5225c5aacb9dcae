/**
 * License text normalisation for matching, in the spirit of the SPDX matching guidelines: case,
 * whitespace, punctuation, markdown, copyright lines and varietal spellings do not make two texts
 * different licenses. The result is a set of hashed word 3-grams ("shingles").
 */

/** Words per shingle: long enough to keep clause order, short enough to survive small edits. */
export const SHINGLE_WORDS = 3;
/**
 * Names what {@link licenseWords} and {@link shingles} compute: change it with either, so a reference
 * index written by an earlier build is not read (./reference-index.ts).
 */
export const SHINGLE_ALGORITHM = 'words-3-fnv1a-r1';

/** Lines that are notices of who holds copyright, not license terms (SPDX guideline: ignore them). */
const COPYRIGHT_LINE = /^\s*(?:[-*>#]\s*)*(?:copyright\b|\(c\)|©|all rights reserved)/i;
const MARKDOWN_LINK = /!?\[([^\]]*)\]\([^)]*\)/g;
const URL = /\bhttps?:\/\/\S+/gi;

/** Spelling variants the SPDX guidelines treat as equal; left side replaced by the right. */
const VARIANTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\blicen[cs]e(s|d|e|es)?\b/g, 'license$1'],
  [/\bnon-?commercial\b/g, 'noncommercial'],
  [/\bsub-?license/g, 'sublicense'],
  [/\bper cent\b/g, 'percent'],
];

/** The words of a license text after normalisation. */
export function licenseWords(text: string): string[] {
  const kept = text
    .split(/\r?\n/)
    .filter((line) => !COPYRIGHT_LINE.test(line))
    .join('\n')
    .replace(MARKDOWN_LINK, '$1')
    .replace(URL, ' ')
    .toLowerCase();
  let normalized = kept;
  for (const [pattern, replacement] of VARIANTS) normalized = normalized.replace(pattern, replacement);
  return normalized.match(/[a-z0-9]+/g) ?? [];
}

/** Sorted, de-duplicated FNV-1a hashes of the word 3-grams of `words`. */
export function shingles(words: readonly string[]): Uint32Array {
  const hashes = new Set<number>();
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) hashes.add(fnv1a(`${words[i]} ${words[i + 1]} ${words[i + 2]}`));
  return Uint32Array.from(hashes).sort();
}

/** Size of the intersection of two sorted hash arrays. */
export function commonCount(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return common;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
