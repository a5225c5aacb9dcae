/**
 * What a license obliges or forbids, as far as the policy cares: each trait is a policy class and the
 * rule `license.<trait>` (see ./rules.ts). The classes are a proposed default for review, not a legal
 * judgement (../shared/reference/model-scanners.md §4.2, "suggested policy class").
 */
import type { LicenseClass } from '../settings.js';

/** The classes a license itself can carry (the others come from comparing sources). */
export type LicenseTrait = Extract<
  LicenseClass,
  'non-commercial' | 'no-derivatives' | 'use-restricted' | 'vendor-terms' | 'copyleft' | 'share-alike' | 'unresolved' | 'family-placeholder'
>;

export const PERMISSIVE: readonly LicenseTrait[] = [];
export const NON_COMMERCIAL: readonly LicenseTrait[] = ['non-commercial'];
export const NO_DERIVATIVES: readonly LicenseTrait[] = ['no-derivatives'];
export const NC_ND: readonly LicenseTrait[] = ['non-commercial', 'no-derivatives'];
export const NC_SA: readonly LicenseTrait[] = ['non-commercial', 'share-alike'];
export const SHARE_ALIKE: readonly LicenseTrait[] = ['share-alike'];
export const COPYLEFT: readonly LicenseTrait[] = ['copyleft'];
/** RAIL licenses: use-based restrictions that every redistribution must pass down. */
export const USE_RESTRICTED: readonly LicenseTrait[] = ['use-restricted'];
/** Vendor community licenses: custom terms including an acceptable-use policy (Llama, Gemma…). */
export const VENDOR_TERMS: readonly LicenseTrait[] = ['vendor-terms'];
/** Research-only custom licenses. */
export const RESEARCH_ONLY: readonly LicenseTrait[] = ['non-commercial', 'vendor-terms'];
export const UNRESOLVED: readonly LicenseTrait[] = ['unresolved'];

/** A family name standing for several licenses (`bsd`, `cc`, `gpl`): `extra` is what every member shares. */
export function family(extra: readonly LicenseTrait[] = []): readonly LicenseTrait[] {
  return ['family-placeholder', ...extra];
}
