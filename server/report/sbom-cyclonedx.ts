/**
 * The SBOM as a CycloneDX 1.6 JSON ML-BOM (`application/vnd.cyclonedx+json`, what the model-security
 * Harbor fork asks for, harbor-scanner-api.md §5.2): the model is the `machine-learning-model`
 * component of the metadata, with its model card data and its base models as pedigree ancestors; each
 * file is a `file` component it depends on. Licenses are written as SPDX expressions, the only form
 * that carries `LicenseRef-…` names.
 */
import { randomUUID } from 'node:crypto';
import { NOASSERTION, purl, type SbomFile, type SbomModel } from './sbom-model.js';

export const CYCLONEDX_SPEC_VERSION = '1.6';
const MODEL_REF = 'model';
const PROPERTY_PREFIX = 'harbor-scanner-models';

export function toCycloneDx(model: SbomModel): Record<string, unknown> {
  const files = model.files.map((file, i) => ({ ref: `file-${i + 1}`, file }));
  return {
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: model.generatedAt.toISOString(),
      tools: { components: [{ type: 'application', name: model.tool.name, version: model.tool.version, supplier: { name: model.tool.vendor } }] },
      component: modelComponent(model),
    },
    components: [
      ...files.map(({ ref, file }) => fileComponent(ref, file)),
      ...model.softwarePackages.map((pkg) => ({
        type: 'library',
        'bom-ref': pkg.purl,
        name: pkg.name,
        ...(pkg.version ? { version: pkg.version } : {}),
        ...licenses(pkg.license),
        purl: pkg.purl,
        properties: [property('declared-in', pkg.file)],
      })),
    ],
    dependencies: [{ ref: MODEL_REF, dependsOn: files.map(({ ref }) => ref) }, ...files.map(({ ref }) => ({ ref, dependsOn: [] }))],
  };
}

function modelComponent(model: SbomModel): Record<string, unknown> {
  const { subject, card } = model;
  const parameters = {
    ...(card.task ? { task: card.task } : {}),
    ...(card.architecture ? { architectureFamily: card.architecture } : {}),
    ...(card.datasets.length > 0 ? { datasets: card.datasets.map((name) => ({ type: 'dataset', name })) } : {}),
  };
  const properties = [
    property('packaging', model.packaging),
    ...(card.library ? [property('library', card.library)] : []),
    ...card.languages.map((language) => property('language', language)),
  ];
  return {
    type: 'machine-learning-model',
    'bom-ref': MODEL_REF,
    name: subject.name,
    ...(subject.version ? { version: subject.version } : {}),
    ...(subject.digest?.startsWith('sha256:') ? { hashes: [{ alg: 'SHA-256', content: subject.digest.slice(7) }] } : {}),
    ...licenses(model.license),
    ...(purl(model) ? { purl: purl(model) } : {}),
    ...(model.baseModels.length > 0
      ? {
          pedigree: {
            ancestors: model.baseModels.map((base) => ({ type: 'machine-learning-model', name: base.name, ...licenses(base.spdx ?? NOASSERTION) })),
          },
        }
      : {}),
    modelCard: Object.keys(parameters).length > 0 ? { modelParameters: parameters } : {},
    properties,
  };
}

function fileComponent(ref: string, file: SbomFile): Record<string, unknown> {
  return {
    type: 'file',
    'bom-ref': ref,
    name: file.path,
    ...(file.sha256 ? { hashes: [{ alg: 'SHA-256', content: file.sha256 }] } : {}),
    ...licenses(file.license),
    properties: [
      property('format', file.format),
      ...(file.size === undefined ? [] : [property('size', String(file.size))]),
      ...(file.mediaType ? [property('media-type', file.mediaType)] : []),
    ],
  };
}

/** One declared expression, or nothing when no license is known. */
function licenses(expression: string): { licenses?: Array<{ expression: string; acknowledgement: 'declared' }> } {
  return expression === NOASSERTION ? {} : { licenses: [{ expression, acknowledgement: 'declared' }] };
}

function property(name: string, value: string): { name: string; value: string } {
  return { name: `${PROPERTY_PREFIX}:${name}`, value };
}
