/**
 * Default-deny policy for imported globals (model-scanners.md §5 item 2):
 *   denied (deny lists, dunder introspection, dangerous dotted components) → Critical;
 *   allowlisted → quiet; anything else → "unknown" (High when invoked, Medium when only imported).
 *
 * Order matters and is deliberate:
 *   1. the user's deny list;
 *   2. exact deny entries, dunder names and dangerous components anywhere in the dotted path — no
 *      allow entry overrides these (ModelAudit's allowlist-before-denylist order let `dill.loads` and
 *      `_pickle.Unpickler` through, §1.4);
 *   3. allowlist (built-in, then the user's);
 *   4. module-wide deny (`os`, `builtins`, …), which an exact allow entry may narrow (`builtins.set`);
 *   5. unknown.
 * Names are matched exactly and component by component — never by substring (modelscan's substring test
 * flags `exec` inside unrelated names and misses `pathlib`+`os.system`).
 */
import { clip } from '../finding-budget.js';
import type { PicklePolicySettings } from '../settings.js';
import {
  ALLOWED_NAMES,
  ALLOWED_NAMESPACES,
  NAMESPACE_EXCLUSIONS,
  type AllowedNamespace,
} from './allowlist.js';
import { CALLABLE_EFFECTS } from './effects.js';
import {
  DANGEROUS_COMPONENTS,
  DENIED_MODULES,
  DENIED_NAMES,
  DUNDER_MODULE_EXEMPT,
  type DangerCategory,
} from './denylist.js';

export type Verdict =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'denied'; readonly category: DangerCategory; readonly reason: string }
  | { readonly kind: 'unknown' };

const ALLOWED: Verdict = Object.freeze({ kind: 'allowed' });
const UNKNOWN: Verdict = Object.freeze({ kind: 'unknown' });

const DUNDER = /^__.+__$/;

function denied(category: DangerCategory, reason: string): Verdict {
  return { kind: 'denied', category, reason };
}

// Built once at module load: lookups per global are map hits, not list scans.
const deniedModules = new Map<string, DangerCategory>();
for (const [category, modules] of Object.entries(DENIED_MODULES) as Array<[DangerCategory, readonly string[]]>)
  for (const m of modules) deniedModules.set(m, category);

const deniedNames = new Map<string, Map<string, DangerCategory>>();
for (const [category, byModule] of Object.entries(DENIED_NAMES) as Array<
  [DangerCategory, Readonly<Record<string, readonly string[]>>]
>)
  for (const [module, names] of Object.entries(byModule)) {
    const map = deniedNames.get(module) ?? new Map<string, DangerCategory>();
    for (const n of names) map.set(n, category);
    deniedNames.set(module, map);
  }

const allowedNames = new Map<string, ReadonlySet<string>>(
  Object.entries(ALLOWED_NAMES).map(([m, names]) => [m, new Set(names)]),
);

function inNamespace(ns: AllowedNamespace, module: string): boolean {
  return ns.prefix.endsWith('.') ? module.startsWith(ns.prefix) : module === ns.prefix;
}

function underAny(module: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => module === p || module.startsWith(`${p}.`));
}

/** A compiled policy: the built-in lists plus one configuration's allow/deny extensions. */
export class PicklePolicy {
  private readonly userDeny: readonly string[];
  private readonly userAllowExact = new Set<string>();
  private readonly userAllowModules = new Set<string>();

  constructor(settings: PicklePolicySettings) {
    this.userDeny = settings.deny.map((e) => (e.endsWith('.*') ? e.slice(0, -2) : e)).filter((e) => e.length > 0);
    for (const entry of settings.allow) {
      if (entry.endsWith('.*')) this.userAllowModules.add(entry.slice(0, -2));
      else if (entry.includes('.')) this.userAllowExact.add(entry);
    }
  }

  /** Judge the global a loader imports as `module` + `name` (after compatibility renames). */
  classify(module: string, name: string): Verdict {
    const full = `${module}.${name}`;
    for (const entry of this.userDeny)
      if (full === entry || full.startsWith(`${entry}.`))
        return denied('user-denied', `${clip(full)} is on the configured deny list (${entry})`);

    const moduleParts = module.split('.');
    const nameParts = name.split('.');
    const strict = strictDeny(module, moduleParts, nameParts, full);
    if (strict) return strict;

    // Dotted names (`Class.method`) are allowed only by the namespace rules that spell them out.
    if (this.isAllowed(module, name, full)) return ALLOWED;

    for (let k = moduleParts.length; k > 0; k--) {
      const prefix = k === moduleParts.length ? module : moduleParts.slice(0, k).join('.');
      const category = deniedModules.get(prefix);
      if (category) return denied(category, `module ${prefix} is denied (${category})`);
    }
    return UNKNOWN;
  }

  private isAllowed(module: string, name: string, full: string): boolean {
    if (allowedNames.get(module)?.has(name)) return true;
    if (this.userAllowExact.has(full) || (this.userAllowModules.has(module) && !name.includes('.'))) return true;
    if (DUNDER.test(name)) return false;
    return ALLOWED_NAMESPACES.some(
      (ns) => inNamespace(ns, module) && ns.names.test(name) && !underAny(module, NAMESPACE_EXCLUSIONS),
    );
  }
}

/** Deny rules no allow entry overrides: exact names, dunder introspection, dangerous components. */
function strictDeny(module: string, moduleParts: string[], nameParts: string[], full: string): Verdict | undefined {
  const byName = deniedNames.get(module);
  if (byName)
    for (let k = 1; k <= nameParts.length; k++) {
      const prefix = k === nameParts.length ? nameParts.join('.') : nameParts.slice(0, k).join('.');
      const category = byName.get(prefix);
      if (category) return denied(category, `${clip(`${module}.${prefix}`)} is a known ${describeCategory(category)}`);
    }
  // Protocol helpers with dunder names (`copyreg.__newobj__`) are read and have their effects checked.
  if (!Object.hasOwn(CALLABLE_EFFECTS, full)) {
    for (let i = 0; i < moduleParts.length; i++) {
      const part = moduleParts[i]!;
      if (DUNDER.test(part) && !(i === 0 && DUNDER_MODULE_EXEMPT.has(part)))
        return denied('introspection', `dunder component ${clip(part)} in module ${clip(module)}`);
    }
    for (const part of nameParts)
      if (DUNDER.test(part)) return denied('introspection', `dunder attribute ${clip(part)} reached through ${clip(full)}`);
  }
  for (let i = 1; i < moduleParts.length; i++) {
    const category = DANGEROUS_COMPONENTS.get(moduleParts[i]!);
    if (category) return denied(category, `module path ${clip(module)} goes through ${moduleParts[i]}`);
  }
  for (const part of nameParts) {
    const category = DANGEROUS_COMPONENTS.get(part);
    if (category) return denied(category, `${clip(full)} reaches ${part} (${describeCategory(category)})`);
  }
  return undefined;
}

const CATEGORY_TEXT: Readonly<Record<DangerCategory, string>> = {
  'code-execution': 'code-execution primitive',
  process: 'process-execution primitive',
  filesystem: 'file-system primitive',
  network: 'network primitive',
  'nested-deserializer': 'nested deserializer',
  introspection: 'introspection primitive',
  'import-trampoline': 'import/call trampoline',
  'torch-gadget': 'PyTorch-internal execution gadget',
  'extension-registry': 'extension-registry lookup',
  'user-denied': 'denied global',
};

export function describeCategory(category: DangerCategory): string {
  return CATEGORY_TEXT[category];
}

const compiled = new WeakMap<PicklePolicySettings, PicklePolicy>();

/** The compiled policy for these settings (cached: settings objects are frozen and long-lived). */
export function policyFor(settings: PicklePolicySettings): PicklePolicy {
  let policy = compiled.get(settings);
  if (!policy) {
    policy = new PicklePolicy(settings);
    compiled.set(settings, policy);
  }
  return policy;
}
