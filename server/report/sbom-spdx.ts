/**
 * The SBOM as an SPDX 2.3 JSON document (`application/spdx+json`, what upstream Harbor asks for and
 * renders, harbor-scanner-api.md §3.11). The model is one package; each file is a package of purpose
 * `FILE` (SPDX files must carry a checksum, and a member of an uncompressed tar layer, read by Range, has
 * none without downloading all of it); base models are packages the model is a `DESCENDANT_OF`.
 */
import { randomUUID } from 'node:crypto';
import { NOASSERTION, purl, type SbomFile, type SbomModel, type SbomSoftwarePackage } from './sbom-model.js';

export const SPDX_VERSION = 'SPDX-2.3';
const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const MODEL_ID = 'SPDXRef-Model';

export function toSpdx(model: SbomModel): Record<string, unknown> {
  const name = documentName(model);
  const files = model.files.map((file, i) => ({ id: `SPDXRef-File-${i + 1}-${idPart(file.path)}`, file }));
  const bases = model.baseModels.map((base, i) => ({ id: `SPDXRef-BaseModel-${i + 1}`, base }));
  const software = model.softwarePackages.map((pkg, i) => ({ id: `SPDXRef-Software-${i + 1}-${idPart(pkg.name)}`, pkg }));
  return {
    spdxVersion: SPDX_VERSION,
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name,
    // The convention of the SPDX tools: a unique URI per document, never dereferenced.
    documentNamespace: `https://spdx.org/spdxdocs/${model.tool.name}/${idPart(name)}-${randomUUID()}`,
    creationInfo: {
      created: spdxDate(model.generatedAt),
      creators: [`Tool: ${model.tool.name}-${model.tool.version}`, `Organization: ${model.tool.vendor}`],
    },
    packages: [
      modelPackage(model),
      ...files.map(({ id, file }) => filePackage(id, file)),
      ...bases.map(({ id, base }) => basePackage(id, base)),
      ...software.map(({ id, pkg }) => softwarePackage(id, pkg)),
    ],
    ...(model.licenseRefs.length > 0
      ? {
          hasExtractedLicensingInfos: model.licenseRefs.map((ref) => ({
            licenseId: ref.id,
            name: ref.name,
            // The text itself is not carried: vendor licenses are long and their terms belong to the vendor.
            extractedText: `${ref.name}: license not on the SPDX License List.${ref.files.length > 0 ? ` Declared in ${ref.files.join(', ')}.` : ''}`,
            ...(ref.links.some(isUrl) ? { seeAlsos: ref.links.filter(isUrl) } : {}),
          })),
        }
      : {}),
    relationships: [
      { spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: MODEL_ID },
      ...files.map(({ id }) => ({ spdxElementId: MODEL_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id })),
      ...bases.map(({ id }) => ({ spdxElementId: MODEL_ID, relationshipType: 'DESCENDANT_OF', relatedSpdxElement: id })),
      ...software.map(({ id }) => ({ spdxElementId: MODEL_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id })),
    ],
  };
}

function modelPackage(model: SbomModel): Record<string, unknown> {
  const { subject, card } = model;
  const summary = [card.task, card.library, card.architecture].filter(Boolean).join(', ');
  return {
    SPDXID: MODEL_ID,
    name: subject.name,
    ...(subject.version ? { versionInfo: subject.version } : {}),
    downloadLocation: NOASSERTION,
    // SPDX 2.3 has no purpose for models; the comment says what it is.
    primaryPackagePurpose: 'OTHER',
    filesAnalyzed: false,
    ...(subject.digest?.startsWith('sha256:') ? { checksums: [{ algorithm: 'SHA256', checksumValue: subject.digest.slice(7) }] } : {}),
    licenseConcluded: model.license,
    licenseDeclared: model.license,
    copyrightText: NOASSERTION,
    ...(summary ? { summary } : {}),
    comment: `machine-learning model, packaged as ${model.packaging}${card.datasets.length > 0 ? `; datasets: ${card.datasets.join(', ')}` : ''}`,
    ...(purl(model) ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl(model) }] } : {}),
  };
}

function filePackage(id: string, file: SbomFile): Record<string, unknown> {
  return {
    SPDXID: id,
    name: file.path,
    packageFileName: file.path,
    ...(file.sha256 ? { versionInfo: `sha256:${file.sha256.slice(0, 12)}` } : {}),
    downloadLocation: NOASSERTION,
    primaryPackagePurpose: 'FILE',
    filesAnalyzed: false,
    ...(file.sha256 ? { checksums: [{ algorithm: 'SHA256', checksumValue: file.sha256 }] } : {}),
    licenseConcluded: file.license,
    licenseDeclared: file.license,
    copyrightText: NOASSERTION,
    comment: `format ${file.format}${file.size === undefined ? '' : `, ${file.size} bytes`}${file.mediaType ? `, media type ${file.mediaType}` : ''}`,
  };
}

function basePackage(id: string, base: SbomModel['baseModels'][number]): Record<string, unknown> {
  return {
    SPDXID: id,
    name: base.name,
    downloadLocation: isUrl(base.name) ? base.name : NOASSERTION,
    primaryPackagePurpose: 'OTHER',
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: base.spdx ?? NOASSERTION,
    copyrightText: NOASSERTION,
    comment: 'base model this model derives from',
  };
}

/** Installed software: its licence is what its own metadata declares, which nobody here concluded. */
function softwarePackage(id: string, pkg: SbomSoftwarePackage): Record<string, unknown> {
  return {
    SPDXID: id,
    name: pkg.name,
    ...(pkg.version ? { versionInfo: pkg.version } : {}),
    downloadLocation: NOASSERTION,
    primaryPackagePurpose: 'LIBRARY',
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: pkg.license,
    copyrightText: NOASSERTION,
    comment: `installed ${pkg.ecosystem === 'pypi' ? 'Python distribution' : 'Debian package'}, declared in ${pkg.file}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
  };
}

function documentName(model: SbomModel): string {
  return model.subject.version ? `${model.subject.name}-${model.subject.version}` : model.subject.name;
}

/** SPDX element ids allow letters, digits, `.` and `-`. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'x';
}

/** SPDX 2.3 dates are UTC to the second, without fractions. */
function spdxDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
