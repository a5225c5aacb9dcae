/**
 * Reading untrusted parsed JSON/YAML values (cards, configs, Kitfiles): wrong types read as absent,
 * strings are trimmed and clipped, lists are capped, whatever the document claims.
 */
import { clip } from '../finding-budget.js';

/** Entries kept from any list (licenses, datasets, base models, Kitfile entries). */
export const MAX_LIST_ENTRIES = 64;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, MAX_LIST_ENTRIES) : [];
}

/** A non-blank string (numbers too: `version: 2`), trimmed and clipped. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? clip(value.trim()) : undefined;
}

/** A string or a list of strings, as card keys like `license` and `base_model` may be either. */
export function texts(value: unknown): string[] {
  return (Array.isArray(value) ? list(value) : [value]).flatMap((item) => text(item) ?? []);
}

/** `{ [key]: value }` when value is defined, `{}` otherwise, for optional properties. */
export function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
