/**
 * Duplicate-key detection for JSON text. `JSON.parse` silently keeps the last of two equal keys, so the
 * duplicates a loader might resolve differently are invisible after parsing; this scanner walks the
 * text once to find them. It is iterative (an explicit stack, no recursion), so nesting depth costs
 * memory proportional to the text, never the call stack.
 */

export interface DuplicateKey {
  /** Keys of the enclosing objects, outermost first (empty for a top-level key). */
  readonly path: readonly string[];
  readonly key: string;
  /** Character offset of the repeated key in the text. */
  readonly offset: number;
}

export interface JsonKeyScan {
  readonly duplicates: readonly DuplicateKey[];
  /** Number of duplicates found; may exceed `duplicates.length` when capped. */
  readonly duplicateCount: number;
  /**
   * Character offsets of the top-level object or array: [start, end); whitespace around it lies
   * outside. For a top-level scalar, `valueEnd` is the text length.
   */
  readonly valueStart: number;
  readonly valueEnd: number;
}

interface Frame {
  /** Keys seen so far; undefined for arrays. */
  readonly keys: Set<string> | undefined;
  /** The key this container is the value of (or `[]` inside an array). */
  readonly name: string;
  expectingKey: boolean;
}

/**
 * Scans `text`, which must already be valid JSON (callers run `JSON.parse` first), and reports
 * repeated keys in any object. Keys are compared after unescaping, as parsers compare them
 * (`"a"` and `"\u0061"` are the same key). At most `maxReported` duplicates are returned.
 */
export function scanJsonKeys(text: string, maxReported = 100): JsonKeyScan {
  const duplicates: DuplicateKey[] = [];
  let duplicateCount = 0;
  const stack: Frame[] = [];
  let lastKey = '';
  let valueStart = -1;
  let valueEnd = text.length;

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (valueStart < 0 && !isJsonWhitespace(c)) valueStart = i;
    const top = stack[stack.length - 1];
    switch (c) {
      case 0x7b: // {
        stack.push({ keys: new Set(), name: containerName(top, lastKey), expectingKey: true });
        break;
      case 0x5b: // [
        stack.push({ keys: undefined, name: containerName(top, lastKey), expectingKey: false });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        if (stack.length === 0) valueEnd = i + 1;
        break;
      case 0x2c: // ,
        if (top?.keys) top.expectingKey = true;
        break;
      case 0x22: {
        // "
        const end = stringEnd(text, i);
        if (top?.keys && top.expectingKey) {
          const key = decodeKey(text, i, end);
          if (top.keys.has(key)) {
            duplicateCount += 1;
            if (duplicates.length < maxReported)
              duplicates.push({ path: stack.slice(1).map((f) => f.name), key, offset: i });
          } else top.keys.add(key);
          top.expectingKey = false;
          lastKey = key;
        }
        i = end - 1;
        break;
      }
    }
  }
  return { duplicates, duplicateCount, valueStart: Math.max(0, valueStart), valueEnd };
}

function containerName(parent: Frame | undefined, lastKey: string): string {
  if (parent === undefined) return '';
  return parent.keys ? lastKey : '[]';
}

/** The key's value: escapes are rare in keys, so only those pay for `JSON.parse`. */
function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** Index just past the closing quote of the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++; // backslash: skip the escaped character
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
