/**
 * License declarations and model metadata the packaging carries outside any file: the ModelPack config's
 * `descriptor.licenses` (../shared/reference/oci-model-formats.md §1.3), the KitOps config, which is the
 * Kitfile as JSON (§2.1, §2.3), and the manifest annotation `org.opencontainers.image.licenses` (an SPDX
 * expression, opencontainers/image-spec `annotations.md`). Pure functions of parsed JSON: the server
 * calls {@link packagingFacts} with the config it already fetched; a Kitfile found among local files
 * goes through {@link kitfileFacts}.
 */
import type { LicenseDeclaration, LicenseSource, ModelCardFact } from '../analyzer.js';
import { clip } from '../finding-budget.js';
import { identifyDeclared } from './spdx-id.js';
import { field, isObject, list, optional, text } from './values.js';

/** The default `file` of facts that come from the manifest or config rather than a file of the artifact. */
export const PACKAGING_FILE = '.';

/** What to write as `file` for config and manifest facts (the server passes their digests). */
export interface PackagingLocations {
  readonly config: string;
  readonly manifest: string;
}

/** What the packaging declares: licenses and the model's name. */
export type PackagingFact = LicenseDeclaration | ModelCardFact;

export const OCI_LICENSES_ANNOTATION = 'org.opencontainers.image.licenses';

/** Facts from a model artifact's config blob (ModelPack or KitOps; anything else adds none) and annotations. */
export function packagingFacts(
  config: unknown,
  annotations: Readonly<Record<string, string>>,
  locations: PackagingLocations = { config: PACKAGING_FILE, manifest: PACKAGING_FILE },
): PackagingFact[] {
  const facts: PackagingFact[] = [];
  const descriptor = field(config, 'descriptor');
  if (isObject(descriptor)) facts.push(...modelPackFacts(descriptor, config, locations.config));
  else if (isObject(config) && ('manifestVersion' in config || 'package' in config || 'model' in config))
    facts.push(...kitfileFacts(config, locations.config));
  const annotated = annotations[OCI_LICENSES_ANNOTATION];
  if (annotated?.trim()) facts.push(declaration(annotated, 'oci-annotation', locations.manifest, 'artifact'));
  return facts;
}

/**
 * A Kitfile's license fields: `package.license` and `model.license` (and its parts') speak for the
 * model; `code[].license` and `datasets[].license` for their own paths, relative to the Kitfile's
 * directory (`pathPrefix`, empty for a config blob, whose paths are the artifact's).
 */
export function kitfileFacts(kitfile: Record<string, unknown>, file: string, pathPrefix = ''): PackagingFact[] {
  const facts: PackagingFact[] = [];
  const model = field(kitfile, 'model');
  for (const owner of [field(kitfile, 'package'), model, ...list(field(model, 'parts'))]) {
    const license = text(field(owner, 'license'));
    if (license) facts.push(declaration(license, 'kitfile', file, 'artifact'));
  }
  for (const entry of [...list(field(kitfile, 'code')), ...list(field(kitfile, 'datasets'))]) {
    const license = text(field(entry, 'license'));
    const path = text(field(entry, 'path'));
    if (license) facts.push(declaration(license, 'kitfile', path ? pathPrefix + path.replace(/^\.\//, '') : file, path ? 'file' : 'artifact'));
  }
  const name = text(field(model, 'name')) ?? text(field(field(kitfile, 'package'), 'name'));
  if (name) facts.push(card('kitfile', file, { name, ...optional('library', text(field(model, 'framework'))) }));
  return facts;
}

function modelPackFacts(descriptor: Record<string, unknown>, config: unknown, file: string): PackagingFact[] {
  const facts: PackagingFact[] = list(descriptor['licenses'])
    .flatMap((license) => text(license) ?? [])
    .map((license) => declaration(license, 'modelpack-config', file, 'artifact'));
  const name = text(descriptor['name']);
  if (name)
    facts.push(card('modelpack-config', file, { name, ...optional('architecture', text(field(field(config, 'config'), 'architecture'))) }));
  return facts;
}

function declaration(value: string, source: LicenseSource, file: string, scope: LicenseDeclaration['scope']): LicenseDeclaration {
  const identified = identifyDeclared(value);
  return { kind: 'license', file, source, scope, declared: clip(value), ...identified };
}

function card(source: ModelCardFact['source'], file: string, data: Pick<ModelCardFact, 'name' | 'library' | 'architecture'>): ModelCardFact {
  return { kind: 'model-card', file, source, baseModels: [], datasets: [], languages: [], ...data };
}
