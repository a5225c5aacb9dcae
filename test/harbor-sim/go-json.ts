/**
 * What Go's `encoding/json` accepts when Harbor unmarshals an adapter's response into its structs, so
 * the simulator rejects exactly the bodies Harbor would (a number where Harbor has a string field, an
 * array where it expects an object) and ignores what Harbor ignores (unknown keys, `null`).
 */

/** A Go type as `json.Unmarshal` sees it. */
export type GoType =
  | 'string'
  | 'bool'
  | 'float64'
  | 'int'
  | 'any'
  | { readonly slice: GoType }
  | { readonly map: GoType }
  | { readonly struct: string; readonly fields: Readonly<Record<string, GoType>> };

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function goName(type: GoType): string {
  if (typeof type === 'string') return type === 'any' ? 'interface {}' : type === 'int' ? 'int64' : type;
  if ('slice' in type) return `[]${goName(type.slice)}`;
  if ('map' in type) return `map[string]${goName(type.map)}`;
  return type.struct;
}

interface Where {
  /** Outermost struct name and the JSON path inside it, as Go 1.20+ prints them. */
  readonly root: string;
  readonly path: readonly string[];
}

function mismatch(value: unknown, type: GoType, where: Where): string {
  const kind = typeof value === 'number' ? `number${Number.isInteger(value) ? '' : ` ${value}`}` : jsonKind(value);
  const target = where.path.length > 0 ? `Go struct field ${where.root}.${where.path.join('.')}` : 'Go value';
  return `json: cannot unmarshal ${kind} into ${target} of type ${goName(type)}`;
}

function check(value: unknown, type: GoType, where: Where): string | undefined {
  if (value === null || type === 'any') return undefined;
  if (type === 'string') return typeof value === 'string' ? undefined : mismatch(value, type, where);
  if (type === 'bool') return typeof value === 'boolean' ? undefined : mismatch(value, type, where);
  if (type === 'float64') return typeof value === 'number' ? undefined : mismatch(value, type, where);
  if (type === 'int') return Number.isInteger(value) ? undefined : mismatch(value, type, where);
  if ('slice' in type) {
    if (!Array.isArray(value)) return mismatch(value, type, where);
    for (const element of value) {
      const error = check(element, type.slice, where);
      if (error) return error;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return mismatch(value, type, where);
  const entries = Object.entries(value as Record<string, unknown>);
  if ('map' in type) {
    for (const [key, element] of entries) {
      const error = check(element, type.map, { ...where, path: [...where.path, key] });
      if (error) return error;
    }
    return undefined;
  }
  for (const [key, element] of entries) {
    // Go matches keys to field tags exactly first, then case-insensitively; others are ignored.
    const field =
      key in type.fields ? key : Object.keys(type.fields).find((name) => name.toLowerCase() === key.toLowerCase());
    if (field === undefined) continue;
    const error = check(element, type.fields[field] as GoType, { ...where, path: [...where.path, field] });
    if (error) return error;
  }
  return undefined;
}

/**
 * `json.Unmarshal(body, &v)` for a `v` of type `type`: undefined when Go would succeed, else Go's
 * error text (syntax errors use JavaScript's wording).
 */
export function goUnmarshal(body: string, type: GoType): { value?: unknown; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { error: body.trim() === '' ? 'unexpected end of JSON input' : (error as Error).message };
  }
  const root = typeof type === 'object' && 'struct' in type ? type.struct : goName(type);
  const error = check(value, type, { root, path: [] });
  return error ? { error } : { value };
}

const SCANNER: GoType = { struct: 'v1.Scanner', fields: { name: 'string', vendor: 'string', version: 'string' } };

/** Harbor's Go structs the simulator unmarshals responses into (field names are the JSON tags). */
export const HARBOR_TYPES = {
  /** `v1.ScannerAdapterMetadata` (`src/pkg/scan/rest/v1/models.go`). */
  metadata: {
    struct: 'v1.ScannerAdapterMetadata',
    fields: {
      scanner: SCANNER,
      capabilities: {
        slice: {
          struct: 'v1.ScannerCapability',
          fields: { type: 'string', consumes_mime_types: { slice: 'string' }, produces_mime_types: { slice: 'string' } },
        },
      },
      properties: { map: 'string' },
    },
  },
  scanResponse: { struct: 'v1.ScanResponse', fields: { id: 'string' } },
  errorResponse: { struct: 'v1.ErrorResponse', fields: { error: { struct: 'v1.Error', fields: { message: 'string' } } } },
  /** `vuln.Report` (`src/pkg/scan/vuln/report.go`), what native 1.0 and generic 1.1 reports become. */
  vulnerabilityReport: {
    struct: 'vuln.Report',
    fields: {
      generated_at: 'string',
      scanner: SCANNER,
      severity: 'string',
      vulnerabilities: {
        slice: {
          struct: 'vuln.VulnerabilityItem',
          fields: {
            id: 'string',
            package: 'string',
            version: 'string',
            fix_version: 'string',
            severity: 'string',
            status: 'string',
            description: 'string',
            links: { slice: 'string' },
            artifact_digests: { slice: 'string' },
            preferred_cvss: {
              struct: 'vuln.CVSS',
              fields: { score_v3: 'float64', score_v2: 'float64', vector_v3: 'string', vector_v2: 'string' },
            },
            cwe_ids: { slice: 'string' },
            vendor_attributes: { map: 'any' },
          },
        },
      },
      sbom: { map: 'any' },
    },
  },
  /** `sbom.RawSBOMReport` (`src/pkg/scan/sbom/model/report.go`). */
  sbomReport: {
    struct: 'model.RawSBOMReport',
    fields: { generated_at: 'string', scanner: SCANNER, media_type: 'string', sbom: { map: 'any' } },
  },
  /** The fork's `modelsecurity/model.Report` (reference §5.2). */
  modelSecurityReport: {
    struct: 'model.Report',
    fields: {
      generated_at: 'string',
      scanner: SCANNER,
      severity: 'string',
      summary: {
        struct: 'model.Summary',
        fields: {
          total: 'int',
          critical: 'int',
          high: 'int',
          medium: 'int',
          low: 'int',
          files_scanned: 'int',
          bytes_scanned: 'int',
          scanners: { slice: 'string' },
        },
      },
      findings: {
        slice: {
          struct: 'model.Finding',
          fields: {
            id: 'string',
            severity: 'string',
            message: 'string',
            why: 'string',
            file: 'string',
            location: 'string',
            scanner: 'string',
            details: { map: 'any' },
            links: { slice: 'string' },
          },
        },
      },
    },
  },
} as const satisfies Record<string, GoType>;
