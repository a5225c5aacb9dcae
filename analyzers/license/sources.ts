/**
 * Where license declarations live inside model files, and how each is read: the model card's metadata
 * block, LICENSE/COPYING/NOTICE texts, `license` keys of config.json / model_index.json, a Kitfile,
 * `SPDX-License-Identifier` lines in bundled code, GGUF `general.license*` and safetensors
 * `__metadata__` (../shared/reference/model-scanners.md §4.1, §4.3). Every read is bounded.
 */
import type { Fact, LicenseDeclaration, LicenseSource, ModelCardFact } from '../analyzer.js';
import { clip } from '../finding-budget.js';
import type { GgufSummary } from '../gguf/summary.js';
import { onDemand } from '../on-demand.js';
import { MAX_FRONT_MATTER_BYTES, readFrontMatter } from './front-matter.js';
import { identifyLicenseText } from './license-text.js';
import { kitfileFacts } from './packaging.js';
import { inPackageMetadata } from './software-packages.js';
import { identifyDeclared, NOASSERTION } from './spdx-id.js';
import { field, isObject, optional, text, texts } from './values.js';

const yaml = onDemand<typeof import('yaml')>('yaml');

/** What a file is to the license analysis, from its name. */
export type LicenseFileRole = 'model-card' | 'license-file' | 'notice-file' | 'config-json' | 'model-index' | 'kitfile' | 'code';

/** Bytes read per role: a card's metadata block, whole license texts (GPL-3.0 is 35 KB), code headers. */
const READ_BYTES: Readonly<Record<LicenseFileRole, number>> = {
  'model-card': MAX_FRONT_MATTER_BYTES,
  'license-file': 256 * 1024,
  'notice-file': 256 * 1024,
  'config-json': 1024 * 1024,
  'model-index': 1024 * 1024,
  kitfile: 256 * 1024,
  code: 16 * 1024,
};

const CODE_EXTENSIONS = new Set(['py', 'pyi', 'js', 'mjs', 'cjs', 'ts', 'sh', 'bash', 'c', 'cc', 'cpp', 'cxx', 'h', 'hpp', 'cu', 'cuh', 'rs', 'go', 'java', 'kt', 'scala', 'rb', 'pl', 'lua', 'jl', 'r', 'swift', 'm', 'mm', 'metal', 'proto']);

/**
 * Directories of bundled third-party software (a container image's OS and Python packages, vendored
 * code): their licenses cover that software, not the model, and an image holds thousands of them.
 */
const THIRD_PARTY_DIR = /^(?:usr|lib|lib32|lib64|libx32|etc|bin|sbin|var|opt|proc|sys|node_modules|site-packages|dist-packages|vendor|third[_-]?party|\.git|\.venv|venv|__pycache__)$/i;

/** The role of a file by its path (members included), or undefined when it declares no license. */
export function licenseFileRole(path: string): LicenseFileRole | undefined {
  const segments = path.split(/[!/]/);
  const name = segments.pop() ?? '';
  // Installed software's own licence files speak for that software (./software-packages.ts), not the model.
  if (segments.some((segment) => THIRD_PARTY_DIR.test(segment)) || inPackageMetadata(path)) return undefined;
  const lower = name.toLowerCase();
  if (/^(?:readme|model_?card)(?:\.(?:md|markdown))?$/.test(lower)) return 'model-card';
  if (/^(?:licen[cs]e|copying)(?:[-._][\w.-]*)?$/.test(lower)) return 'license-file';
  if (/^notice(?:[-._][\w.-]*)?$/.test(lower)) return 'notice-file';
  if (lower === 'config.json') return 'config-json';
  if (lower === 'model_index.json') return 'model-index';
  if (lower === 'kitfile' || lower === '.kitfile') return 'kitfile';
  const dot = lower.lastIndexOf('.');
  return dot > 0 && CODE_EXTENSIONS.has(lower.slice(dot + 1)) ? 'code' : undefined;
}

/** Facts of a text or JSON file in one of the roles above, given a reader of its first bytes. */
export async function textFileFacts(role: LicenseFileRole, file: string, leading: (length: number) => Promise<Uint8Array>): Promise<Fact[]> {
  const content = new TextDecoder('utf-8').decode(await leading(READ_BYTES[role]));
  switch (role) {
    case 'model-card':
      return modelCardFacts(content, file);
    case 'license-file':
    case 'notice-file': {
      const kind = role === 'license-file' ? 'license' : 'notice';
      const identified = await identifyLicenseText(content, kind);
      return identified ? [{ kind: 'license', file, source: role, scope: 'artifact', ...identified }] : [];
    }
    case 'config-json':
    case 'model-index':
      return configFacts(content, file, role);
    case 'kitfile':
      return localKitfileFacts(content, file);
    case 'code':
      return codeHeaderFacts(content, file);
  }
}

function modelCardFacts(content: string, file: string): Fact[] {
  const front = readFrontMatter(content);
  if (!front) return [];
  if (!front.ok)
    return [{ kind: 'license', file, source: 'model-card', scope: 'artifact', spdx: NOASSERTION, name: `unreadable model card metadata: ${front.error}`, confidence: 1 }];
  const m = front.metadata;
  const facts: Fact[] = declared({ licenses: m.licenses, licenseName: m.licenseName, licenseLink: m.licenseLink }, 'model-card', file);
  if (m.baseModels.length > 0 || m.name || m.task || m.library || m.datasets.length > 0)
    facts.push({
      kind: 'model-card',
      file,
      source: 'model-card',
      baseModels: m.baseModels.map((name) => ({ name })),
      datasets: m.datasets,
      languages: m.languages,
      ...optional('name', m.name),
      ...optional('task', m.task),
      ...optional('library', m.library),
    });
  return facts;
}

/** `license` (or `licenses`) keys at the top of a config; a config that is not JSON declares nothing. */
function configFacts(content: string, file: string, source: LicenseSource): Fact[] {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return [];
  }
  const licenses = [...texts(field(json, 'license')), ...texts(field(json, 'licenses')), ...texts(field(json, 'licence'))];
  return declared({ licenses, licenseName: text(field(json, 'license_name')), licenseLink: text(field(json, 'license_link')) }, source, file);
}

function localKitfileFacts(content: string, file: string): Fact[] {
  const document = yaml().parseDocument(content, { uniqueKeys: false });
  if (document.errors.length > 0) return [];
  let kitfile: unknown;
  try {
    kitfile = document.toJS({ maxAliasCount: 16 });
  } catch {
    return [];
  }
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return isObject(kitfile) ? kitfileFacts(kitfile, file, dir) : [];
}

/** The first `SPDX-License-Identifier:` line (REUSE convention), comment closers stripped. */
function codeHeaderFacts(content: string, file: string): Fact[] {
  const match = /SPDX-License-Identifier:\s*(.+)$/m.exec(content);
  const value = match?.[1]?.replace(/\s*(?:\*\/|-->|#\}|"""|''').*$/, '').trim();
  if (!value) return [];
  return [{ kind: 'license', file, source: 'code-header', scope: 'file', declared: clip(value), ...identifyDeclared(value) }];
}

/**
 * GGUF `general.license`, `.name`, `.link` and the base models from the summary of the header the GGUF
 * analyzer parsed (undefined values mean the keys are absent).
 */
export function ggufFacts(file: string, summary: GgufSummary): Fact[] {
  const facts: Fact[] = declared(
    { licenses: summary.license ? [summary.license] : [], licenseName: summary.licenseName, licenseLink: summary.licenseLink },
    'gguf',
    file,
  );
  if (summary.name || summary.baseModels.length > 0)
    facts.push({
      kind: 'model-card',
      file,
      source: 'gguf',
      baseModels: summary.baseModels.flatMap((b) => {
        const name = b.repoUrl ?? (b.organization && b.name ? `${b.organization}/${b.name}` : b.name);
        return name ? [{ name, ...optional('license', b.license) }] : [];
      }),
      datasets: [],
      languages: [],
      ...optional('name', summary.name),
      ...optional('architecture', summary.architecture),
    } satisfies ModelCardFact);
  return facts;
}

/**
 * License keys of safetensors `__metadata__` (free-form strings: `license`, `modelspec.license`…), as the
 * safetensors analyzer collected them while validating the header.
 */
export function safetensorsFacts(file: string, metadata: ReadonlyMap<string, unknown>): Fact[] {
  const pick = (pattern: RegExp) => [...metadata].filter(([key]) => pattern.test(key)).flatMap(([, value]) => texts(value));
  return declared(
    {
      licenses: pick(/(?:^|[._])licen[cs]e$/i),
      licenseName: pick(/licen[cs]e[._]?name$/i)[0],
      licenseLink: pick(/licen[cs]e[._]?(?:link|url)$/i)[0],
    },
    'safetensors',
    file,
  );
}

/**
 * Declarations from the Hugging Face trio `license` / `license_name` / `license_link`: `other` (or no
 * `license`) with a `license_name` names a custom license; `other` without one is unresolved.
 */
function declared(
  fields: { licenses: readonly string[]; licenseName: string | undefined; licenseLink: string | undefined },
  source: LicenseSource,
  file: string,
): LicenseDeclaration[] {
  const { licenseName, licenseLink } = fields;
  const values = fields.licenses.length > 0 ? fields.licenses : licenseName ? ['other'] : [];
  return values.map((value) => {
    const other = value.trim().toLowerCase() === 'other';
    const identified =
      other && licenseName
        ? identifyDeclared(licenseName)
        : other
          ? { spdx: NOASSERTION, name: '`other` without a license_name', confidence: 1 }
          : identifyDeclared(value);
    return {
      kind: 'license',
      file,
      source,
      scope: 'artifact',
      declared: clip(other && licenseName ? `other (license_name: ${licenseName})` : value),
      ...identified,
      ...optional('link', licenseLink),
    };
  });
}
