/**
 * Report strings as Harbor can store them. Harbor writes descriptions, package names and vendor
 * attributes into PostgreSQL text and jsonb columns, which reject U+0000 (`invalid byte sequence` /
 * `unsupported Unicode escape sequence`): one NUL in a pickle GLOBAL name or a tar member name would
 * fail the whole scan job and hide every finding (harbor-scanner-api.md §3.7, report storage). Control
 * characters are written visibly instead (`\x00`, `\x1b`), so the name still shows what the file holds;
 * tab and newline stay, as the text layout of descriptions.
 */

// C0 controls except tab and newline, DEL, and the C1 controls terminals also interpret.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The same value with every string in it (object keys too) escaped; other values unchanged. */
export function withoutControlCharacters<T>(value: T): T {
  return escapeDeep(value) as T;
}

function escapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeControlCharacters(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeControlCharacters(k), escapeDeep(v)]));
  return value;
}
