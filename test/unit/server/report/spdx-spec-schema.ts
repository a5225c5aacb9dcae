/**
 * SPDX 2.3 conformance rules written from the specification text (spdx.github.io/spdx-spec/v2.3, clause
 * numbers below), for the fields our documents use. It stands in for the official JSON schema, which no
 * npm or Debian package ships (see test/support/official-schemas.ts); it is stricter in two ways the official schema
 * cannot express: license fields must parse as SPDX expressions (clause 7.13/7.15, Annex D), and every
 * element a relationship names and every LicenseRef an expression uses must be defined in the document
 * (clauses 11.1 and 10.1).
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import parseSpdxExpression from 'spdx-expression-parse';

const SPDX_ID = '^SPDXRef-[A-Za-z0-9.-]+$'; // 7.2: "SPDXRef-"[idstring], letters, numbers, . and -
const LICENSE_REF = '^LicenseRef-[A-Za-z0-9.-]+$'; // 10.1
/** 7.10 Table 20: the checksum algorithms of SPDX 2.3. */
const CHECKSUM_ALGORITHMS = ['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'SHA3-256', 'SHA3-384', 'SHA3-512', 'BLAKE2b-256', 'BLAKE2b-384', 'BLAKE2b-512', 'BLAKE3', 'MD2', 'MD4', 'MD5', 'MD6', 'ADLER32'];
/** 7.24: primary package purpose (the JSON spelling uses underscores). */
const PURPOSES = ['APPLICATION', 'FRAMEWORK', 'LIBRARY', 'CONTAINER', 'OPERATING_SYSTEM', 'DEVICE', 'FIRMWARE', 'SOURCE', 'ARCHIVE', 'FILE', 'INSTALL', 'OTHER'];
/** 11.1 Table 68: relationship types. */
const RELATIONSHIP_TYPES = [
  'DESCRIBES', 'DESCRIBED_BY', 'CONTAINS', 'CONTAINED_BY', 'DEPENDS_ON', 'DEPENDENCY_OF', 'DEPENDENCY_MANIFEST_OF', 'BUILD_DEPENDENCY_OF',
  'DEV_DEPENDENCY_OF', 'OPTIONAL_DEPENDENCY_OF', 'PROVIDED_DEPENDENCY_OF', 'TEST_DEPENDENCY_OF', 'RUNTIME_DEPENDENCY_OF', 'EXAMPLE_OF',
  'GENERATES', 'GENERATED_FROM', 'ANCESTOR_OF', 'DESCENDANT_OF', 'VARIANT_OF', 'DISTRIBUTION_ARTIFACT', 'PATCH_FOR', 'PATCH_APPLIED', 'COPY_OF',
  'FILE_ADDED', 'FILE_DELETED', 'FILE_MODIFIED', 'EXPANDED_FROM_ARCHIVE', 'DYNAMIC_LINK', 'STATIC_LINK', 'DATA_FILE_OF', 'TEST_CASE_OF',
  'BUILD_TOOL_OF', 'DEV_TOOL_OF', 'TEST_OF', 'TEST_TOOL_OF', 'DOCUMENTATION_OF', 'OPTIONAL_COMPONENT_OF', 'METAFILE_OF', 'PACKAGE_OF',
  'AMENDS', 'PREREQUISITE_FOR', 'HAS_PREREQUISITE', 'REQUIREMENT_DESCRIPTION_FOR', 'SPECIFICATION_FOR', 'OTHER',
];
/** 7.21 Table 27 (the JSON spelling uses hyphens). */
const REFERENCE_CATEGORIES = ['SECURITY', 'PACKAGE-MANAGER', 'PERSISTENT-ID', 'OTHER'];

const singleLine = { type: 'string', minLength: 1, pattern: '^[^\\n]*$' };
const license = { type: 'string', format: 'spdx-license' };

const checksum = {
  type: 'object',
  additionalProperties: false,
  required: ['algorithm', 'checksumValue'],
  properties: { algorithm: { enum: CHECKSUM_ALGORITHMS }, checksumValue: { type: 'string', pattern: '^[0-9a-f]+$' } },
};

const spdxPackage = {
  type: 'object',
  additionalProperties: false,
  required: ['SPDXID', 'name', 'downloadLocation'], // 7.1, 7.2, 7.7
  properties: {
    SPDXID: { type: 'string', pattern: SPDX_ID },
    name: singleLine,
    versionInfo: singleLine, // 7.3
    packageFileName: { type: 'string', minLength: 1 }, // 7.4
    // 7.7: a URL, a VCS location, NONE or NOASSERTION.
    downloadLocation: { anyOf: [{ enum: ['NONE', 'NOASSERTION'] }, { type: 'string', pattern: '^(https?|ftp|git\\+[a-z]+|hg\\+[a-z]+|svn\\+[a-z]+|bzr\\+[a-z]+)://' }] },
    filesAnalyzed: { type: 'boolean' }, // 7.8
    packageVerificationCode: {
      type: 'object',
      additionalProperties: false,
      required: ['packageVerificationCodeValue'], // 7.9: a SHA1 over the package's files
      properties: { packageVerificationCodeValue: { type: 'string', pattern: '^[0-9a-f]{40}$' }, packageVerificationCodeExcludedFiles: { type: 'array', items: { type: 'string' } } },
    },
    checksums: { type: 'array', items: checksum }, // 7.10
    licenseConcluded: license, // 7.13
    licenseDeclared: license, // 7.15
    copyrightText: { type: 'string' }, // 7.17
    summary: { type: 'string' }, // 7.18
    comment: { type: 'string' }, // 7.20
    externalRefs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['referenceCategory', 'referenceType', 'referenceLocator'], // 7.21
        properties: { referenceCategory: { enum: REFERENCE_CATEGORIES }, referenceType: singleLine, referenceLocator: { type: 'string', pattern: '^\\S+$' } },
      },
    },
    primaryPackagePurpose: { enum: PURPOSES }, // 7.24
  },
  // 7.9: a package whose files were analysed must carry a verification code; ours never claim that.
  if: { not: { properties: { filesAnalyzed: { const: false } }, required: ['filesAnalyzed'] } },
  then: { required: ['packageVerificationCode'] },
};

export const SPDX_23_SPEC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  // 6.1–6.5, 6.8, 6.9 are mandatory.
  required: ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo'],
  properties: {
    spdxVersion: { const: 'SPDX-2.3' },
    dataLicense: { const: 'CC0-1.0' }, // 6.2
    SPDXID: { const: 'SPDXRef-DOCUMENT' }, // 6.3
    name: singleLine,
    documentNamespace: { type: 'string', format: 'uri', pattern: '^[^#]+$' }, // 6.5: a URI without '#'
    creationInfo: {
      type: 'object',
      additionalProperties: false,
      required: ['created', 'creators'],
      properties: {
        created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$' }, // 6.9
        creators: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(Person|Organization|Tool): \\S' } }, // 6.8
        licenseListVersion: { type: 'string', pattern: '^\\d+\\.\\d+$' }, // 6.7
      },
    },
    packages: { type: 'array', items: spdxPackage },
    hasExtractedLicensingInfos: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['licenseId', 'extractedText'], // 10.1, 10.2; 10.3 name is required for LicenseRefs not on the list
        properties: {
          licenseId: { type: 'string', pattern: LICENSE_REF },
          extractedText: { type: 'string', minLength: 1 },
          name: singleLine,
          seeAlsos: { type: 'array', items: { type: 'string', format: 'uri' } }, // 10.4
          comment: { type: 'string' },
        },
      },
    },
    relationships: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['spdxElementId', 'relationshipType', 'relatedSpdxElement'], // 11.1
        properties: {
          spdxElementId: { type: 'string', pattern: SPDX_ID },
          relationshipType: { enum: RELATIONSHIP_TYPES },
          relatedSpdxElement: { anyOf: [{ type: 'string', pattern: SPDX_ID }, { enum: ['NONE', 'NOASSERTION'] }] },
          comment: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Annex D: NONE, NOASSERTION or a license expression over list ids and LicenseRefs. */
function isSpdxLicense(value: string): boolean {
  if (value === 'NONE' || value === 'NOASSERTION') return true;
  try {
    parseSpdxExpression(value);
    return true;
  } catch {
    return false;
  }
}

// strictRequired off: the 7.9 `then` names a property declared beside it, not inside it.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv); // CommonJS default export under NodeNext
ajv.addFormat('spdx-license', isSpdxLicense);
const validateShape = ajv.compile(SPDX_23_SPEC_SCHEMA);

type Doc = { SPDXID?: string; packages?: Array<Record<string, unknown>>; relationships?: Array<Record<string, string>>; hasExtractedLicensingInfos?: Array<{ licenseId: string }> };

/** The clauses a JSON schema cannot check: identifiers are unique and every reference resolves. */
function referenceErrors(doc: Doc): string[] {
  const errors: string[] = [];
  const ids = new Set<string>([doc.SPDXID ?? '']);
  for (const p of doc.packages ?? []) {
    const id = String(p['SPDXID']);
    if (ids.has(id)) errors.push(`duplicate SPDXID ${id}`);
    ids.add(id);
  }
  for (const r of doc.relationships ?? [])
    for (const end of [r['spdxElementId'], r['relatedSpdxElement']])
      if (end !== undefined && end !== 'NONE' && end !== 'NOASSERTION' && !ids.has(end)) errors.push(`relationship names undefined element ${end}`);
  const defined = new Set((doc.hasExtractedLicensingInfos ?? []).map((l) => l.licenseId));
  for (const p of doc.packages ?? [])
    for (const field of ['licenseConcluded', 'licenseDeclared'])
      for (const ref of String(p[field] ?? '').match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
        if (!defined.has(ref)) errors.push(`${String(p['SPDXID'])} ${field} uses ${ref}, not in hasExtractedLicensingInfos`);
  return errors;
}

/** Every violation of the rules above, as readable lines; empty when the document conforms. */
export function spdxSpecErrors(doc: unknown): string[] {
  if (!validateShape(doc)) return (validateShape.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  return referenceErrors(doc as Doc);
}
