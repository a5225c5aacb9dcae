/**
 * Judges a parsed Jinja template on its syntax tree. It flags the building blocks of server-side
 * template injection, whatever spelling builds them:
 * - attribute names (`.x`, `x['…']`, `x | attr(…)`) that are dunder or private (`__class__`,
 *   `_TemplateReference__context`) or reach code (`mro`, `f_globals`, `popen`…), with computed names
 *   folded from literals (jinja-fold.ts: `~`, `+`, `join`, `format`, `%c`, `lower`, `reverse`…);
 * - `attr()` with a name built at render time;
 * - the objects payloads start from: Jinja's globals `cycler`, `joiner`, `lipsum`, `self` and Flask's
 *   `request`, `config`, `url_for`, `get_flashed_messages`, `g`, `session`; `namespace`, `range` and `dict`
 *   used as objects rather than called; and names such as `os`, `eval`, `__import__`;
 * - any string or keyword name that spells a dunder (`c.__name__ == 'catch_warnings'` walks);
 * - format strings with attribute or index fields (`'{0.__class__}'`) in a template that reaches
 *   `format`/`format_map`: the route that escaped Jinja's sandbox (format-escape.ts).
 * Names the template binds itself (`{% set config = … %}`, loop variables, macro parameters) are its own.
 * The walk uses an explicit stack, so a deep tree costs heap, not call stack.
 */
import { findDunder } from './jinja-tokens.js';
import { foldString, identifierName } from './jinja-fold.js';
import type { JinjaNode } from './jinja-nodes.js';
import { FORMAT_METHODS, hasFieldLookup } from './format-escape.js';
import type { IssueCollector } from './issues.js';

/**
 * Globals that lead from a template to Python internals (`cycler.__init__.__globals__.os`,
 * `request.application.__globals__`, `config.__class__.__init__.__globals__`): Jinja's default globals
 * and the template reference, and what Flask adds. No chat template needs them.
 */
const ESCAPE_OBJECTS = new Set(['cycler', 'joiner', 'lipsum', 'self', 'request', 'config', 'url_for', 'get_flashed_messages', 'g', 'session']);
/** Globals that chat templates call (`namespace(…)`, `range(n)`, `dict(…)`); used as objects they start class walks. */
const CALL_ONLY_GLOBALS = new Set(['namespace', 'range', 'dict']);
/** Names of modules and builtins that run code or open files; no template variable is called this. */
const CODE_NAMES = new Set([
  'os', 'sys', 'subprocess', 'builtins', 'importlib', 'eval', 'exec', 'execfile', 'compile', 'open', 'getattr', 'setattr',
  'delattr', 'globals', 'locals', 'vars', 'import_module', 'breakpoint',
]);
/** Attributes without underscores that reach frames, classes, modules or processes. */
const CODE_ATTRIBUTES = new Set([
  'mro', 'subclasses', 'func_globals', 'func_code', 'f_globals', 'f_locals', 'f_builtins', 'f_back', 'gi_frame', 'gi_code',
  'cr_frame', 'cr_code', 'ag_frame', 'ag_code', 'tb_frame', 'tb_next', 'co_code', 'popen', 'Popen', 'spawnl', 'spawnv', 'execv',
  'execl', 'check_output', 'getoutput', 'getstatusoutput', 'import_module', 'load_module', 'modules', 'catch_warnings',
  'os', 'sys', 'subprocess', 'builtins', 'eval', 'exec', 'application', 'jinja_env', 'environ',
]);
/** Children of a node that are evaluated expressions or statements, with the Identifiers that are not references left out. */
function childrenOf(node: JinjaNode): JinjaNode[] {
  switch (node.type) {
    case 'MemberExpression':
      return node.computed ? [node.object as JinjaNode, node.property as JinjaNode] : [node.object as JinjaNode];
    case 'FilterExpression': {
      const filter = node.filter as JinjaNode;
      return [node.operand as JinjaNode, ...(filter.type === 'CallExpression' ? (filter.args as JinjaNode[]) : [])];
    }
    case 'FilterStatement': {
      const filter = node.filter as JinjaNode;
      return [...(filter.type === 'CallExpression' ? (filter.args as JinjaNode[]) : []), ...(node.body as JinjaNode[])];
    }
    case 'TestExpression':
      return [node.operand as JinjaNode];
    case 'KeywordArgumentExpression':
      return [node.value as JinjaNode];
    case 'ObjectLiteral':
      return [...(node.value as Map<JinjaNode, JinjaNode>)].flat();
    default: {
      const out: JinjaNode[] = [];
      for (const [field, value] of Object.entries(node)) {
        if (field === 'type' || field === 'operator') continue;
        if (Array.isArray(value)) for (const v of value) if (isNode(v)) out.push(v);
        if (isNode(value)) out.push(value);
      }
      return out;
    }
  }
}

function isNode(value: unknown): value is JinjaNode {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

/** Names the template binds: set targets, loop variables, macro names and parameters. */
function boundNames(program: JinjaNode): Set<string> {
  const bound = new Set<string>();
  const bind = (target: unknown) => {
    if (!isNode(target)) return;
    const name = identifierName(target);
    if (name !== undefined) bound.add(name);
    else if (target.type === 'TupleLiteral' || target.type === 'ArrayLiteral') for (const t of target.value as unknown[]) bind(t);
    else if (target.type === 'KeywordArgumentExpression') bind(target.key);
  };
  walk(program, (node) => {
    if (node.type === 'Set') bind(node.assignee);
    else if (node.type === 'For') bind(node.loopvar);
    else if (node.type === 'Macro') {
      bind(node.name);
      for (const arg of node.args as unknown[]) bind(arg);
    } else if (node.type === 'CallStatement') for (const arg of (node.callerArgs as unknown[] | null) ?? []) bind(arg);
  });
  return bound;
}

function walk(root: JinjaNode, visit: (node: JinjaNode, parent: JinjaNode | undefined) => void): void {
  const stack: Array<[JinjaNode, JinjaNode | undefined]> = [[root, undefined]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    visit(item[0], item[1]);
    for (const child of childrenOf(item[0]).reverse()) stack.push([child, item[0]]);
  }
}

/** Issues of a parsed template. */
export function judgeJinjaAst(program: JinjaNode, issues: IssueCollector): void {
  const bound = boundNames(program);
  const lookupFormats: string[] = [];
  let reachesFormat = false;

  const attribute = (name: string, how: string) => {
    if (FORMAT_METHODS.has(name)) reachesFormat = true;
    if (name.startsWith('__') && name.length > 2) issues.add('code-reach', `dunder attribute ${name} (${how})`);
    else if (name.startsWith('_')) issues.add('code-reach', `private attribute ${name} (${how})`);
    else if (CODE_ATTRIBUTES.has(name)) issues.add('code-reach', `attribute ${name} (${how})`);
    else {
      const hidden = findDunder(name);
      if (hidden !== undefined) issues.add('code-reach', `dunder ${hidden} in attribute name (${how})`);
    }
  };

  walk(program, (node, parent) => {
    switch (node.type) {
      case 'MemberExpression': {
        if (!node.computed) {
          const name = identifierName(node.property as JinjaNode);
          if (name !== undefined) attribute(name, '.');
        } else {
          const name = foldString(node.property as JinjaNode);
          if (name !== undefined) attribute(name, 'subscript');
        }
        break;
      }
      case 'FilterExpression': {
        const filter = node.filter as JinjaNode;
        if (filter.type !== 'CallExpression' || identifierName(filter.callee as JinjaNode) !== 'attr') break;
        const name = foldString((filter.args as JinjaNode[])[0]);
        if (name === undefined) issues.add('code-reach', 'attr() with a name computed at render time');
        else attribute(name, 'attr()');
        break;
      }
      case 'Identifier': {
        const name = node.value as string;
        if (bound.has(name)) break;
        if (ESCAPE_OBJECTS.has(name)) issues.add('code-reach', `template global ${name}`);
        else if (CODE_NAMES.has(name) || name.startsWith('__')) issues.add('code-reach', `name ${name}`);
        else if (CALL_ONLY_GLOBALS.has(name) && !(parent?.type === 'CallExpression' && parent.callee === node))
          issues.add('code-reach', `global ${name} used as an object`);
        break;
      }
      case 'KeywordArgumentExpression': {
        const key = identifierName(node.key as JinjaNode) ?? '';
        const dunder = findDunder(key);
        if (dunder !== undefined) issues.add('code-reach', `keyword name ${dunder}`);
        break;
      }
      case 'StringLiteral': {
        const text = node.value as string;
        const dunder = findDunder(text);
        if (dunder !== undefined) issues.add('code-reach', `string naming ${dunder.slice(0, 60)}`);
        else if (text === 'catch_warnings' || text === 'Popen' || text === '__import__') issues.add('code-reach', `string naming ${text}`);
        if (hasFieldLookup(text)) lookupFormats.push(text);
        break;
      }
      default:
        break;
    }
    // A name assembled from pieces, whatever uses it: the folded value of any composite expression.
    if (node.type === 'BinaryExpression' || node.type === 'FilterExpression' || node.type === 'CallExpression') {
      const built = foldString(node);
      if (built !== undefined) {
        const dunder = findDunder(built);
        if (dunder !== undefined) issues.add('code-reach', `string built as ${dunder.slice(0, 60)}`);
        if (hasFieldLookup(built)) lookupFormats.push(built);
        if (FORMAT_METHODS.has(built)) reachesFormat = true;
      }
    }
  });
  if (reachesFormat && lookupFormats.length > 0)
    issues.add('sandbox-escape', `format string ${JSON.stringify(lookupFormats[0]!.slice(0, 60))} reaches str.format`);
}
