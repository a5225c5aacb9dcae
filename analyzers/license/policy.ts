/**
 * The license policy: once every file has been read, turns the scan's license declarations and model
 * card facts into findings (../shared/reference/model-scanners.md §4.3): nothing declared, declarations
 * that identify nothing, family placeholders, sources that disagree, the traits of each declared
 * license (non-commercial, no-derivatives, use restrictions, vendor terms, copyleft), a base model under
 * stricter terms, and licenses the policy file denies. Allowed licenses raise no trait finding.
 * Whether a licence is missing, and whether sources disagree, is judged per model root (./model-roots.ts):
 * two models side by side may well be under different licences.
 */
import type { Fact, LicenseDeclaration, LicenseSource, ModelCardFact } from '../analyzer.js';
import { makeFinding, type Finding } from '../finding.js';
import type { LicenseClass, LicensePolicySettings } from '../settings.js';
import { baseModelLicense } from './base-models.js';
import { licenseTraits } from './classify.js';
import { PACKAGING_FILE } from './packaging.js';
import { describeRoot, modelRoots, TOP_ROOT } from './model-roots.js';
import { LICENSE_RULES } from './rules.js';
import { expressionLicenses, NOASSERTION } from './spdx-id.js';
import type { LicenseTrait } from './traits.js';

/** Which source speaks for the model first when several do (§4.3 recipe, step 1). */
const PRIORITY: Readonly<Record<LicenseSource, number>> = {
  'model-card': 0,
  'license-file': 1,
  'config-json': 2,
  'model-index': 2,
  gguf: 3,
  safetensors: 3,
  kitfile: 4,
  'modelpack-config': 4,
  'oci-annotation': 4,
  'notice-file': 5,
  'code-header': 6,
};

/** Declarations below this confidence (license names merely mentioned in a NOTICE) never count as a conflict. */
const CONFLICT_MIN_CONFIDENCE = 0.75;
/** Traits that say what a license demands; the other two say what is unknown about it. */
const OBLIGATIONS: readonly LicenseTrait[] = ['non-commercial', 'no-derivatives', 'use-restricted', 'vendor-terms', 'copyleft', 'share-alike'];

/** `files`: every path the scan read (to find the model roots); the facts' own files always count. */
export function evaluateLicensePolicy(facts: readonly Fact[], policy: LicensePolicySettings, files: Iterable<string> = []): Finding[] {
  const declarations = facts
    .filter((f): f is LicenseDeclaration => f.kind === 'license')
    .sort((a, b) => PRIORITY[a.source] - PRIORITY[b.source]);
  const cards = facts.filter((f): f is ModelCardFact => f.kind === 'model-card');
  const out = new FindingsOut(policy);
  const forModel = declarations.filter((d) => d.scope === 'artifact');
  const roots = modelRoots([...files, ...facts.map((f) => f.file)]);
  for (const root of unlicensedRoots(facts, files))
    out.add('missing', root === TOP_ROOT ? PACKAGING_FILE : root, { message: missingMessage(root, roots.roots.length) });
  for (const root of roots.roots) checkConflicts(forModel.filter((d) => roots.rootOf(d.file) === root), out);
  const linked = linkedFiles(declarations);
  for (const [spdx, group] of groupBy(declarations, (d) => d.spdx)) checkLicense(spdx, group, policy, linked, out);
  checkBaseModels(cards, forModel, policy, out);
  return out.findings;
}

/**
 * The model roots no licence source speaks for (`TOP_ROOT` for the artifact). The top stands for a model
 * only when it is one itself, or when nothing else is.
 */
export function unlicensedRoots(facts: readonly Fact[], files: Iterable<string>): string[] {
  const roots = modelRoots([...files, ...facts.map((f) => f.file)]);
  const licensed = new Set(facts.filter((f): f is LicenseDeclaration => f.kind === 'license' && f.scope === 'artifact').map((d) => roots.rootOf(d.file)));
  return roots.roots.filter((root) => !licensed.has(root) && (roots.hasMarker(root) || (root === TOP_ROOT && roots.roots.length === 1)));
}

function missingMessage(root: string, rootCount: number): string {
  const what = 'no model card license, LICENSE file, config or packaging license was found';
  return rootCount === 1 ? `no license declared: ${what}` : `no license declared for the model in ${describeRoot(root)}: ${what} there`;
}

function checkLicense(
  spdx: string,
  group: readonly LicenseDeclaration[],
  policy: LicensePolicySettings,
  linked: ReadonlySet<string>,
  out: FindingsOut,
): void {
  const primary = group[0]!;
  const ids = licenseIds(spdx);
  const details = licenseDetails(group);
  if (ids.some((id) => matchesAny(id, policy.deny)))
    out.add('denied', primary.file, { message: `license ${spdx} is denied by the license policy`, details });
  if (ids.length > 0 && ids.every((id) => matchesAny(id, policy.allow))) return;
  for (const trait of licenseTraits(spdx)) {
    if (trait === 'unresolved') {
      // Each source that identifies nothing is its own thing to fix, unless a named license links to it.
      for (const d of uniqueBy(group, (g) => g.file))
        if (!linked.has(d.file)) out.add('unresolved', d.file, { message: unresolvedMessage(d), details: licenseDetails([d]) });
      continue;
    }
    out.add(trait, primary.file, { message: `${TRAIT_TEXT[trait]}: ${label(primary)} declared by ${where(group)}`, details });
  }
}

function checkConflicts(forModel: readonly LicenseDeclaration[], out: FindingsOut): void {
  const identified = forModel.filter(
    (d) => d.confidence >= CONFLICT_MIN_CONFIDENCE && !licenseTraits(d.spdx).some((t) => t === 'unresolved' || t === 'family-placeholder'),
  );
  const distinct = uniqueBy(identified, (d) => versionless(d.spdx).join(' '));
  const disagreeing = distinct.filter((a) => distinct.some((b) => !agrees(a, b)));
  if (disagreeing.length < 2) return;
  out.add('conflict', disagreeing[0]!.file, {
    message: `license sources disagree: ${disagreeing.map((d) => `${label(d)} in ${d.file} (${d.source})`).join(' vs ')}`,
    details: { licenses: disagreeing.map((d) => ({ spdx: d.spdx, name: d.name, file: d.file, source: d.source })) },
  });
}

function checkBaseModels(cards: readonly ModelCardFact[], forModel: readonly LicenseDeclaration[], policy: LicensePolicySettings, out: FindingsOut): void {
  const declaredIds = new Set(forModel.flatMap((d) => licenseIds(d.spdx)));
  const declaredTraits = new Set(forModel.flatMap((d) => licenseTraits(d.spdx)));
  for (const card of cards)
    for (const base of card.baseModels) {
      const license = baseModelLicense(base);
      if (!license || license.spdx === NOASSERTION) continue;
      const ids = licenseIds(license.spdx);
      if (ids.every((id) => declaredIds.has(id) || matchesAny(id, policy.allow))) continue;
      const stricter = licenseTraits(license.spdx).filter((t) => OBLIGATIONS.includes(t) && !declaredTraits.has(t));
      if (stricter.length === 0) continue;
      out.add('base-model-stricter', card.file, {
        message: `base model ${base.name} is under ${license.spdx} (${license.name}), which is ${stricter.join(', ')}; the model declares ${
          forModel.length > 0 ? [...new Set(forModel.map((d) => d.spdx))].join(', ') : 'no license'
        }`,
        details: {
          baseModel: base.name,
          baseLicense: license.spdx,
          baseLicenseFrom: license.from === 'artifact' ? card.source : license.from,
          stricterIn: stricter,
          declared: [...new Set(forModel.map((d) => d.spdx))],
        },
      });
    }
}

/** Builds findings with the policy's severity for each class; classes turned `off` produce none. */
class FindingsOut {
  readonly findings: Finding[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly policy: LicensePolicySettings) {}

  add(cls: LicenseClass, file: string, input: { message: string; details?: Record<string, unknown> }): void {
    const severity = this.policy.severities[cls];
    const key = `${cls}\u0000${file}\u0000${input.message}`;
    if (severity === 'off' || this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push(makeFinding(LICENSE_RULES[cls], file, { ...input, ...(severity ? { severity } : {}) }));
  }
}

const TRAIT_TEXT: Readonly<Record<Exclude<LicenseTrait, 'unresolved'>, string>> = {
  'non-commercial': 'non-commercial license',
  'no-derivatives': 'no-derivatives license',
  'use-restricted': 'use-restricted license',
  'vendor-terms': 'vendor-specific or custom license terms',
  copyleft: 'copyleft license',
  'share-alike': 'share-alike license',
  'family-placeholder': 'license family without a version',
};

function unresolvedMessage(d: LicenseDeclaration): string {
  const declared = d.declared === undefined ? '' : ` (\`${d.declared}\`)`;
  return `license in ${d.file} (${d.source}) is not identifiable${declared}: ${d.name}`;
}

function label(d: LicenseDeclaration): string {
  return d.name === d.spdx ? d.spdx : `${d.spdx} (${d.name})`;
}

function where(group: readonly LicenseDeclaration[]): string {
  return uniqueBy(group, (d) => `${d.file} ${d.source}`)
    .map((d) => `${d.file} (${d.source})`)
    .join(', ');
}

function licenseDetails(group: readonly LicenseDeclaration[]): Record<string, unknown> {
  const primary = group[0]!;
  return {
    license: primary.spdx,
    name: primary.name,
    source: primary.source,
    sources: group.map((d) => ({
      file: d.file,
      source: d.source,
      confidence: d.confidence,
      ...(d.declared === undefined ? {} : { declared: d.declared }),
      ...(d.link === undefined ? {} : { link: d.link }),
    })),
  };
}

/**
 * Files the `license_link` of a named license points at (`license_name: acme` with `license_link:
 * LICENSE`): their text is that license, so it is identified even though it matches nothing known.
 */
function linkedFiles(declarations: readonly LicenseDeclaration[]): Set<string> {
  const files = new Set<string>();
  for (const d of declarations) {
    if (!d.link || /^[a-z]+:/i.test(d.link) || licenseTraits(d.spdx).includes('unresolved')) continue;
    const dir = d.file.includes('/') ? d.file.slice(0, d.file.lastIndexOf('/') + 1) : '';
    files.add(dir + d.link.replace(/^\.\//, ''));
  }
  return files;
}

/** Leaf ids of an expression (a bare `NOASSERTION` or an unparseable value is its own id). */
function licenseIds(spdx: string): string[] {
  const ids = expressionLicenses(spdx);
  return ids.length > 0 ? ids : [spdx];
}

/** Ids without `-only`/`-or-later`: a text cannot tell the two apart, so they do not disagree. */
function versionless(spdx: string): string[] {
  return [...new Set(licenseIds(spdx).map((id) => id.replace(/-(?:only|or-later)$/, '')))].sort();
}

/** Two declarations agree when one names a subset of the other's licenses (`MIT` within `MIT OR Apache-2.0`). */
function agrees(a: LicenseDeclaration, b: LicenseDeclaration): boolean {
  const x = versionless(a.spdx);
  const y = versionless(b.spdx);
  return x.every((id) => y.includes(id)) || y.every((id) => x.includes(id));
}

/** Policy patterns: exact ids, case-insensitive; a trailing `*` matches any id with that prefix. */
export function matchesAny(id: string, patterns: readonly string[]): boolean {
  const lower = id.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith('*') ? lower.startsWith(p.slice(0, -1)) : lower === p;
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...groupBy(items, key).values()].map((group) => group[0]!);
}
