/** Rules the engine itself reports: fail-closed outcomes and content that disagrees with its claims. */
import { defineRules } from './finding.js';

export const ENGINE_RULES = defineRules({
  analysisFailed: {
    id: 'engine.analysis-failed',
    analyzer: 'engine',
    severity: 'High',
    title: 'File could not be analysed completely',
    why: 'The analyzer stopped before reading the whole file (corrupt, truncated or hostile input). What was not analysed may hide executable content, so the file is not reported clean.',
    remediation: 'Re-export the file with the official library, or verify its origin before loading it.',
  },
  limitExceeded: {
    id: 'engine.limit-exceeded',
    analyzer: 'engine',
    severity: 'High',
    title: 'Analysis limit reached',
    why: 'The file exceeded a size, depth, count or time limit of the scanner, so part of it was not analysed. Decompression bombs and deeply nested archives also end here.',
    remediation: 'Inspect the file manually, or raise the limit in the scanner configuration if the file is legitimate.',
  },
  contentMismatch: {
    id: 'engine.content-mismatch',
    analyzer: 'engine',
    severity: 'Medium',
    title: 'File content does not match its name or media type',
    why: 'Loaders pick a parser by name or media type; a file whose bytes are another format (a pickle named .safetensors) is a classic way to slip code past tools that trust names.',
    remediation: 'Rename or repackage the file so its name and media type match its content, or remove it.',
  },
  noneOfDeclaredFormats: {
    id: 'engine.none-of-declared-formats',
    analyzer: 'engine',
    severity: 'High',
    title: 'File is none of the formats its name claims',
    why: 'The scanner recognises no format in the content, and the reader of every format the name or media type claims rejected it, so nothing in the file was inspected. A loader that picks its parser by name may still read it in a way the scanner did not (a truncated or deliberately broken file), so it is not reported clean.',
    remediation: 'Re-export the file with the library that owns its format, or remove it; the details list why each reader rejected it.',
  },
  notAnalysable: {
    id: 'engine.not-analysable',
    analyzer: 'engine',
    severity: 'High',
    title: 'Container format the scanner cannot open',
    why: 'The file is an archive or compressed stream the scanner has no decoder for, so its members were not analysed.',
    remediation: 'Repackage the content in a supported format (zip, tar, gzip, bzip2, xz, zstd) or inspect it manually.',
  },
});

/** A limit the analyzer hit; the engine turns it into an `engine.limit-exceeded` finding. */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
  readonly code = 'E_LIMIT';
  constructor(
    readonly limit: string,
    readonly value: number,
    readonly max: number,
  ) {
    super(`${limit} limit exceeded: ${value} > ${max}`);
  }
}
