/**
 * The wire shapes of Harbor's pluggable scanner API as zod 4 schemas (spec v1.0–v1.2 plus the
 * model-security report of the `chlins/harbor` fork): see ../shared/reference/harbor-scanner-api.md
 * §2.4, §3.4, §3.7 and §5.2. Requests are parsed tolerantly, exactly as far as Harbor needs (unknown
 * fields pass, `parameters: null`, no `enabled_capabilities`); our own responses are checked strictly
 * enough that a test catches a shape Harbor would reject or misread.
 */
import { z } from 'zod';
import { SBOM_FORMAT } from './mime.js';

/** Sentinel message turned into "missing <path>" by {@link describeIssues}. */
const MISSING = 'missing';

/** A required string; blank counts as missing, as in Harbor's and Trivy's own checks. */
const requiredString = () => z.string().min(1, { error: MISSING });

/**
 * OCI digest grammar (image-spec descriptor.md): `algorithm ":" encoded`, here with a hex encoding
 * and the registered lengths enforced for sha256 (64) and sha512 (128).
 */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|(?!sha256:|sha512:)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-f0-9]{32,})$/;

export const DigestSchema = requiredString().regex(DIGEST, {
  error: 'expected <algorithm>:<hex>, e.g. sha256: followed by 64 lower-case hex digits',
});

/** Harbor always sends the scheme (§3.4); the registry client picks http or https from it. */
const HttpUrlSchema = requiredString().refine(
  (value) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol),
  { error: 'expected an http:// or https:// URL' },
);

/** Scan types: spec v1.2 `vulnerability`/`sbom`, plus the fork's `model-security` (§5.2). */
export const SCAN_TYPES = ['vulnerability', 'sbom', 'model-security'] as const;
export const ScanTypeSchema = z.enum(SCAN_TYPES);
export type ScanType = z.infer<typeof ScanTypeSchema>;

/** The SBOM formats of spec 1.2 (`sbom_media_types`, the SBOM report's `media_type`). */
export const SbomFormatSchema = z.enum([SBOM_FORMAT.spdx, SBOM_FORMAT.cyclonedx]);

export const ScannerSchema = z.strictObject({
  name: requiredString(),
  vendor: requiredString(),
  version: requiredString(),
});
export type Scanner = z.infer<typeof ScannerSchema>;

// ---------------------------------------------------------------------------------------------------
// Scan request (what Harbor POSTs; §3.4 shows the exact body of current releases)
// ---------------------------------------------------------------------------------------------------

export const RegistrySchema = z
  .object({
    url: HttpUrlSchema,
    /** `Basic …`, `Bearer …`, or empty when Harbor's own token fetch failed (§3.5). Never logged. */
    authorization: z.string().optional(),
    /** Harbor addition, always false in scan requests; the URL scheme decides http/https (§3.4). */
    insecure: z.boolean().optional(),
  })
  .loose();

export const ScanRequestArtifactSchema = z
  .object({
    repository: requiredString(),
    digest: DigestSchema,
    tag: z.string().optional(),
    /** The manifest media type (OCI, Docker v2, or the fork's model manifest type for CNAI). */
    mime_type: z.string().optional(),
    /** Harbor addition: manifest + config + layer sizes (§3.4). */
    size: z.number().int().nonnegative().optional(),
  })
  .loose();

export const EnabledCapabilitySchema = z
  .object({
    /**
     * Harbor's job treats a blank type as `vulnerability` (`src/pkg/scan/job.go`). Other strings are
     * kept so the server can answer 501 "no capability to handle the scan request" (spec v1.2).
     */
    type: z
      .string()
      .default('vulnerability')
      .transform((type) => (type === '' ? 'vulnerability' : type)),
    /** Harbor always sends it; Trivy once rejected its absence (trivy#443), we do not. */
    produces_mime_types: z.array(z.string()).nullish(),
    /** `null` for vulnerability scans (spec 1.2 made it nullable); `{sbom_media_types}` for SBOM. */
    parameters: z
      .object({ sbom_media_types: z.array(z.string()).nullish() })
      .loose()
      .nullish(),
  })
  .loose();

export const ScanRequestSchema = z
  .object({
    registry: RegistrySchema,
    artifact: ScanRequestArtifactSchema,
    /** Absent (Harbor before 2.10) means "all capabilities"; Harbor sends exactly one element. */
    enabled_capabilities: z.array(EnabledCapabilitySchema).nullish(),
  })
  .loose();
export type ScanRequest = z.output<typeof ScanRequestSchema>;
export type ScanRequestInput = z.input<typeof ScanRequestSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Issues as one admin-readable line naming each field: `missing artifact.digest; invalid
 * registry.url: expected an http:// or https:// URL`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
      const missing = issue.message === MISSING || (issue.code === 'invalid_type' && issue.input === undefined);
      if (missing) return `missing ${path}`;
      const message = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
      return `invalid ${path}: ${message}`;
    })
    .join('; ');
}

/** Validates a scan request body (already JSON-parsed) into a typed request or a field-naming message. */
export function parseScanRequest(body: unknown): ParseResult<ScanRequest> {
  const result = ScanRequestSchema.safeParse(body, { reportInput: true });
  return result.success ? { ok: true, value: result.data } : { ok: false, message: describeIssues(result.error.issues) };
}

// ---------------------------------------------------------------------------------------------------
// Responses of the adapter API. These describe what WE send, so they are strict objects: a
// misspelled or stray key fails the tests instead of being silently ignored by Harbor.
// ---------------------------------------------------------------------------------------------------

export const ScannerCapabilitySchema = z.strictObject({
  /** Absent means vulnerability (spec 1.2; Harbor's `GetProducesMimeTypes`). */
  type: ScanTypeSchema.optional(),
  consumes_mime_types: z.array(z.string()).min(1),
  produces_mime_types: z.array(z.string()).min(1),
  additional_attributes: z
    .object({ sbom_media_types: z.array(SbomFormatSchema).optional() })
    .loose()
    .optional(),
});
export type ScannerCapability = z.infer<typeof ScannerCapabilitySchema>;

export const ScannerAdapterMetadataSchema = z.strictObject({
  scanner: ScannerSchema,
  capabilities: z.array(ScannerCapabilitySchema).min(1),
  /** Flat string map (spec `additionalProperties: string`); §2.6 lists the keys Harbor reads. */
  properties: z.record(z.string(), z.string()).optional(),
});
export type ScannerAdapterMetadata = z.infer<typeof ScannerAdapterMetadataSchema>;

export const ScanResponseSchema = z.strictObject({ id: requiredString() });
export type ScanResponse = z.infer<typeof ScanResponseSchema>;

/** Harbor appends its own context to `message` and shows it in the job log (§3.4). */
export const ErrorResponseSchema = z.strictObject({ error: z.strictObject({ message: requiredString() }) });
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

// ---------------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------------

/** Spec `Severity` enum (§2.4). Harbor stores `Negligible` as `None` and ranks `Unknown` with `None`. */
export const SPEC_SEVERITIES = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'] as const;
export const SpecSeveritySchema = z.enum(SPEC_SEVERITIES);
export type SpecSeverity = z.infer<typeof SpecSeveritySchema>;

const GeneratedAtSchema = z.iso.datetime({ offset: true });

export const ReportArtifactSchema = z.strictObject({
  repository: requiredString(),
  digest: DigestSchema,
  tag: z.string().optional(),
  mime_type: z.string().optional(),
});
export type ReportArtifact = z.infer<typeof ReportArtifactSchema>;

export const VulnerabilityItemV1_0Schema = z.strictObject({
  id: requiredString(),
  package: requiredString(),
  version: requiredString(),
  fix_version: z.string().optional(),
  severity: SpecSeveritySchema,
  description: z.string().optional(),
  links: z.array(z.url()).optional(),
});

export const CvssDetailsSchema = z.strictObject({
  score_v3: z.number().optional(),
  score_v2: z.number().optional(),
  vector_v3: z.string().optional(),
  vector_v2: z.string().optional(),
});

export const VulnerabilityItemV1_1Schema = VulnerabilityItemV1_0Schema.extend({
  preferred_cvss: CvssDetailsSchema.optional(),
  /** e.g. `CWE-502` (deserialization of untrusted data). */
  cwe_ids: z.array(z.string().regex(/^CWE-\d+$/)).optional(),
  vendor_attributes: z.record(z.string(), z.unknown()).optional(),
});
export type VulnerabilityItem = z.infer<typeof VulnerabilityItemV1_1Schema>;

const vulnerabilityReport = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    generated_at: GeneratedAtSchema,
    artifact: ReportArtifactSchema,
    scanner: ScannerSchema,
    severity: SpecSeveritySchema,
    vulnerabilities: z.array(item),
  });

/** `…vuln.report.harbor+json; version=1.0` */
export const VulnerabilityReportV1_0Schema = vulnerabilityReport(VulnerabilityItemV1_0Schema);
/** `application/vnd.security.vulnerability.report; version=1.1` */
export const VulnerabilityReportSchema = vulnerabilityReport(VulnerabilityItemV1_1Schema);
export type VulnerabilityReport = z.infer<typeof VulnerabilityReportSchema>;

/** Harbor's vulnerability severities as the model-security fork uses them (§5.2). */
export const MODEL_SECURITY_SEVERITIES = ['None', 'Low', 'Medium', 'High', 'Critical'] as const;
export const ModelSecuritySeveritySchema = z.enum(MODEL_SECURITY_SEVERITIES);

const count = () => z.number().int().nonnegative();

export const ModelSecurityFindingSchema = z.strictObject({
  id: requiredString(),
  /** A finding is never `None`; the fork's `Recount` only counts these four. */
  severity: z.enum(['Low', 'Medium', 'High', 'Critical']),
  message: requiredString(),
  why: z.string().optional(),
  file: z.string().optional(),
  location: z.string().optional(),
  scanner: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  links: z.array(z.url()).optional(),
});
export type ModelSecurityFinding = z.infer<typeof ModelSecurityFindingSchema>;

export const ModelSecuritySummarySchema = z.strictObject({
  total: count(),
  critical: count(),
  high: count(),
  medium: count(),
  low: count(),
  files_scanned: count(),
  bytes_scanned: count(),
  scanners: z.array(z.string()),
});

/** `application/vnd.security.model.report+json; version=1.0` (fork `modelsecurity/model/report.go`). */
export const ModelSecurityReportSchema = z.strictObject({
  generated_at: GeneratedAtSchema,
  scanner: ScannerSchema,
  /** Max finding severity, `None` when clean; the fork recomputes it on storage anyway. */
  severity: ModelSecuritySeveritySchema,
  summary: ModelSecuritySummarySchema,
  findings: z.array(ModelSecurityFindingSchema),
});
export type ModelSecurityReport = z.infer<typeof ModelSecurityReportSchema>;

/** `application/vnd.security.sbom.report+json; version=1.0` (spec 1.2 `HarborSbomReport`). */
export const HarborSbomReportSchema = z.strictObject({
  generated_at: GeneratedAtSchema,
  artifact: ReportArtifactSchema,
  scanner: ScannerSchema,
  vendor_attributes: z.record(z.string(), z.unknown()).optional(),
  media_type: SbomFormatSchema,
  /** The SBOM document itself; Harbor pushes it as an accessory and requires an object. */
  sbom: z.record(z.string(), z.unknown()),
});
export type HarborSbomReport = z.infer<typeof HarborSbomReportSchema>;
