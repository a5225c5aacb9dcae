/**
 * Media types of Harbor's pluggable scanner API, and the small parser the server and the Harbor
 * simulator use to compare and negotiate them. Values are from the spec YAMLs
 * (goharbor/pluggable-scanner-spec v1.0–v1.2) and Harbor's `src/pkg/scan/rest/v1/spec.go`; see
 * ../shared/reference/harbor-scanner-api.md §2.3 and §5.2. The spec README has typos; these are the
 * YAML values.
 */

/** Media types of the adapter API itself: metadata, scan request/response, error bodies. */
export const API_MIME = {
  /** What every Harbor release sends as `Accept` on `GET /metadata` (§1 fact 3). */
  metadataV1_0: 'application/vnd.scanner.adapter.metadata+json; version=1.0',
  metadataV1_1: 'application/vnd.scanner.adapter.metadata+json; version=1.1',
  /** What every Harbor release sends as `Content-Type` on `POST /scan`, even with v1.2 fields. */
  scanRequestV1_0: 'application/vnd.scanner.adapter.scan.request+json; version=1.0',
  scanRequestV1_1: 'application/vnd.scanner.adapter.scan.request+json; version=1.1',
  scanResponseV1_0: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
  errorV1_0: 'application/vnd.scanner.adapter.error+json; version=1.0',
} as const;

/** Report media types: what capabilities produce and what `Accept` selects on the report endpoint. */
export const REPORT_MIME = {
  /** Spec 1.0 "native" report; deprecated since 1.1 but still parsed by Harbor. */
  harborVulnV1_0: 'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
  /** Spec 1.1 generic vulnerability report. Note: no `+json` suffix. */
  vulnerabilityV1_1: 'application/vnd.security.vulnerability.report; version=1.1',
  /** Vendor raw report. Harbor polls it and parses it as a vulnerability report (§3.7). */
  vulnerabilityRaw: 'application/vnd.scanner.adapter.vuln.report.raw',
  sbomV1_0: 'application/vnd.security.sbom.report+json; version=1.0',
  /** Model-security report of the `chlins/harbor` fork (§5.2); not known to upstream Harbor. */
  modelSecurityV1_0: 'application/vnd.security.model.report+json; version=1.0',
  modelRaw: 'application/vnd.scanner.adapter.model.report.raw',
} as const;

/** SBOM document formats (`sbom_media_types`, `?sbom_media_type=`, the SBOM report's `media_type`). */
export const SBOM_FORMAT = {
  spdx: 'application/spdx+json',
  cyclonedx: 'application/vnd.cyclonedx+json',
} as const;

/** Artifact manifest media types a capability may consume (`consumes_mime_types`, `artifact.mime_type`). */
export const ARTIFACT_MIME = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  /** Upstream Harbor requires this one in every capability (§3.3). */
  dockerManifestV2: 'application/vnd.docker.distribution.manifest.v2+json',
  /** What the model-security fork sends as `artifact.mime_type` for `CNAI` artifacts (§5.2). */
  modelManifest: 'application/vnd.cncf.model.manifest.v1+json',
} as const;

/** `artifactType` of the SBOM accessory Harbor pushes next to the scanned artifact (§2.3, §3.11). */
export const HARBOR_SBOM_ACCESSORY_TYPE = 'application/vnd.goharbor.harbor.sbom.v1';

/** A parsed media type. `type`/`subtype` and parameter names are lower-cased; values are unquoted. */
export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyMap<string, string>;
}

/** A media range from an `Accept` header, with its weight (`q`, 0..1). */
export interface MediaRange extends MediaType {
  readonly q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Splits `text` on `separator`, ignoring separators inside double quotes (RFC 9110 quoted-string,
 * with backslash escapes), so `version="1.0, beta"` stays one parameter.
 */
function splitOutsideQuotes(text: string, separator: ';' | ','): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + (text[++i] as string);
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}

/**
 * Parses `type/subtype; name=value; …`. Whitespace around `;` and `=` is tolerated (Harbor writes
 * `; version=1.0`, others `;version=1.0`). Returns undefined for anything that is not a media type.
 */
export function parseMime(text: string): MediaType | undefined {
  const [essence = '', ...rawParams] = splitOutsideQuotes(text, ';');
  const slash = essence.indexOf('/');
  if (slash < 0) return undefined;
  const type = essence.slice(0, slash).trim().toLowerCase();
  const subtype = essence.slice(slash + 1).trim().toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  const params = new Map<string, string>();
  for (const raw of rawParams) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    if (eq < 0) return undefined;
    const name = raw.slice(0, eq).trim().toLowerCase();
    const value = unquote(raw.slice(eq + 1).trim());
    if (!TOKEN.test(name)) return undefined;
    params.set(name, value);
  }
  return { type, subtype, params };
}

/** `type/subtype` lower-cased, parameters dropped; undefined when `text` is not a media type. */
export function mimeEssence(text: string): string | undefined {
  const parsed = parseMime(text);
  return parsed && `${parsed.type}/${parsed.subtype}`;
}

/**
 * True when both strings name the same media type: type/subtype case-insensitive, the same parameter
 * names (case-insensitive) with equal values, whatever the spacing or quoting.
 */
export function sameMime(a: string, b: string): boolean {
  const x = parseMime(a);
  const y = parseMime(b);
  if (!x || !y || x.type !== y.type || x.subtype !== y.subtype || x.params.size !== y.params.size) return false;
  for (const [name, value] of x.params) if (y.params.get(name) !== value) return false;
  return true;
}

/**
 * Parses an `Accept` header into media ranges. Malformed ranges (bad syntax, bad `q`) are dropped,
 * not fatal; parameters after `q` are accept-extensions and ignored (RFC 9110 §12.5.1).
 */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const item of splitOutsideQuotes(header, ',')) {
    if (item.trim() === '') continue;
    const [essence = '', ...rawParams] = splitOutsideQuotes(item, ';');
    const kept: string[] = [essence];
    let q = 1;
    let valid = true;
    for (const raw of rawParams) {
      const name = raw.slice(0, Math.max(raw.indexOf('='), 0)).trim().toLowerCase();
      if (name !== 'q') {
        kept.push(raw);
        continue;
      }
      const value = raw.slice(raw.indexOf('=') + 1).trim();
      valid = QVALUE.test(value);
      q = Number(value);
      break;
    }
    const parsed = valid ? parseMime(kept.join(';')) : undefined;
    if (!parsed || (parsed.type === '*' && parsed.subtype !== '*')) continue;
    ranges.push({ ...parsed, q });
  }
  return ranges;
}

/** How specifically `range` matches `offer`, or -1 when it does not match. */
function specificity(range: MediaType, offer: MediaType): number {
  if (range.type === '*') return 0;
  if (range.type !== offer.type) return -1;
  if (range.subtype === '*') return 1;
  if (range.subtype !== offer.subtype) return -1;
  for (const [name, value] of range.params) if (offer.params.get(name) !== value) return -1;
  return 2 + range.params.size;
}

/**
 * Picks the offered media type the client prefers (RFC 9110 §12.5.1): each offer takes the `q` of
 * the most specific range that matches it; a range matches when its type/subtype match (or are `*`)
 * and every parameter it names has the same value in the offer, so `…vulnerability.report` accepts
 * `…vulnerability.report; version=1.1` but `…; version=1.0` does not. Ties go to the earlier offer,
 * so list the server's preference first. A missing or blank header accepts anything (the first
 * offer). Returns the offered string as given, or undefined when nothing acceptable is offered.
 */
export function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const ranges = parseAccept(accept);
  let best: string | undefined;
  let bestQ = 0;
  for (const offer of offered) {
    const parsed = parseMime(offer);
    if (!parsed) continue;
    let matchQ = 0;
    let matchSpecificity = -1;
    for (const range of ranges) {
      const s = specificity(range, parsed);
      if (s > matchSpecificity) {
        matchSpecificity = s;
        matchQ = range.q;
      }
    }
    if (matchQ > bestQ) {
      best = offer;
      bestQ = matchQ;
    }
  }
  return best;
}
