/**
 * What a GGUF file says about itself: name, architecture, size, licence and quantization, for reports
 * and for the licence analysis (keys listed in oci-model-formats.md §6.2). Values come from the file
 * and are claims, not facts; strings are clipped so a hostile value cannot bloat a report.
 */
import type { AnalyzerLimits } from '../limits.js';
import { clip, type FindingSink } from '../finding-budget.js';
import type { ByteSource } from '../source.js';
import { GGML_TYPES, LLAMA_FILE_TYPES } from './ggml-types.js';
import type { GgufKeyValue, GgufValue } from './metadata.js';
import { parseGguf, type GgufFile } from './parse.js';

export interface GgufBaseModel {
  readonly name?: string;
  readonly organization?: string;
  readonly version?: string;
  readonly repoUrl?: string;
  readonly license?: string;
}

export interface GgufSummary {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly name?: string;
  readonly architecture?: string;
  /** Sum of tensor element counts (Number: exact up to 2^53, far beyond any model). */
  readonly parameterCount: number;
  readonly sizeLabel?: string;
  /** `general.license`: an SPDX expression by convention. */
  readonly license?: string;
  readonly licenseName?: string;
  readonly licenseLink?: string;
  /** Every scalar `general.license*` key, for licence detection beyond the three above. */
  readonly licenseFields: Readonly<Record<string, string>>;
  readonly author?: string;
  readonly organization?: string;
  readonly url?: string;
  readonly repoUrl?: string;
  readonly baseModels: readonly GgufBaseModel[];
  /** `general.file_type` (llama.cpp `llama_ftype`) and its name when known. */
  readonly fileType?: number;
  readonly fileTypeName?: string;
  readonly quantizationVersion?: number;
  /** Tensor count per ggml type name (`Q4_K: 193, F32: 65`), the quantization actually used. */
  readonly tensorTypes: Readonly<Record<string, number>>;
  /** Keys holding chat templates. */
  readonly chatTemplateKeys: readonly string[];
  /** False when parsing stopped early; the fields above are then partial. */
  readonly complete: boolean;
}

/** Summarises an already parsed file. The first occurrence of a duplicated key wins. */
export function summarizeGguf(file: GgufFile): GgufSummary {
  const values = new Map<string, GgufValue>();
  for (const kv of file.metadata) if (!values.has(kv.key)) values.set(kv.key, kv.value);
  const text = (key: string): string | undefined => {
    const v = values.get(key);
    return typeof v === 'string' ? clip(v) : undefined;
  };
  const integer = (key: string): number | undefined => {
    const v = values.get(key);
    return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };
  const fileType = integer('general.file_type');
  const fileTypeName = fileType === undefined ? undefined : LLAMA_FILE_TYPES.get(fileType);
  return {
    version: file.version,
    littleEndian: file.littleEndian,
    ...defined({
      name: text('general.name'),
      architecture: text('general.architecture'),
      sizeLabel: text('general.size_label'),
      license: text('general.license'),
      licenseName: text('general.license.name'),
      licenseLink: text('general.license.link'),
      author: text('general.author'),
      organization: text('general.organization'),
      url: text('general.url'),
      repoUrl: text('general.repo_url'),
      fileType,
      fileTypeName,
      quantizationVersion: integer('general.quantization_version'),
    }),
    parameterCount: Number(file.tensors.reduce((sum, t) => sum + t.elements, 0n)),
    licenseFields: licenseFields(file.metadata),
    baseModels: baseModels(values),
    tensorTypes: tensorTypes(file),
    chatTemplateKeys: [...new Set(file.metadata.filter((kv) => isChatTemplateKey(kv.key)).map((kv) => kv.key))],
    complete: file.complete,
  };
}

/**
 * Parses the header and summarises it, for callers that want the metadata but not the findings
 * (licence analysis). Throws only `LimitExceededError`.
 */
export async function readGgufSummary(source: ByteSource, limits: AnalyzerLimits): Promise<GgufSummary> {
  const ignore: FindingSink = { add: () => undefined };
  return summarizeGguf(await parseGguf(source, limits, ignore));
}

/** `tokenizer.chat_template` and the named variants `tokenizer.chat_template.<name>`. */
export function isChatTemplateKey(key: string): boolean {
  return key === 'tokenizer.chat_template' || key.startsWith('tokenizer.chat_template.');
}

function licenseFields(metadata: readonly GgufKeyValue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const kv of metadata)
    if (kv.key.startsWith('general.license') && typeof kv.value === 'string' && !(kv.key in fields)) fields[kv.key] = clip(kv.value);
  return fields;
}

/** `general.base_model.count` and `general.base_model.<n>.{name,organization,version,repo_url,license}`. */
function baseModels(values: ReadonlyMap<string, GgufValue>): GgufBaseModel[] {
  const declared = values.get('general.base_model.count');
  const count = typeof declared === 'number' ? declared : typeof declared === 'bigint' ? Number(declared) : 0;
  const models: GgufBaseModel[] = [];
  // Bounded by the keys actually present, not by the declared count.
  for (let i = 0; i < count && (values.has(`general.base_model.${i}.name`) || values.has(`general.base_model.${i}.repo_url`)); i++) {
    const field = (name: string): string | undefined => {
      const v = values.get(`general.base_model.${i}.${name}`);
      return typeof v === 'string' ? clip(v) : undefined;
    };
    models.push(
      defined({ name: field('name'), organization: field('organization'), version: field('version'), repoUrl: field('repo_url'), license: field('license') }),
    );
  }
  return models;
}

function tensorTypes(file: GgufFile): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of file.tensors) {
    const name = GGML_TYPES.get(t.type)?.name ?? `type ${t.type}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Drops undefined fields so optional properties are absent rather than present-and-undefined. */
function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
