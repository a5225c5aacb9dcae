/**
 * What makes two scans the same analysis: the registry host, the manifest digest (content-addressed, so
 * the repository and tag do not matter: a "Scan All" meets one model pushed under many names), and
 * everything that changes findings for the same bytes — the rule-set version and the analysis policy
 * and limits. Credentials are not part of it: the digest already names the exact content.
 */
import { createHash } from 'node:crypto';
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { RULESET } from '../../analyzers/ruleset.js';
import type { AnalyzerSettings } from '../../analyzers/settings.js';
import type { ScanTarget } from '../jobs/model.js';

/** Hash of the rule-set version, policy settings and limits of this process's engine. */
export function analysisFingerprint(settings: AnalyzerSettings, limits: AnalyzerLimits): string {
  return sha256(canonicalJson({ ruleset: RULESET.version, settings, limits }));
}

/** The key scans share an analysis under (hex). */
export function analysisKey(target: ScanTarget, fingerprint: string): string {
  return sha256(`${fingerprint}\n${registryHost(target.registryUrl)}\n${target.digest}`);
}

/** `host:port` in lower case; Harbor's URL is validated at the API edge, a malformed one is kept whole. */
function registryHost(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url;
  }
}

/** JSON with object keys sorted, so equal settings give equal fingerprints whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
