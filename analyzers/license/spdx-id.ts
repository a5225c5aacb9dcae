/**
 * Turns a declared license string (model card, config, GGUF, packaging) into an SPDX expression that
 * uses only current ids: the Hugging Face vocabulary first, then SPDX syntax (ids matched
 * case-insensitively, deprecated ids replaced), then spdx-correct's guess, then known license titles;
 * anything else is a custom license named `LicenseRef-<name>`.
 */
import type { default as correct } from 'spdx-correct';
import type { default as parse, SpdxNode } from 'spdx-expression-parse';
import licenseIds from 'spdx-license-ids/index.json' with { type: 'json' };
import { onDemand } from '../on-demand.js';
import { recognizeTitle } from './titles.js';
import { hfLicense, knownLicenseRef, vocabularyEntryForSpdx } from './vocabulary.js';

export interface IdentifiedLicense {
  /** SPDX expression, `LicenseRef-…`, or `NOASSERTION`. */
  readonly spdx: string;
  readonly name: string;
  /** 1 for an exact id, lower for case repairs, spelling corrections and titles. */
  readonly confidence: number;
}

/** The SPDX packages, loaded with the first licence seen (on-demand.ts). */
const spdxParse = onDemand<typeof parse>('spdx-expression-parse');
const spdxCorrect = onDemand<typeof correct>('spdx-correct');

export const NOASSERTION = 'NOASSERTION';
/** Prefix of the LicenseRef given to license texts that match nothing known (./license-text.ts). */
export const UNIDENTIFIED_PREFIX = 'LicenseRef-unidentified-';

const CURRENT_IDS: ReadonlySet<string> = new Set(licenseIds);
const CANONICAL_ID = new Map(licenseIds.map((id) => [id.toLowerCase(), id]));
/** Values that say "no license stated" rather than naming one. */
const NO_ASSERTION_VALUES = new Set(['', 'none', 'n/a', 'na', 'null', 'noassertion', 'unspecified', 'tbd', 'todo', 'see license']);

/**
 * The current expression for each deprecated id of the SPDX list (spdx-license-ids `deprecated.json`):
 * bare GNU versions meant `-only`; the `-with-…-exception` ids became `WITH` expressions.
 */
const DEPRECATED: Readonly<Record<string, string>> = {
  'AGPL-1.0': 'AGPL-1.0-only',
  'AGPL-3.0': 'AGPL-3.0-only',
  'GFDL-1.1': 'GFDL-1.1-only',
  'GFDL-1.2': 'GFDL-1.2-only',
  'GFDL-1.3': 'GFDL-1.3-only',
  'GPL-1.0': 'GPL-1.0-only',
  'GPL-2.0': 'GPL-2.0-only',
  'GPL-3.0': 'GPL-3.0-only',
  'LGPL-2.0': 'LGPL-2.0-only',
  'LGPL-2.1': 'LGPL-2.1-only',
  'LGPL-3.0': 'LGPL-3.0-only',
  'GPL-2.0-with-GCC-exception': 'GPL-2.0-only WITH GCC-exception-2.0',
  'GPL-2.0-with-autoconf-exception': 'GPL-2.0-only WITH Autoconf-exception-2.0',
  'GPL-2.0-with-bison-exception': 'GPL-2.0-only WITH Bison-exception-2.2',
  'GPL-2.0-with-classpath-exception': 'GPL-2.0-only WITH Classpath-exception-2.0',
  'GPL-2.0-with-font-exception': 'GPL-2.0-only WITH Font-exception-2.0',
  'GPL-3.0-with-GCC-exception': 'GPL-3.0-only WITH GCC-exception-3.1',
  'GPL-3.0-with-autoconf-exception': 'GPL-3.0-only WITH Autoconf-exception-3.0',
  'BSD-2-Clause-FreeBSD': 'BSD-2-Clause-Views',
  'BSD-2-Clause-NetBSD': 'BSD-2-Clause',
  'Nunit': 'zlib-acknowledgement',
  'StandardML-NJ': 'SMLNJ',
  'bzip2-1.0.5': 'bzip2-1.0.6',
  'eCos-2.0': 'GPL-2.0-or-later WITH eCos-exception-2.0',
  'wxWindows': 'LGPL-2.0-or-later WITH WxWindows-exception-3.1',
  'Net-SNMP': 'LicenseRef-Net-SNMP',
};

/** Longest declared value looked at; longer strings are prose, not license names. */
const MAX_DECLARED = 200;

/** Identifies one declared license value. Never throws. */
export function identifyDeclared(value: string): IdentifiedLicense {
  const raw = value.trim().slice(0, MAX_DECLARED);
  const known = hfLicense(raw);
  if (known) return { spdx: known.spdx, name: known.name, confidence: 1 };
  if (NO_ASSERTION_VALUES.has(raw.toLowerCase())) return { spdx: NOASSERTION, name: `no license stated (${raw || 'empty'})`, confidence: 1 };
  const exact = normalizeExpression(raw);
  if (exact) return { spdx: exact, name: describe(exact), confidence: 1 };
  const repaired = normalizeExpression(repairCase(raw));
  if (repaired) return { spdx: repaired, name: describe(repaired), confidence: 0.95 };
  const titled = recognizeTitle(raw);
  if (titled) return { spdx: titled.spdx, name: titled.name, confidence: 0.9 };
  const corrected = safeCorrect(raw);
  const correctedExpression = corrected && normalizeExpression(corrected);
  if (correctedExpression) return { spdx: correctedExpression, name: describe(correctedExpression), confidence: 0.8 };
  const custom = licenseRef(raw);
  return custom ? { spdx: custom, name: raw, confidence: 1 } : { spdx: NOASSERTION, name: 'no license name', confidence: 1 };
}

/** `LicenseRef-<name>` for a custom license name: SPDX allows letters, digits, `.` and `-` only. */
export function licenseRef(name: string): string | undefined {
  const id = name
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  if (id === '') return undefined;
  return knownLicenseRef(`LicenseRef-${id}`)?.spdx ?? `LicenseRef-${id}`;
}

/**
 * The expression with current ids and canonical LicenseRef spelling, or undefined when `text` is not
 * an SPDX expression.
 */
export function normalizeExpression(text: string): string | undefined {
  let tree: SpdxNode;
  try {
    tree = spdxParse()(text);
  } catch {
    return undefined;
  }
  return serialize(tree, undefined);
}

/** The license ids and LicenseRefs an expression names (empty when it does not parse). */
export function expressionLicenses(expression: string): string[] {
  const ids: string[] = [];
  const walk = (node: SpdxNode): void => {
    if ('license' in node) ids.push(node.license);
    else {
      walk(node.left);
      walk(node.right);
    }
  };
  try {
    walk(spdxParse()(expression));
  } catch {
    return [];
  }
  return ids;
}

export function parseExpression(expression: string): SpdxNode | undefined {
  try {
    return spdxParse()(expression);
  } catch {
    return undefined;
  }
}

/** A readable name: the vocabulary's for single known ids, the expression itself otherwise. */
export function describe(expression: string): string {
  return (vocabularyEntryForSpdx(expression) ?? knownLicenseRef(expression))?.name ?? expression;
}

function serialize(node: SpdxNode, parent: 'and' | 'or' | undefined): string {
  if ('license' in node) {
    let id = node.license;
    if (id.startsWith('LicenseRef-')) id = knownLicenseRef(id)?.spdx ?? id;
    // `GPL-2.0+` (deprecated) is `GPL-2.0-or-later`; `+` on other ids is the or-later operator.
    else if (node.plus && CURRENT_IDS.has(`${id}-or-later`)) return withException(`${id}-or-later`, node.exception);
    // WITH binds tightest, so a replacement with its own WITH needs no parentheses.
    else if (DEPRECATED[id]) return withException(DEPRECATED[id]!, node.exception);
    return withException(node.plus ? `${id}+` : id, node.exception);
  }
  const text = `${serialize(node.left, node.conjunction)} ${node.conjunction.toUpperCase()} ${serialize(node.right, node.conjunction)}`;
  // AND binds tighter than OR: only an OR inside an AND needs parentheses.
  return parent === 'and' && node.conjunction === 'or' ? `(${text})` : text;
}

function withException(id: string, exception: string | undefined): string {
  return exception ? `${id} WITH ${exception}` : id;
}

/** `apache-2.0 or mit` → `Apache-2.0 OR MIT`: ids and operators in their canonical case. */
function repairCase(text: string): string {
  return text.replace(/[A-Za-z0-9.+-]+/g, (token) => {
    const upper = token.toUpperCase();
    if (upper === 'AND' || upper === 'OR' || upper === 'WITH') return upper;
    if (/^licenseref-/i.test(token)) return `LicenseRef-${token.slice('LicenseRef-'.length)}`;
    const plus = token.endsWith('+') ? '+' : '';
    return (CANONICAL_ID.get(token.replace(/\+$/, '').toLowerCase()) ?? token.replace(/\+$/, '')) + plus;
  });
}

function safeCorrect(text: string): string | null {
  try {
    return spdxCorrect()(text, { upgrade: true });
  } catch {
    return null;
  }
}
