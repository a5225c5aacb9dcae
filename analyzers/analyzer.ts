/**
 * The analyzer contract. An analyzer is a function of (file metadata, bytes, limits) → findings. It
 * never does HTTP, never reads the environment, never knows Harbor: that keeps it testable on bytes and
 * shared by the service and the CLI.
 */
import type { Finding, Rule } from './finding.js';
import type { Format } from './formats.js';
import type { AnalyzerLimits } from './limits.js';
import type { AnalyzerSettings } from './settings.js';
import type { ByteSource } from './source.js';

export interface FileMeta {
  /** Path as reported: relative to the artifact/directory root, members written `outer!inner`. */
  readonly path: string;
  readonly size: number | undefined;
  /** `sha256:<hex>` when known (raw layers, verified reads). */
  readonly digest?: string;
  /** Media type the packaging claimed (layer media type); a hint compared with content, never trusted. */
  readonly mediaType?: string;
}

export interface AnalysisContext {
  readonly file: FileMeta;
  readonly source: ByteSource;
  /** Format sniffed from content. */
  readonly format: Format;
  /** The first bytes of the file (up to SNIFF_BYTES), already read for sniffing. */
  readonly head: Uint8Array;
  readonly limits: AnalyzerLimits;
  readonly settings: AnalyzerSettings;
  /** Container nesting depth of this file (0 = top level). */
  readonly depth: number;
  readonly signal: AbortSignal;
  /**
   * Analyse a member of this container through the whole engine (sniff → analyzers), reported as
   * `<this path>!<name>`. Depth and limits are enforced by the engine.
   */
  scanMember(name: string, source: ByteSource, meta?: { mediaType?: string; digest?: string }): Promise<Finding[]>;
}

export interface Analyzer {
  /** Family name; also the `analyzer` of the findings its rules produce. */
  readonly name: string;
  /** Sniffed formats this analyzer handles. */
  readonly formats: readonly Format[];
  /** Every rule it can report, for the rule catalogue. */
  readonly rules: readonly Rule[];
  analyze(ctx: AnalysisContext): Promise<Finding[]>;
}
