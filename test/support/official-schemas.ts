/**
 * The official JSON schemas the SBOM and SARIF tests validate against, loaded from files the repository
 * does not hold:
 * - CycloneDX 1.6: shipped by the npm package `@cyclonedx/cyclonedx-library` (res/schema/), a dev dependency;
 * - SPDX 2.3 (spdx/spdx-spec `schemas/spdx-schema.json`, support/2.3) and SARIF 2.1.0 (OASIS): in
 *   `../shared/schemas/` beside the checkout, or wherever `SPDX_SCHEMA_FILE` / `SARIF_SCHEMA_FILE` point.
 *   test/unit/server/report/spdx-spec-schema.ts holds the SPDX rules that always run.
 * A validator is undefined while its schema file is absent and the official-schema tests are skipped
 * then — except in CI (`CI=true`), where a missing schema is an error, so the checks cannot vanish.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const CYCLONEDX_DIR = fileURLToPath(new URL('../../node_modules/@cyclonedx/cyclonedx-library/res/schema/', import.meta.url));
export const CYCLONEDX_SCHEMA = `${CYCLONEDX_DIR}bom-1.6.SNAPSHOT.schema.json`;
const SHARED_SCHEMAS = fileURLToPath(new URL('../../../shared/schemas/', import.meta.url));
export const SPDX_SCHEMA = process.env['SPDX_SCHEMA_FILE'] || `${SHARED_SCHEMAS}spdx-2.3-schema.json`;
export const SARIF_SCHEMA = process.env['SARIF_SCHEMA_FILE'] || `${SHARED_SCHEMAS}sarif-2.1.0-schema.json`;

/** Whether a schema file is there; in CI its absence fails the run instead of skipping checks. */
function present(file: string): boolean {
  if (existsSync(file)) return true;
  if (process.env['CI'] === 'true') throw new Error(`official schema ${file} is missing (CI must validate against it)`);
  return false;
}

/** SPDX 2.3.1's schema is draft 2019-09; SPDX 2.3's and CycloneDX's are draft-07. */
function newAjv(draft2019 = false): Ajv {
  // strict off: both schemas use annotation keywords Ajv does not know (`meta:enum`, `deprecated`).
  const options = { strict: false, allErrors: true };
  const ajv = draft2019 ? new Ajv2019(options) : new Ajv(options);
  addFormats.default(ajv); // CommonJS default export under NodeNext
  // ajv-formats lacks the RFC 3987 formats CycloneDX uses; their values are plain strings here.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  return ajv;
}

const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** CycloneDX 1.6, with its SPDX license-id and JSF signature schemas. */
export function cycloneDxValidator(): ValidateFunction | undefined {
  if (!present(CYCLONEDX_SCHEMA)) return undefined;
  const ajv = newAjv();
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) ajv.addSchema(read(CYCLONEDX_DIR + name));
  const bom = read(CYCLONEDX_SCHEMA);
  // The library renames the referenced files (`spdx.SNAPSHOT.schema.json`); point the refs at the ids.
  const ids = Object.keys(ajv.schemas);
  const resolve = (ref: string): string => {
    const [file = '', fragment] = ref.split('#', 2);
    const id = ids.find((known) => known.replace('.SNAPSHOT', '').endsWith(file.replace('.SNAPSHOT', '')));
    return id ? `${id}${fragment === undefined ? '' : `#${fragment}`}` : ref;
  };
  return ajv.compile(rewriteRefs(bom, resolve) as Record<string, unknown>);
}

export function spdxValidator(): ValidateFunction | undefined {
  if (!present(SPDX_SCHEMA)) return undefined;
  const schema = read(SPDX_SCHEMA);
  return newAjv(String(schema['$schema']).includes('2019-09')).compile(schema);
}

/** SARIF 2.1.0's schema is draft-04. */
export function sarifValidator(): ValidateFunction | undefined {
  if (!present(SARIF_SCHEMA)) return undefined;
  const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(read(SARIF_SCHEMA));
}

/** Errors as one readable line for assertion messages. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

function rewriteRefs(node: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, map));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && !value.startsWith('#') ? map(value) : rewriteRefs(value, map)]),
  );
}
