/**
 * Ollama template layers (`application/vnd.ollama.image.template`) are Go `text/template` source, not
 * Jinja: Ollama parses them with Go's parser and the functions of its `template` package
 * (ollama/ollama `template/template.go`: `json`, `currentDate`, `yesterdayDate`, `toTypeScriptType`).
 * Go templates reach no Python and no OS; what they can do beyond rendering messages is call function
 * values (`call`), define and invoke named templates (`define`/`template`/`block`, which can recurse),
 * and name functions Ollama does not define (the template then fails to load). A Python template-injection
 * payload in such a layer is not executed by Ollama, but it has no business there: it is reported as a
 * code-reach issue, which the report grades High for this renderer.
 */
import { findDunder } from './jinja-tokens.js';
import { IssueCollector, type TemplateIssue } from './issues.js';

/** Go's predefined template functions (`text/template` `builtins`). */
const GO_BUILTINS = ['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'html', 'js', 'urlquery', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
/** Functions Ollama adds (`template/template.go` `funcs`). */
const OLLAMA_FUNCS = ['json', 'currentDate', 'yesterdayDate', 'toTypeScriptType'];
const KNOWN_FUNCTIONS = new Set([...GO_BUILTINS, ...OLLAMA_FUNCS]);
/** Action keywords (`text/template/parse` lexer). */
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'nil', 'true', 'false']);
/** Keywords that define or invoke named templates. */
const NAMED_TEMPLATES = new Set(['define', 'template', 'block']);

/** Actions read per template; beyond it the rest is reported unread. */
const MAX_ACTIONS = 100_000;

export function inspectGoTemplate(template: string): TemplateIssue[] {
  const issues = new IssueCollector();
  let pos = 0;
  for (let actions = 0; ; actions++) {
    const open = template.indexOf('{{', pos);
    if (open < 0) break;
    if (actions >= MAX_ACTIONS) {
      issues.add('unparsed', `more than ${MAX_ACTIONS} actions; the rest was not read`, open);
      break;
    }
    const close = findActionEnd(template, open + 2);
    if (close < 0) {
      issues.add('malformed', 'unterminated {{ … }} action', open);
      break;
    }
    inspectAction(template.slice(open + 2, close), open, issues);
    pos = close + 2;
  }
  const dunder = findDunder(template);
  if (dunder !== undefined) issues.add('code-reach', `Python dunder ${dunder.slice(0, 60)} in a Go template`, template.indexOf(dunder));
  if (/\{%.*%\}/s.test(template)) {
    // Jinja statements are text to Go: not run by Ollama, but a sign the layer was written for another renderer.
    const at = template.indexOf('{%');
    if (/__\w+__|\bcycler\b|\blipsum\b|\battr\s*\(/.test(template)) issues.add('code-reach', 'Jinja template-injection syntax in a Go template', at);
  }
  return issues.list();
}

/** Index of the `}}` closing an action, skipping quoted strings and raw strings; -1 when it never closes. */
function findActionEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`' || c === "'") {
      const end = c === '"' || c === "'" ? closingQuote(text, i) : text.indexOf('`', i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '}' && text[i + 1] === '}') return i;
    else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    }
  }
  return -1;
}

function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[start]) return i;
    else if (text[i] === '\n') return -1;
  }
  return -1;
}

function inspectAction(action: string, offset: number, issues: IssueCollector): void {
  const body = action.replace(/^-\s/, '').replace(/\s-$/, '');
  // Identifiers not after a dot or `$`: functions and keywords (fields are `.Name`, variables `$x`).
  const code = body.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'|\/\*[\s\S]*?\*\//g, '""');
  for (const match of code.matchAll(/(^|[^.$\w])([A-Za-z_]\w*)/g)) {
    const name = match[2]!;
    if (KEYWORDS.has(name) || KNOWN_FUNCTIONS.has(name)) continue;
    if (name === 'call') issues.add('go-call', '`call` invokes a function value from the template data', offset);
    else if (NAMED_TEMPLATES.has(name)) issues.add('go-call', `{{ ${name} }} defines or invokes a named template (templates can recurse)`, offset);
    else issues.add('malformed', `function ${name.slice(0, 60)} is not one Ollama defines; the template fails to load`, offset);
  }
}
