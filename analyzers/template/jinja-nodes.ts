/**
 * The Jinja parse: `@huggingface/jinja`'s lexer and parser (the reimplementation Hugging Face uses for
 * chat templates), behind our own bounds. Its parser is recursive, so nesting is measured first and a
 * template nested beyond {@link MAX_PARSE_NESTING} is not handed to it; a stack overflow that still
 * happens is a parse failure like any other. What it cannot parse (constructs real Jinja2 accepts, such
 * as `{% raw %}`, `{% include %}`, `{% with %}` or octal escapes) is reported by the caller, which falls
 * back to the token scanner.
 */
import { parse, tokenize } from '@huggingface/jinja';

/** A node of the parser's syntax tree, read structurally (`type` plus the fields of its class). */
export interface JinjaNode {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Brackets and blocks nested deeper than any real template; beyond it the parser is not called. */
export const MAX_PARSE_NESTING = 128;

export type JinjaParse = { readonly ok: true; readonly program: JinjaNode } | { readonly ok: false; readonly error: string };

export function parseJinja(template: string): JinjaParse {
  const nesting = maxNesting(template);
  if (nesting > MAX_PARSE_NESTING) return { ok: false, error: `nested ${nesting} levels deep (the parser is not run beyond ${MAX_PARSE_NESTING})` };
  try {
    return { ok: true, program: parse(tokenize(template)) as unknown as JinjaNode };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * An upper bound on how deep the parser will recurse: brackets plus block statements, counted without
 * regard to strings (over-counting only sends more templates to the token scanner).
 */
function maxNesting(template: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '(' || c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  let blocks = 0;
  let maxBlocks = 0;
  for (const match of template.matchAll(/\{%-?\s*(end)?(if|for|macro|call|filter|generation)\b/g)) {
    if (match[1]) blocks = Math.max(0, blocks - 1);
    else maxBlocks = Math.max(maxBlocks, ++blocks);
  }
  return max + maxBlocks;
}
