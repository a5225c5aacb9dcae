/**
 * Installed software inside a model image (a Python environment, Debian packages) declares its own
 * licences, in its own metadata: those describe that software, not the model. They become SBOM
 * components with their licences, never `license.*` findings about the model.
 *
 * - Python distributions: `<name>-<version>.dist-info/METADATA` and `<name>.egg-info/PKG-INFO` (core
 *   metadata, RFC 822 headers): `License-Expression` (PEP 639) first, then `License` when it is an SPDX
 *   expression or a recognised name, then the `License ::` trove classifiers. Everything else in those
 *   directories (LICENSE, licenses/…, RECORD) belongs to the distribution too.
 * - Debian packages: `usr/share/doc/<package>/copyright` in the machine-readable DEP-5 format: the
 *   licence of the `Files: *` paragraph.
 */
import type { SoftwarePackageFact } from '../analyzer.js';
import { identifyDeclared, NOASSERTION } from './spdx-id.js';

const METADATA_DIR = /\.(?:dist|egg)-info$/i;

/** Whether `path` (members written `outer!inner`) lies inside a Python distribution's metadata directory. */
export function inPackageMetadata(path: string): boolean {
  return path.split(/[!/]/).slice(0, -1).some((segment) => METADATA_DIR.test(segment));
}

/** The metadata file a software package declares itself in, or undefined. */
export function packageMetadataKind(path: string): SoftwarePackageFact['ecosystem'] | undefined {
  const segments = path.split(/[!/]/);
  const [name, dir] = [segments.at(-1) ?? '', segments.at(-2) ?? ''];
  if ((name === 'METADATA' && /\.dist-info$/i.test(dir)) || (name === 'PKG-INFO' && /\.egg-info$/i.test(dir))) return 'pypi';
  if (name === 'copyright' && segments.at(-3) === 'doc' && segments.at(-4) === 'share') return 'deb';
  return undefined;
}

/** Reads a package's name, version and licence from its metadata text. */
export function softwarePackage(ecosystem: SoftwarePackageFact['ecosystem'], file: string, text: string): SoftwarePackageFact | undefined {
  return ecosystem === 'pypi' ? pythonDistribution(file, text) : debianPackage(file, text);
}

function pythonDistribution(file: string, text: string): SoftwarePackageFact | undefined {
  const headers = rfc822Headers(text.split(/\r?\n\r?\n/, 1)[0] ?? '');
  const name = headers.get('name')?.[0];
  if (!name) return undefined;
  const version = headers.get('version')?.[0];
  const declared = headers.get('license-expression')?.[0] ?? headers.get('license')?.[0];
  const fromClassifiers = (headers.get('classifier') ?? []).map(classifierLicense).filter((id): id is string => id !== undefined);
  const license = licenseOf(declared) ?? (fromClassifiers.length > 0 ? [...new Set(fromClassifiers)].join(' AND ') : NOASSERTION);
  return { kind: 'software-package', file, ecosystem: 'pypi', name, ...(version ? { version } : {}), license, ...(declared ? { declared: declared.slice(0, 200) } : {}) };
}

function debianPackage(file: string, text: string): SoftwarePackageFact | undefined {
  const segments = file.split(/[!/]/);
  const name = segments.at(-2);
  if (!name) return undefined;
  // DEP-5: the paragraph whose Files field is `*` states the package's licence in its License field.
  const paragraph = text.split(/\r?\n\s*\r?\n/).map(rfc822Headers).find((h) => h.get('files')?.[0]?.split(/\s+/).includes('*'));
  const declared = paragraph?.get('license')?.[0]?.split('\n', 1)[0];
  return { kind: 'software-package', file, ecosystem: 'deb', name, license: licenseOf(declared) ?? NOASSERTION, ...(declared ? { declared: declared.slice(0, 200) } : {}) };
}

/**
 * An SPDX expression for a declared value, or undefined when it names nothing identifiable. Only what
 * names one licence exactly counts (an id, an expression, a licence's own title): a package's declaration
 * is preferred to any guess, and `BSD License` is a family, not a licence.
 */
function licenseOf(declared: string | undefined): string | undefined {
  if (!declared || declared.includes('\n')) return undefined; // a multi-line License field is a licence text
  const { spdx, confidence } = identifyDeclared(declared);
  return spdx === NOASSERTION || spdx.startsWith('LicenseRef-') || confidence < EXACT ? undefined : spdx;
}

/** identifyDeclared's confidence for ids, case repairs and licence titles; below it are corrections. */
const EXACT = 0.9;

/** `License :: OSI Approved :: MIT License` → MIT, for the classifiers that name one licence. */
function classifierLicense(classifier: string): string | undefined {
  const parts = classifier.split('::').map((p) => p.trim());
  return parts[0] === 'License' && parts.length >= 2 ? licenseOf(parts.at(-1)) : undefined;
}

/** Header fields (lower-cased names), each with its values; continuation lines joined with newlines. */
function rfc822Headers(block: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      const values = headers.get(last.name)!;
      values[last.index] = `${values[last.index]}\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
    last = { name, index: values.length - 1 };
  }
  return headers;
}
