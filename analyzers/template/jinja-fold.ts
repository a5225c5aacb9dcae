/**
 * Constant folding over a parsed Jinja expression: the string an attribute name, subscript or format
 * string evaluates to when it is built from literals (`'__cla' ~ 'ss__'`, `['_','_'] | join`,
 * `'%c%c' | format(95, 95)`, `'{0}{0}class{0}{0}'.format('_')`, `'__SSALC__' | lower | reverse`,
 * `dict(__class__=1) | list | first`). What depends on template variables folds to undefined. Bounded:
 * recursion depth and string length are capped, so a hostile expression costs little.
 */
import type { JinjaNode } from './jinja-nodes.js';

type Folded = string | number | boolean | Folded[];

const MAX_FOLD_DEPTH = 64;
const MAX_FOLDED_CHARS = 4096;

/** The string `node` evaluates to, when it is built from constants only. */
export function foldString(node: JinjaNode | undefined): string | undefined {
  const value = fold(node, 0);
  return typeof value === 'string' ? value : undefined;
}

function fold(node: JinjaNode | undefined, depth: number): Folded | undefined {
  if (node === undefined || depth > MAX_FOLD_DEPTH) return undefined;
  const next = (child: JinjaNode | undefined) => fold(child, depth + 1);
  switch (node.type) {
    case 'StringLiteral':
    case 'IntegerLiteral':
    case 'FloatLiteral':
    case 'BooleanLiteral':
      return node.value as Folded;
    case 'ArrayLiteral':
    case 'TupleLiteral': {
      const items = (node.value as JinjaNode[]).map(next);
      return items.every((i) => i !== undefined) ? (items as Folded[]) : undefined;
    }
    case 'BinaryExpression':
      return binary(String((node.operator as { value: string }).value), next(node.left as JinjaNode), next(node.right as JinjaNode));
    case 'FilterExpression': {
      const filter = node.filter as JinjaNode;
      const call = filter.type === 'CallExpression' ? filter : undefined;
      const name = call ? identifierName(call.callee as JinjaNode) : identifierName(filter);
      const args = call ? (call.args as JinjaNode[]).map(next) : [];
      return name === undefined ? undefined : applyFilter(name, next(node.operand as JinjaNode), args);
    }
    case 'CallExpression': {
      const callee = node.callee as JinjaNode;
      // dict(__class__=1): its keys are strings the template chose.
      if (identifierName(callee) === 'dict') return (node.args as JinjaNode[]).flatMap((a) => (a.type === 'KeywordArgumentExpression' ? [identifierName(a.key as JinjaNode) ?? ''] : []));
      if (callee.type !== 'MemberExpression' || callee.computed) return undefined;
      const method = identifierName(callee.property as JinjaNode);
      const receiver = next(callee.object as JinjaNode);
      const args = (node.args as JinjaNode[]).map(next);
      return method === undefined || typeof receiver !== 'string' ? undefined : stringMethod(receiver, method, args);
    }
    default:
      return undefined;
  }
}

function binary(operator: string, left: Folded | undefined, right: Folded | undefined): Folded | undefined {
  if (left === undefined || right === undefined) return undefined;
  if (operator === '~') return clipped(`${toText(left)}${toText(right)}`);
  if (operator === '+' && typeof left === 'string' && typeof right === 'string') return clipped(left + right);
  if (operator === '+' && Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (operator === '*' && typeof left === 'string' && typeof right === 'number') return clipped(left.repeat(Math.max(0, Math.min(right, MAX_FOLDED_CHARS))));
  if (operator === '%' && typeof left === 'string') return printf(left, Array.isArray(right) ? right : [right]);
  return undefined;
}

function applyFilter(name: string, value: Folded | undefined, args: Array<Folded | undefined>): Folded | undefined {
  if (name === 'string') return value === undefined ? undefined : toText(value);
  if (value === undefined) return undefined;
  switch (name) {
    case 'join':
      return Array.isArray(value) ? clipped(value.map(toText).join(typeof args[0] === 'string' ? args[0] : '')) : undefined;
    case 'lower':
      return typeof value === 'string' ? value.toLowerCase() : undefined;
    case 'upper':
      return typeof value === 'string' ? value.toUpperCase() : undefined;
    case 'trim':
      return typeof value === 'string' ? value.trim() : undefined;
    case 'reverse':
      return typeof value === 'string' ? [...value].reverse().join('') : Array.isArray(value) ? [...value].reverse() : undefined;
    case 'list':
      return typeof value === 'string' ? [...value] : Array.isArray(value) ? value : undefined;
    case 'first':
      return Array.isArray(value) || typeof value === 'string' ? value[0] : undefined;
    case 'last':
      return Array.isArray(value) || typeof value === 'string' ? value[value.length - 1] : undefined;
    case 'replace':
      return typeof value === 'string' && typeof args[0] === 'string' && typeof args[1] === 'string' ? clipped(value.split(args[0]).join(args[1])) : undefined;
    case 'format':
      return typeof value === 'string' && args.every((a) => a !== undefined) ? printf(value, args as Folded[]) : undefined;
    default:
      return undefined;
  }
}

function stringMethod(receiver: string, method: string, args: Array<Folded | undefined>): Folded | undefined {
  switch (method) {
    case 'format':
      return args.every((a) => a !== undefined) ? braceFormat(receiver, args as Folded[]) : undefined;
    case 'join':
      return Array.isArray(args[0]) ? clipped(args[0].map(toText).join(receiver)) : typeof args[0] === 'string' ? clipped([...args[0]].join(receiver)) : undefined;
    case 'lower':
      return receiver.toLowerCase();
    case 'upper':
      return receiver.toUpperCase();
    case 'strip':
      return receiver.trim();
    case 'replace':
      return typeof args[0] === 'string' && typeof args[1] === 'string' ? clipped(receiver.split(args[0]).join(args[1])) : undefined;
    default:
      return undefined;
  }
}

/** Python `%` formatting for the conversions that build names: `%s`, `%c` (a character from its code), `%%`. */
function printf(format: string, args: readonly Folded[]): string | undefined {
  let i = 0;
  let failed = false;
  const out = format.replace(/%([%sc])/g, (_, conversion: string) => {
    if (conversion === '%') return '%';
    const arg = args[i++];
    if (arg === undefined) return ((failed = true), '');
    if (conversion === 'c') return typeof arg === 'number' && arg >= 0 && arg <= 0x10ffff ? String.fromCodePoint(arg) : typeof arg === 'string' ? arg : ((failed = true), '');
    return toText(arg);
  });
  return failed ? undefined : clipped(out);
}

/** `str.format` with positional fields (`{}`, `{0}`), enough to see the names it assembles. */
function braceFormat(format: string, args: readonly Folded[]): string | undefined {
  let auto = 0;
  let failed = false;
  const out = format.replace(/\{\{|\}\}|\{(\d*)\}/g, (match, index: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const arg = args[index === undefined || index === '' ? auto++ : Number(index)];
    if (arg === undefined) return ((failed = true), '');
    return toText(arg);
  });
  return failed ? undefined : clipped(out);
}

function toText(value: Folded): string {
  if (Array.isArray(value)) return `[${value.map(toText).join(', ')}]`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function clipped(text: string): string {
  return text.length > MAX_FOLDED_CHARS ? text.slice(0, MAX_FOLDED_CHARS) : text;
}

/** The name of an `Identifier` node, else undefined. */
export function identifierName(node: JinjaNode | undefined): string | undefined {
  return node?.type === 'Identifier' && typeof node.value === 'string' ? node.value : undefined;
}
