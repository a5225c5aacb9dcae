/**
 * What the template analysis reports, independent of where the template lives (a GGUF key, a
 * tokenizer_config.json, a standalone .jinja file, an Ollama layer). The host turns issues into findings
 * with template/report.ts, which grades them by the renderer that will run the template.
 */

/**
 * - `code-reach`: a construct that reaches Python internals or code (dunder/private attributes however the
 *   name is built, escape objects such as `cycler`/`lipsum`/`self`/`request`, class walks, `os`/`eval`…).
 *   Jinja's sandbox blocks these; rendered unsandboxed they run code.
 * - `sandbox-escape`: a construct that gets past Jinja's sandbox itself (format-string attribute lookups
 *   through `str.format`/`format_map` reached indirectly).
 * - `loads-template`: `{% include/import/extends/from %}`, which read other files when a loader exists.
 * - `unparsed`: the Jinja parser rejected the template; it was judged by the bounded token scanner.
 * - `malformed`: not even the token scanner could read the template's blocks.
 * - `go-call`: an Ollama (Go text/template) template calls functions or templates outside Ollama's own.
 */
export type TemplateIssueKind = 'code-reach' | 'sandbox-escape' | 'loads-template' | 'unparsed' | 'malformed' | 'go-call';

export interface TemplateIssue {
  readonly kind: TemplateIssueKind;
  /** What was found, e.g. `.__globals__`, `cycler`, `unclosed {% for %}`. */
  readonly detail: string;
  /** Character offset of the first occurrence in the template, when the reader knows it. */
  readonly offset?: number;
  readonly occurrences: number;
}

/** Distinct issues kept per template; repeats are counted, not listed. */
export const MAX_TEMPLATE_ISSUES = 50;

/** Collects issues by kind and detail, counting repeats, at most {@link MAX_TEMPLATE_ISSUES}. */
export class IssueCollector {
  private readonly issues = new Map<string, { kind: TemplateIssueKind; detail: string; offset?: number; occurrences: number }>();

  add(kind: TemplateIssueKind, detail: string, offset?: number): void {
    const key = `${kind}\u0000${detail}`;
    const existing = this.issues.get(key);
    if (existing) existing.occurrences += 1;
    else if (this.issues.size < MAX_TEMPLATE_ISSUES) this.issues.set(key, { kind, detail, ...(offset === undefined ? {} : { offset }), occurrences: 1 });
  }

  list(): TemplateIssue[] {
    return [...this.issues.values()];
  }
}
