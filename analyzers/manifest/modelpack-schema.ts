/**
 * The ModelPack config schema (`application/vnd.cncf.model.config.v1+json`, and the identical legacy
 * `application/vnd.cnai.model.config.v1+json`), written as data from oci-model-formats.md §1.3
 * (modelpack/model-spec `schema/config-schema.json`, JSON Schema 2020-12) and compiled once with ajv.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const string = { type: 'string' } as const;
const strings = { type: 'array', items: string } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const modality = { type: 'string', enum: ['text', 'image', 'audio', 'video', 'embedding', 'other'] } as const;
const positive = { type: 'integer', minimum: 1 } as const;

export const MODELPACK_CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['descriptor', 'config', 'modelfs'],
  properties: {
    descriptor: {
      type: 'object',
      additionalProperties: false,
      properties: {
        createdAt: dateTime,
        authors: strings,
        family: string,
        name: { type: 'string', minLength: 1 },
        version: string,
        revision: string,
        vendor: string,
        title: string,
        description: string,
        docURL: string,
        sourceURL: string,
        datasetsURL: strings,
        licenses: strings,
      },
    },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        architecture: string,
        format: string,
        paramSize: string,
        precision: string,
        quantization: string,
        capabilities: {
          type: 'object',
          additionalProperties: false,
          properties: {
            inputTypes: { type: 'array', items: modality },
            outputTypes: { type: 'array', items: modality },
            knowledgeCutoff: dateTime,
            reasoning: { type: 'boolean' },
            toolUsage: { type: 'boolean' },
            reward: { type: 'boolean' },
            languages: { type: 'array', items: { type: 'string', pattern: '^[a-z]{2}$' } },
          },
        },
        // Present in model-spec main's schema after the §1.3 snapshot; accepted so newer producers
        // are not reported as using unknown fields.
        transformerConfig: {
          type: 'object',
          additionalProperties: false,
          properties: {
            attentionType: { type: 'string', enum: ['mha', 'gqa', 'mla'] },
            mlpType: { type: 'string', enum: ['dense', 'moe'] },
            numLayers: positive,
            numAttentionHeads: positive,
            numKVHeads: positive,
            hiddenSize: positive,
            intermediateSize: positive,
          },
        },
      },
    },
    modelfs: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'diffIds'],
      properties: {
        type: { type: 'string', enum: ['layers'] },
        diffIds: { type: 'array', items: string, minItems: 1 },
      },
    },
  },
} as const;

let compiled: ValidateFunction | undefined;

/**
 * The validator of a parsed ModelPack config (read `.errors` after a `false` result), compiled on first
 * use: only artifact scans need it, and compiling costs a CLI scan of local files a tenth of a second.
 */
export function modelPackConfigValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv, ['date-time']);
  compiled = ajv.compile(MODELPACK_CONFIG_SCHEMA);
  return compiled;
}
