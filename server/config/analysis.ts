/**
 * The slice of the configuration a scan needs — registry access, analysis limits, the policy file, the
 * rule catalogue's URL — shared by the service (config.ts folds these variables into its table) and the
 * CLI, which reads only this slice. Plain functions, no schema library: the CLI loads this module at
 * every start, and zod alone would cost it more than the rest of its configuration.
 */
import { readFileSync } from 'node:fs';
import { isSeverity, SEVERITIES, type Severity } from '../../analyzers/finding.js';
import { makeLimits, type AnalyzerLimits } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS, LICENSE_CLASSES, type AnalyzerSettings, type LicenseClass } from '../../analyzers/settings.js';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { proxySettings, type ProxySettings } from './proxy.js';

/** A variable's value from its text, or why the text is not one. */
export type ValueParser<T> = (raw: string) => { readonly value: T } | { readonly error: string };

export const booleanValue: ValueParser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  return ['true', 'false', '1', '0', 'yes', 'no'].includes(v) ? { value: v === 'true' || v === '1' || v === 'yes' } : { error: 'expected true or false' };
};

export const durationValue: ValueParser<number> = (raw) => {
  const ms = parseDuration(raw);
  return ms === undefined ? { error: 'expected a duration such as 90s, 5m or 1h' } : { value: ms };
};

/** An integer from `min` to `max`, read as JavaScript reads a number (`Number(raw)`). */
export function integerValue(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer of at least ${min}`) : `an integer from ${min} to ${max}`;
  return (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? { value: n } : { error: `expected ${expected}` };
  };
}

export const textValue: ValueParser<string> = (raw) => ({ value: raw });

/** An http:// or https:// URL, or empty (none). */
export const httpUrlValue: ValueParser<string> = (raw) =>
  raw === '' || (URL.canParse(raw) && /^https?:$/.test(new URL(raw).protocol)) ? { value: raw } : { error: 'expected an http:// or https:// URL' };

export interface VariableDefinition<T> {
  readonly parse: ValueParser<T>;
  readonly default: string;
  readonly help: string;
}

const variable = <T>(parse: ValueParser<T>, defaultValue: string, help: string): VariableDefinition<T> => ({ parse, default: defaultValue, help });

/** The variables of this slice, in the order of the service's table (README "Configuration"). */
export const ANALYSIS_VARIABLES = {
  SCANNER_REGISTRY_CA_FILE: variable(textValue, '', 'PEM file of extra CAs trusted for registry TLS.'),
  SCANNER_REGISTRY_INSECURE_SKIP_VERIFY: variable(booleanValue, 'false', 'Skip registry TLS certificate verification.'),
  SCANNER_REGISTRY_TIMEOUT: variable(durationValue, '60s', 'Timeout of one registry request.'),
  SCANNER_REGISTRY_RETRIES: variable(integerValue(0, 10), '3', 'Retries on 429, 5xx and network errors.'),
  SCANNER_VERIFY_BLOBS: variable(
    booleanValue,
    'false',
    'Read every layer read by Range once more in full, after its files are analysed, and fail the scan unless its digest and every byte served by Range match (README "What the scanner verifies").',
  ),
  SCANNER_POLICY_FILE: variable(
    textValue,
    '',
    'JSON policy file: {"pickle": {"allow": ["mod.name"], "deny": ["mod.*"]}, "license": {"allow": ["Apache-2.0"], "deny": ["AGPL-*"], "severities": {"copyleft": "High", "share-alike": "off"}}}.',
  ),
  SCANNER_MAX_DEPTH: variable(integerValue(1), '6', 'Container nesting depth analysed (zip in tar in gzip…).'),
  SCANNER_MAX_COMPRESSION_RATIO: variable(integerValue(1), '200', 'Decompressed/compressed ratio reported as a bomb.'),
  SCANNER_DOCS_URL: variable(
    httpUrlValue,
    '',
    'Where this deployment publishes the rule catalogue (docs/rules.md, e.g. on an internal wiki or repository); reports link each finding to its rule there. Unset: no links.',
  ),
} as const;

export type AnalysisVariableName = keyof typeof ANALYSIS_VARIABLES;
export type AnalysisValues = { [K in AnalysisVariableName]: (typeof ANALYSIS_VARIABLES)[K] extends VariableDefinition<infer T> ? T : never };

export interface RegistrySettings {
  readonly caFile?: string;
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly proxy: ProxySettings;
  readonly verifyBlobs: boolean;
}

/** What a scan needs and nothing of the service: the CLI reads this slice only, so server variables never break it. */
export interface AnalysisConfig {
  readonly registry: RegistrySettings;
  readonly limits: AnalyzerLimits;
  readonly settings: AnalyzerSettings;
  readonly docsUrl: string;
}

export function loadAnalysisConfig(env: NodeJS.ProcessEnv = process.env): AnalysisConfig {
  const values = {} as Record<string, unknown>;
  for (const [name, definition] of Object.entries(ANALYSIS_VARIABLES)) {
    const raw = env[name] ?? definition.default;
    const parsed = (definition.parse as ValueParser<unknown>)(raw);
    if ('error' in parsed) throw new ConfigError(`invalid ${name}=${JSON.stringify(raw)}: ${parsed.error}`);
    values[name] = parsed.value;
  }
  return analysisConfig(values as AnalysisValues, env);
}

/** The slice from its parsed variables (and the proxy variables, read as curl reads them). */
export function analysisConfig(v: AnalysisValues, env: NodeJS.ProcessEnv): AnalysisConfig {
  return {
    registry: {
      proxy: proxySettings(env),
      ...(v.SCANNER_REGISTRY_CA_FILE ? { caFile: v.SCANNER_REGISTRY_CA_FILE } : {}),
      insecureSkipVerify: v.SCANNER_REGISTRY_INSECURE_SKIP_VERIFY,
      timeoutMs: v.SCANNER_REGISTRY_TIMEOUT,
      retries: v.SCANNER_REGISTRY_RETRIES,
      verifyBlobs: v.SCANNER_VERIFY_BLOBS,
    },
    limits: makeLimits({ maxDepth: v.SCANNER_MAX_DEPTH, maxCompressionRatio: v.SCANNER_MAX_COMPRESSION_RATIO }),
    settings: v.SCANNER_POLICY_FILE ? loadPolicyFile(v.SCANNER_POLICY_FILE) : DEFAULT_SETTINGS,
    docsUrl: v.SCANNER_DOCS_URL,
  };
}

/** Reads the policy file named by SCANNER_POLICY_FILE (also used by the CLI's --policy). */
export function loadPolicyFile(file: string, label = 'SCANNER_POLICY_FILE'): AnalyzerSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid ${label} ${file}: ${(error as Error).message}`);
  }
  const issues: string[] = [];
  const settings = policySettings(parsed, issues);
  if (issues.length > 0) throw new ConfigError(`invalid ${label} ${file}: ${issues.join('; ')}`);
  return settings;
}

/**
 * `{"pickle": {"allow", "deny"}, "license": {"allow", "deny", "severities"}}`, every part optional and
 * no other key (a misspelt key would otherwise be a policy silently not applied). Problems go to
 * `issues` as `path: message`.
 */
function policySettings(value: unknown, issues: string[]): AnalyzerSettings {
  const top = strictObject(value, '', ['pickle', 'license'], issues);
  return { pickle: pickleSettings(top?.['pickle'], issues), license: licenseSettings(top?.['license'], issues) };
}

function pickleSettings(value: unknown, issues: string[]): AnalyzerSettings['pickle'] {
  if (value === undefined) return DEFAULT_SETTINGS.pickle;
  const pickle = strictObject(value, 'pickle', ['allow', 'deny'], issues);
  return { allow: names(pickle?.['allow'], 'pickle.allow', issues), deny: names(pickle?.['deny'], 'pickle.deny', issues) };
}

function licenseSettings(value: unknown, issues: string[]): AnalyzerSettings['license'] {
  if (value === undefined) return DEFAULT_SETTINGS.license;
  const license = strictObject(value, 'license', ['allow', 'deny', 'severities'], issues);
  return {
    allow: names(license?.['allow'], 'license.allow', issues),
    deny: names(license?.['deny'], 'license.deny', issues),
    severities: severities(license?.['severities'], 'license.severities', issues),
  };
}

function strictObject(value: unknown, at: string, keys: readonly string[], issues: string[]): Record<string, unknown> | undefined {
  const where = at ? `${at}: ` : '';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push(`${where}expected an object`);
    return undefined;
  }
  const unknown = Object.keys(value).filter((key) => !keys.includes(key));
  if (unknown.length > 0) issues.push(`${where}unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  return value as Record<string, unknown>;
}

function names(value: unknown, at: string, issues: string[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push(`${at}: expected an array of names`);
    return [];
  }
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0) issues.push(`${at}.${i}: expected a non-empty string`);
  });
  return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
}

function severities(value: unknown, at: string, issues: string[]): Partial<Record<LicenseClass, Severity | 'off'>> {
  if (value === undefined) return {};
  const record = strictObject(value, at, LICENSE_CLASSES, issues);
  const result: Partial<Record<LicenseClass, Severity | 'off'>> = {};
  for (const [key, severity] of Object.entries(record ?? {})) {
    if (!(LICENSE_CLASSES as readonly string[]).includes(key)) continue;
    if (severity === 'off' || (typeof severity === 'string' && isSeverity(severity))) result[key as LicenseClass] = severity;
    else issues.push(`${at}.${key}: expected ${SEVERITIES.join(', ')} or off`);
  }
  return result;
}
