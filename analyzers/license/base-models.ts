/**
 * Base models whose license follows from their name because the vendor releases the whole family under
 * one license that derivatives must keep: Meta's Llama models (each version's community license
 * requires redistributions to include it) and Google's Gemma models (Gemma Terms of Use). Used only to
 * raise `license.base-model-stricter`, never to trust or quiet anything.
 */
import type { BaseModelRef } from '../analyzer.js';
import { identifyDeclared, type IdentifiedLicense } from './spdx-id.js';
import { hfLicense, type KnownLicense } from './vocabulary.js';

/** Hugging Face repository ids (`org/name`), case-insensitive; the most specific version first. */
const FAMILIES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^meta-llama\/(?:meta-)?llama-4-/i, 'llama4'],
  [/^meta-llama\/(?:meta-)?llama-3\.3-/i, 'llama3.3'],
  [/^meta-llama\/(?:meta-)?llama-3\.2-/i, 'llama3.2'],
  [/^meta-llama\/(?:meta-)?llama-3\.1-/i, 'llama3.1'],
  [/^meta-llama\/(?:meta-)?llama-3-/i, 'llama3'],
  [/^meta-llama\/llama-2-/i, 'llama2'],
  [/^google\/(?:code|pali|recurrent|shield|data|med)?gemma-/i, 'gemma'],
];

/** The license of a well-known base model, from its Hugging Face id (`meta-llama/Llama-3.1-8B`). */
export function knownBaseModelLicense(name: string): KnownLicense | undefined {
  const id = name.trim().replace(/^https?:\/\/huggingface\.co\//i, '');
  const family = FAMILIES.find(([pattern]) => pattern.test(id));
  return family && hfLicense(family[1]);
}

/** A base model's license: what the artifact says about it (GGUF base model keys), else its family's. */
export function baseModelLicense(base: BaseModelRef): (IdentifiedLicense & { readonly from: 'artifact' | 'known model family' }) | undefined {
  if (base.license) return { ...identifyDeclared(base.license), from: 'artifact' };
  const known = knownBaseModelLicense(base.name);
  return known && { spdx: known.spdx, name: known.name, confidence: 1, from: 'known model family' };
}
