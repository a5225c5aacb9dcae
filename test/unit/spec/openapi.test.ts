/**
 * spec/openapi.json is hand-maintained; this keeps it in step with spec/routes.ts (paths, methods,
 * status codes) and with the zod schemas in spec/schemas.ts (property names, required fields, types,
 * enums). Formats and patterns are documentation and not compared.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPORT_MIME } from '../../../spec/mime.js';
import {
  BackfillConflictSchema,
  BackfillProgressSchema,
  BackfillRequestSchema,
  HARBOR_MODE_API_ROUTES,
  WebhookAcceptedSchema,
  WebhookIgnoredSchema,
} from '../../../spec/harbor-mode-api.js';
import { API_ROUTES, METRICS_ROUTE, REFRESH_AFTER_SECONDS, type ApiRoute } from '../../../spec/routes.js';
import {
  ErrorResponseSchema,
  HarborSbomReportSchema,
  ModelSecurityReportSchema,
  ScanRequestSchema,
  ScanResponseSchema,
  ScannerAdapterMetadataSchema,
  VulnerabilityReportSchema,
} from '../../../spec/schemas.js';

type Json = Record<string, any>;
/** Every route the server can mount: the adapter API and probes, metrics, the webhook mode. */
const ROUTES: readonly ApiRoute[] = [...API_ROUTES, METRICS_ROUTE, ...HARBOR_MODE_API_ROUTES];
const doc: Json = JSON.parse(readFileSync(new URL('../../../spec/openapi.json', import.meta.url), 'utf8'));

function resolve(schema: Json): Json {
  const ref: unknown = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`dangling $ref ${ref}`);
  return resolve(target);
}

/** The structure both documents must agree on. */
function shape(input: Json): unknown {
  const schema = resolve(input);
  const out: Json = { type: schema.type ?? 'any' };
  if (schema.nullable) out.nullable = true;
  if (schema.enum) out.enum = [...schema.enum].sort();
  if (schema.items) out.items = shape(schema.items);
  if (schema.type === 'object') {
    out.required = [...(schema.required ?? [])].sort();
    out.properties = Object.fromEntries(
      Object.entries((schema.properties ?? {}) as Record<string, Json>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => [key, shape(value)]),
    );
    const extra = schema.additionalProperties;
    out.additional =
      extra === false ? 'none' : extra === undefined || extra === true || Object.keys(extra).length === 0 ? 'any' : shape(extra);
  }
  return out;
}

describe('spec/openapi.json', () => {
  it('should be OpenAPI 3.0 when parsed', () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
  });

  it('should document exactly the routes the code declares', () => {
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(ROUTES.map((route) => [route.operationId, route] as const))(
    'should list the declared status codes and operationId for %s',
    (_id, route) => {
      const operation = doc.paths[route.path][route.method];
      expect(operation.operationId).toBe(route.operationId);
      expect(Object.keys(operation.responses).map(Number).sort()).toEqual([...route.statuses].sort());
    },
  );

  it('should bound Refresh-After as the code does when documenting the 302', () => {
    const header = doc.paths['/api/v1/scan/{scan_request_id}/report'].get.responses['302'].headers['Refresh-After'];
    expect(header.schema).toMatchObject({ type: 'integer', minimum: REFRESH_AFTER_SECONDS.min, maximum: REFRESH_AFTER_SECONDS.max });
  });

  it('should offer only report media types the spec module defines', () => {
    const types = Object.keys(doc.paths['/api/v1/scan/{scan_request_id}/report'].get.responses['200'].content);
    for (const type of types) expect(Object.values(REPORT_MIME)).toContain(type);
  });

  it.each([
    ['ScanRequest', ScanRequestSchema, 'input'],
    ['ScannerAdapterMetadata', ScannerAdapterMetadataSchema, 'output'],
    ['ScanResponse', ScanResponseSchema, 'output'],
    ['ErrorResponse', ErrorResponseSchema, 'output'],
    ['VulnerabilityReport', VulnerabilityReportSchema, 'output'],
    ['ModelSecurityReport', ModelSecurityReportSchema, 'output'],
    ['HarborSbomReport', HarborSbomReportSchema, 'output'],
    ['BackfillRequest', BackfillRequestSchema, 'input'],
    ['BackfillProgress', BackfillProgressSchema, 'output'],
    ['BackfillConflict', BackfillConflictSchema, 'output'],
    ['WebhookAccepted', WebhookAcceptedSchema, 'output'],
    ['WebhookIgnored', WebhookIgnoredSchema, 'output'],
  ] as const)('should describe %s as the zod schema does', (name, schema, io) => {
    const fromZod = z.toJSONSchema(schema, { target: 'openapi-3.0', io }) as Json;
    expect(shape(doc.components.schemas[name])).toEqual(shape(fromZod));
  });
});
