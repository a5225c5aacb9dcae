/**
 * What both SBOM formats say, gathered once from a scan result: the model (name, version, digest,
 * declared license, model card data, base models), one entry per file (size, digest, license) and the
 * custom licenses (`LicenseRef-…`) they use. ./sbom-spdx.ts and ./sbom-cyclonedx.ts are pure mappings
 * of this.
 */
import type { BaseModelRef, Fact, LicenseDeclaration, ModelCardFact, SoftwarePackageFact } from '../../analyzers/analyzer.js';
import { baseModelLicense } from '../../analyzers/license/base-models.js';
import { parseExpression } from '../../analyzers/license/spdx-id.js';
import type { ScannedFile } from '../jobs/model.js';

export interface SbomTool {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
}

/** The scanned thing as the SBOM names it. */
export interface SbomSubject {
  readonly name: string;
  /** Tag, else the short digest. */
  readonly version?: string;
  /** `sha256:<hex>` of the manifest (or index). */
  readonly digest?: string;
  /** `registry-host/repository` for the purl, when scanned from a registry. */
  readonly repositoryUrl?: string;
}

export interface SbomFile {
  readonly path: string;
  readonly size?: number;
  /** Lower-case hex SHA-256 of the file, when known without reading it (whole-layer files). */
  readonly sha256?: string;
  readonly format: string;
  readonly mediaType?: string;
  /** SPDX expression, or `NOASSERTION`. */
  readonly license: string;
}

/** Installed software the artifact carries, with the licence its own metadata declares. */
export interface SbomSoftwarePackage {
  readonly ecosystem: SoftwarePackageFact['ecosystem'];
  readonly name: string;
  readonly version?: string;
  /** SPDX expression, or `NOASSERTION`. */
  readonly license: string;
  /** `pkg:pypi/…` or `pkg:deb/debian/…` (package-url). */
  readonly purl: string;
  /** The metadata file it was read from. */
  readonly file: string;
}

export interface SbomLicenseRef {
  readonly id: string;
  readonly name: string;
  /** Where the text is: the files that hold or declare it, and any link the declarations gave. */
  readonly files: readonly string[];
  readonly links: readonly string[];
}

export interface SbomModel {
  readonly subject: SbomSubject;
  readonly tool: SbomTool;
  readonly generatedAt: Date;
  readonly packaging: string;
  /** The model's declared license: every distinct artifact-level declaration (NOTICE mentions aside), ANDed; `NOASSERTION` when none. */
  readonly license: string;
  readonly card: {
    readonly task?: string;
    readonly library?: string;
    readonly architecture?: string;
    readonly datasets: readonly string[];
    readonly languages: readonly string[];
  };
  readonly baseModels: ReadonlyArray<BaseModelRef & { readonly spdx?: string }>;
  readonly files: readonly SbomFile[];
  readonly softwarePackages: readonly SbomSoftwarePackage[];
  readonly licenseRefs: readonly SbomLicenseRef[];
}

export const NOASSERTION = 'NOASSERTION';

/** Where a model's name is taken from, best first. */
const NAME_SOURCES: readonly ModelCardFact['source'][] = ['modelpack-config', 'kitfile', 'model-card', 'gguf'];

/** `subject.name` is the fallback: the name the packaging or model card gives wins. */
export function buildSbomModel(input: {
  readonly subject: Omit<SbomSubject, 'name'> & { readonly name?: string };
  readonly tool: SbomTool;
  readonly generatedAt: Date;
  readonly packaging: string;
  readonly files: readonly ScannedFile[];
  readonly facts: readonly Fact[];
}): SbomModel {
  const declarations = input.facts.filter((f): f is LicenseDeclaration => f.kind === 'license');
  const cards = input.facts
    .filter((f): f is ModelCardFact => f.kind === 'model-card')
    .sort((a, b) => NAME_SOURCES.indexOf(a.source) - NAME_SOURCES.indexOf(b.source));
  // A NOTICE names the licenses of what the model bundles or credits, not the model's own.
  const license = conjunction(declarations.filter((d) => d.scope === 'artifact' && d.source !== 'notice-file').map((d) => d.spdx));
  const fileLicense = (path: string): string => {
    const own = declarations.filter((d) => d.file === path && (d.scope === 'file' || d.source === 'license-file')).map((d) => d.spdx);
    return own.length > 0 ? conjunction(own) : license;
  };
  const baseModels = uniqueBy(cards.flatMap((c) => c.baseModels), (b) => b.name).map((base) => {
    const spdx = baseModelLicense(base)?.spdx;
    return spdx && spdx !== NOASSERTION ? { ...base, spdx } : base;
  });
  return {
    subject: { ...input.subject, name: cards.find((c) => c.name)?.name ?? input.subject.name ?? 'model' },
    tool: input.tool,
    generatedAt: input.generatedAt,
    packaging: input.packaging,
    license,
    card: {
      ...firstDefined(cards, 'task'),
      ...firstDefined(cards, 'library'),
      ...firstDefined(cards, 'architecture'),
      datasets: [...new Set(cards.flatMap((c) => c.datasets))],
      languages: [...new Set(cards.flatMap((c) => c.languages))],
    },
    baseModels,
    files: input.files.map((f) => ({
      path: f.path,
      format: f.format,
      license: fileLicense(f.path),
      ...(f.size === undefined ? {} : { size: f.size }),
      ...(f.digest?.startsWith('sha256:') ? { sha256: f.digest.slice('sha256:'.length) } : {}),
      ...(f.mediaType ? { mediaType: f.mediaType } : {}),
    })),
    softwarePackages: uniqueBy(
      input.facts
        .filter((f): f is SoftwarePackageFact => f.kind === 'software-package')
        .map((p) => ({ ecosystem: p.ecosystem, name: p.name, ...(p.version ? { version: p.version } : {}), license: p.license, purl: packageUrl(p), file: p.file })),
      (p) => p.purl,
    ),
    licenseRefs: licenseRefs(declarations, baseModels),
  };
}

/** package-url of an installed package; PyPI names normalised as PEP 503 says (the purl spec's rule). */
function packageUrl(p: SoftwarePackageFact): string {
  const name = p.ecosystem === 'pypi' ? p.name.toLowerCase().replace(/[-_.]+/g, '-') : p.name;
  const version = p.version ? `@${encodeURIComponent(p.version)}` : '';
  return p.ecosystem === 'pypi' ? `pkg:pypi/${encodeURIComponent(name)}${version}` : `pkg:deb/debian/${encodeURIComponent(name)}${version}`;
}

/** `pkg:oci/<name>@<digest>?repository_url=<registry/repository>` (package-url `oci` type). */
export function purl(model: SbomModel): string | undefined {
  const { subject } = model;
  if (!subject.digest || !subject.repositoryUrl) return undefined;
  const name = subject.repositoryUrl.split('/').pop()!.toLowerCase();
  return `pkg:oci/${encodeURIComponent(name)}@${encodeURIComponent(subject.digest)}?repository_url=${encodeURIComponent(subject.repositoryUrl)}`;
}

/** Distinct valid expressions joined with AND (OR-expressions in parentheses); `NOASSERTION` when none. */
export function conjunction(expressions: readonly string[]): string {
  const valid = [...new Set(expressions)].filter((e) => e !== NOASSERTION && parseExpression(e) !== undefined);
  if (valid.length === 0) return NOASSERTION;
  return valid.length === 1 ? valid[0]! : valid.map((e) => (/\sOR\s/.test(e) ? `(${e})` : e)).join(' AND ');
}

/** Every `LicenseRef-…` an expression of the SBOM uses, which SPDX requires to be described. */
function licenseRefs(declarations: readonly LicenseDeclaration[], baseModels: SbomModel['baseModels']): SbomLicenseRef[] {
  const refs = new Map<string, { name: string; files: Set<string>; links: Set<string> }>();
  const add = (spdx: string, name: string, file?: string, link?: string) => {
    for (const id of spdx.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) {
      const ref = refs.get(id) ?? { name: spdx === id ? name : id, files: new Set<string>(), links: new Set<string>() };
      if (file) ref.files.add(file);
      if (link) ref.links.add(link);
      refs.set(id, ref);
    }
  };
  for (const d of declarations) add(d.spdx, d.name, d.file, d.link);
  for (const base of baseModels) if (base.spdx) add(base.spdx, base.spdx);
  return [...refs].map(([id, ref]) => ({ id, name: ref.name, files: [...ref.files], links: [...ref.links] }));
}

function firstDefined<K extends 'task' | 'library' | 'architecture'>(cards: readonly ModelCardFact[], key: K): { [P in K]?: string } {
  const value = cards.find((c) => c[key] !== undefined)?.[key];
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
