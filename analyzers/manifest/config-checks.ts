/**
 * Config blobs: they must be JSON, and a ModelPack config must satisfy the ModelPack schema
 * (oci-model-formats.md §1.3: missing required fields High, wrong types/values Medium, fields the strict
 * schema does not define Low). The diff ID list's minimum length is left to the diff ID check, which
 * says more (how many layers there are).
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { ENGINE_RULES } from '../engine-rules.js';
import { clip } from '../finding-budget.js';
import type { Rule } from '../finding.js';
import { countJsonNodes } from './json.js';
import { modelPackConfigValidator } from './modelpack-schema.js';
import { MANIFEST_RULES } from './rules.js';
import type { ManifestFacts } from './types.js';
import type { CheckContext } from './view.js';

/** Config media types of ModelPack (current and legacy names, §1.1). */
const MODELPACK_CONFIG = /^application\/vnd\.(?:cncf|cnai|cncf\.cnai)\.model\.config\.v\d+\+json$/;
/** Configs that are JSON by definition: `…+json` types and Docker's image config. */
const JSON_CONFIG = /\+json$|^application\/vnd\.docker\.container\.image\.v1\+json$/;
/**
 * Values validated in one config. Real configs hold a few hundred (one diff ID per layer); the cap keeps
 * a 4 MiB config of a million tiny values from producing a million validation errors.
 */
const MAX_CONFIG_NODES = 50_000;

export function checkConfigs({ view, report }: CheckContext): void {
  for (const manifest of view.manifests) {
    const { config } = manifest;
    if (config.json === undefined) {
      if (JSON_CONFIG.test(config.mediaType) && config.size > 0)
        report.add(MANIFEST_RULES.configNotJson, config.digest, {
          message: `config ${config.mediaType} of manifest ${manifest.digest} does not parse as JSON`,
          details: { manifest: manifest.digest, mediaType: config.mediaType, size: config.size },
        });
      continue;
    }
    if (MODELPACK_CONFIG.test(config.mediaType)) checkModelPackConfig(manifest, { view, report });
  }
}

function checkModelPackConfig(manifest: ManifestFacts, { report }: CheckContext): void {
  const { config } = manifest;
  const nodes = countJsonNodes(config.json, MAX_CONFIG_NODES);
  if (nodes > MAX_CONFIG_NODES) {
    report.add(ENGINE_RULES.limitExceeded, config.digest, {
      message: `ModelPack config holds more than ${MAX_CONFIG_NODES} values; it was not validated against the schema`,
      details: { limit: 'config values', max: MAX_CONFIG_NODES },
    });
    return;
  }
  const validate = modelPackConfigValidator();
  if (validate(config.json)) return;
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'minItems' && error.instancePath === '/modelfs/diffIds' && manifest.layers.length > 0) continue;
    const { rule, message } = describe(error);
    report.add(rule, config.digest, {
      message,
      location: `key ${fieldName(error)}`,
      details: { manifest: manifest.digest, keyword: error.keyword, schemaPath: error.schemaPath },
    });
  }
}

function describe(error: ErrorObject): { rule: Rule; message: string } {
  const at = fieldName(error);
  switch (error.keyword) {
    case 'required':
      return { rule: MANIFEST_RULES.modelPackMissingField, message: `ModelPack config lacks required field ${at}` };
    case 'additionalProperties':
      return { rule: MANIFEST_RULES.modelPackUnknownField, message: `ModelPack config has field ${at}, which the schema does not define` };
    default:
      return { rule: MANIFEST_RULES.modelPackInvalid, message: `ModelPack config field ${at} ${error.message ?? 'is invalid'}` };
  }
}

/** `modelfs.diffIds[0]` from ajv's JSON pointer, with the missing or unknown property appended. */
function fieldName(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const extra = params.missingProperty ?? params.additionalProperty;
  if (extra !== undefined) segments.push(extra);
  const path = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return clip(path || '(top level)');
}
