/**
 * Custom model licenses recognised by their title: the vendor and RAIL licenses are not on the SPDX
 * list (so there is no reference text to match) but open with a fixed heading, and NOTICE files and
 * prose declarations name them. Titles as the licenses print them; patterns tolerate case,
 * whitespace and punctuation differences.
 */
import { hfLicense } from './vocabulary.js';

export interface RecognizedTitle {
  readonly spdx: string;
  readonly name: string;
  /** Character offset of the title in the searched text (a heading sits near 0). */
  readonly at: number;
}

/** Versions are spelled out in each pattern, so `llama 3.1` never matches the Llama 3 title. */
const TITLES: ReadonlyArray<readonly [RegExp, string]> = [
  [/llama[\s-]*4\s+community\s+licen[cs]e/, 'llama4'],
  [/llama[\s-]*3\.3\s+community\s+licen[cs]e/, 'llama3.3'],
  [/llama[\s-]*3\.2\s+community\s+licen[cs]e/, 'llama3.2'],
  [/llama[\s-]*3\.1\s+community\s+licen[cs]e/, 'llama3.1'],
  [/(?:meta\s+)?llama[\s-]*3\s+community\s+licen[cs]e/, 'llama3'],
  [/llama[\s-]*2\s+community\s+licen[cs]e/, 'llama2'],
  [/gemma\s+terms\s+of\s+use/, 'gemma'],
  [/grok[\s-]*2\s+community\s+licen[cs]e/, 'grok2-community'],
  [/creativeml\s+open\s*rail-m/, 'creativeml-openrail-m'],
  [/bigscience\s+open\s*rail-m/, 'bigscience-openrail-m'],
  [/bigscience\s+(?:bloom\s+)?rail\s+licen[cs]e\s+v?1\.0/, 'bigscience-bloom-rail-1.0'],
  [/bigcode\s+open\s*rail-m/, 'bigcode-openrail-m'],
  [/open\s*rail\+\+-m\s+licen[cs]e/, 'openrail++'],
  [/fair\s+non-?commercial\s+research\s+licen[cs]e/, 'fair-noncommercial-research-license'],
  [/deepfloyd\s+if\s+(?:research\s+)?licen[cs]e\s+agreement/, 'deepfloyd-if-license'],
  // Names of common SPDX licenses, for short "licensed under …" statements that are not full texts.
  [/apache\s+licen[cs]e,?\s+v(?:ersion)?\s*2\.0/, 'apache-2.0'],
  [/\bmit\s+licen[cs]e/, 'mit'],
  [/gnu\s+(?:affero\s+)general\s+public\s+licen[cs]e,?\s+v(?:ersion)?\s*3/, 'agpl-3.0'],
  [/gnu\s+general\s+public\s+licen[cs]e,?\s+v(?:ersion)?\s*3/, 'gpl-3.0'],
  [/gnu\s+general\s+public\s+licen[cs]e,?\s+v(?:ersion)?\s*2/, 'gpl-2.0'],
  [/creative\s+commons\s+attribution[-\s]+non-?commercial[-\s]+4\.0/, 'cc-by-nc-4.0'],
  [/creative\s+commons\s+attribution\s+4\.0/, 'cc-by-4.0'],
];

/** Lower-cased, markdown emphasis and heading marks dropped, whitespace collapsed. */
export function titleText(text: string): string {
  return text.toLowerCase().replace(/[#*_`>]+/g, ' ').replace(/\s+/g, ' ');
}

/** The earliest known license title in `text` (a heading beats later mentions), if any. */
export function recognizeTitle(text: string): RecognizedTitle | undefined {
  const haystack = titleText(text);
  let best: RecognizedTitle | undefined;
  for (const [pattern, hfId] of TITLES) {
    const match = pattern.exec(haystack);
    if (!match || (best && match.index >= best.at)) continue;
    const known = hfLicense(hfId)!;
    best = { spdx: known.spdx, name: known.name, at: match.index };
  }
  return best;
}
