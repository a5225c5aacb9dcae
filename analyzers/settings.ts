/**
 * User-tunable analysis policy (from the scanner's config file). Analyzers read only their own slice.
 * Trust is never decided by model or repository name.
 */
import type { Severity } from './finding.js';

export interface PicklePolicySettings {
  /** Extra `module.name` (or `module.*`) globals treated as safe. */
  readonly allow: readonly string[];
  /** Extra `module.name` (or `module.*`) globals treated as dangerous (Critical). */
  readonly deny: readonly string[];
}

/**
 * What the license policy grades; each class is the rule `license.<class>` (analyzers/license/rules.ts
 * has the defaults and the reasons).
 */
export const LICENSE_CLASSES = [
  'missing',
  'unresolved',
  'family-placeholder',
  'conflict',
  'non-commercial',
  'no-derivatives',
  'use-restricted',
  'vendor-terms',
  'copyleft',
  'share-alike',
  'base-model-stricter',
  'denied',
] as const;
export type LicenseClass = (typeof LICENSE_CLASSES)[number];

export interface LicensePolicySettings {
  /** SPDX ids or `LicenseRef-…` names (a trailing `*` matches a prefix) accepted whatever their class. */
  readonly allow: readonly string[];
  /** Ids refused outright (`license.denied`), same syntax. */
  readonly deny: readonly string[];
  /** Severity per class, or `off`; classes not listed keep their rule's default. */
  readonly severities: Readonly<Partial<Record<LicenseClass, Severity | 'off'>>>;
}

export interface AnalyzerSettings {
  readonly pickle: PicklePolicySettings;
  readonly license: LicensePolicySettings;
}

export const DEFAULT_SETTINGS: AnalyzerSettings = Object.freeze({
  pickle: Object.freeze({ allow: [], deny: [] }),
  license: Object.freeze({ allow: [], deny: [], severities: Object.freeze({}) }),
});
