/**
 * User-tunable analysis policy (from the scanner's config file). Analyzers read only their own slice.
 * Trust is never decided by model or repository name.
 */
export interface PicklePolicySettings {
  /** Extra `module.name` (or `module.*`) globals treated as safe. */
  readonly allow: readonly string[];
  /** Extra `module.name` (or `module.*`) globals treated as dangerous (Critical). */
  readonly deny: readonly string[];
}

export interface AnalyzerSettings {
  readonly pickle: PicklePolicySettings;
}

export const DEFAULT_SETTINGS: AnalyzerSettings = Object.freeze({
  pickle: Object.freeze({ allow: [], deny: [] }),
});
