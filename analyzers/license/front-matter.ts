/**
 * The YAML metadata block at the top of a Hugging Face model card (README.md), between `---` fences
 * (huggingface/hub-docs `docs/hub/model-cards.md`). Only the keys licenses and SBOMs need are read;
 * every value is clipped and every list capped, whatever the card claims.
 */
import { clip } from '../finding-budget.js';
import { onDemand } from '../on-demand.js';
import { field, isObject, list, optional, text, texts } from './values.js';

export interface ModelCardMetadata {
  /** `license`: one id, or several when the card lists them. */
  readonly licenses: readonly string[];
  readonly licenseName?: string;
  readonly licenseLink?: string;
  readonly baseModels: readonly string[];
  readonly name?: string;
  readonly task?: string;
  readonly library?: string;
  readonly datasets: readonly string[];
  readonly languages: readonly string[];
}

export type FrontMatter = { readonly ok: true; readonly metadata: ModelCardMetadata } | { readonly ok: false; readonly error: string };

const yaml = onDemand<typeof import('yaml')>('yaml');

/** Bytes of a card read for its metadata block; real blocks are a few hundred bytes. */
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;
/** YAML aliases expanded per document: a few are legitimate, a "billion laughs" is not. */
const MAX_ALIASES = 16;

/** The card's metadata, an error when the block is broken, or undefined when the card has none. */
export function readFrontMatter(text: string): FrontMatter | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') return undefined;
  const end = lines.findIndex((line, i) => i > 0 && (line.trim() === '---' || line.trim() === '...'));
  if (end < 0) return { ok: false, error: `metadata block not closed within the first ${MAX_FRONT_MATTER_BYTES} bytes` };
  const document = yaml().parseDocument(lines.slice(1, end).join('\n'), { uniqueKeys: false });
  if (document.errors.length > 0) return { ok: false, error: `invalid YAML: ${clip(document.errors[0]!.message)}` };
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { ok: false, error: `invalid YAML: ${clip((error as Error).message)}` };
  }
  if (value === null || value === undefined) return { ok: true, metadata: EMPTY };
  if (!isObject(value)) return { ok: false, error: 'metadata block is not a mapping' };
  return { ok: true, metadata: toMetadata(value) };
}

const EMPTY: ModelCardMetadata = { licenses: [], baseModels: [], datasets: [], languages: [] };

function toMetadata(card: Record<string, unknown>): ModelCardMetadata {
  return {
    licenses: texts(card['license']),
    baseModels: texts(card['base_model']),
    datasets: texts(card['datasets']),
    languages: texts(card['language']),
    ...optional('licenseName', text(card['license_name'])),
    ...optional('licenseLink', text(card['license_link'])),
    ...optional('name', text(card['model_name']) ?? text(field(list(card['model-index'])[0], 'name'))),
    ...optional('task', text(card['pipeline_tag'])),
    ...optional('library', text(card['library_name'])),
  };
}
