/** Reading untrusted parsed JSON (configs, annotations) without trusting its shape. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** A non-empty string field, else undefined. */
export function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

/** Number of values in a parsed JSON document, counted until `max` is passed (then at most `max + 1`). */
export function countJsonNodes(value: unknown, max: number): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && count <= max) {
    const next = pending.pop();
    count += 1;
    const children = Array.isArray(next) ? next : isRecord(next) ? Object.values(next) : [];
    for (const child of children) {
      if (count + pending.length > max) break;
      pending.push(child);
    }
  }
  return count + pending.length;
}
