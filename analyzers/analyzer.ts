/**
 * The analyzer contract. An analyzer is a function of (file metadata, bytes, limits) → findings. It
 * never does HTTP, never reads the environment, never knows Harbor: that keeps it testable on bytes and
 * shared by the service and the CLI.
 *
 * Besides findings, an analyzer may record facts (`ctx.record`): what it learned about a file that is
 * not a problem in itself, such as a license declaration or the model card's metadata. The engine
 * collects them for the whole scan (container members included) into the scan result, where the CLI's
 * license inventory and the SBOMs read them. Conclusions that need every file's facts (no license
 * anywhere, sources that disagree) come from the optional `conclude`, run once after the last file.
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
  /** Records a fact about this file (or one of its members) for the scan result; see {@link Fact}. */
  record(fact: Fact): void;
}

export interface Analyzer {
  /** Family name; also the `analyzer` of the findings its rules produce. */
  readonly name: string;
  /** Sniffed formats this analyzer handles. */
  readonly formats: readonly Format[];
  /** Every rule it can report, for the rule catalogue. */
  readonly rules: readonly Rule[];
  analyze(ctx: AnalysisContext): Promise<Finding[]>;
  /**
   * Artifact-level findings from the facts of every file of one scan (and those the packaging gave,
   * such as a ModelPack config's licenses), run once after the last file; `files` holds the paths of
   * every file scanned. Absent: nothing to conclude.
   */
  conclude?(facts: readonly Fact[], settings: AnalyzerSettings, files: ReadonlySet<string>): Finding[];
}

/** What analyzers record besides findings: inputs to inventories, SBOMs and `conclude`. */
export type Fact = LicenseDeclaration | ModelCardFact | ExternalDataFact | SoftwarePackageFact;

/**
 * Installed software the artifact carries (a Python distribution's metadata, a Debian package's
 * copyright file), with the licence it declares for itself: an SBOM component, not the model's licence.
 */
export interface SoftwarePackageFact {
  readonly kind: 'software-package';
  /** The metadata file it was read from. */
  readonly file: string;
  /** purl type: `pypi` or `deb`. */
  readonly ecosystem: 'pypi' | 'deb';
  readonly name: string;
  readonly version?: string;
  /** SPDX expression, or `NOASSERTION`. */
  readonly license: string;
  /** The value as the metadata wrote it, clipped. */
  readonly declared?: string;
}

/** The files a model reads tensor data from (ONNX `external_data` locations, relative to the model). */
export interface ExternalDataFact {
  readonly kind: 'external-data';
  readonly file: string;
  readonly locations: readonly string[];
}

/** Where a license declaration was read (model-scanners.md §4.3 lists them in priority order). */
export type LicenseSource =
  | 'model-card'
  | 'license-file'
  | 'notice-file'
  | 'config-json'
  | 'model-index'
  | 'gguf'
  | 'safetensors'
  | 'kitfile'
  | 'modelpack-config'
  | 'oci-annotation'
  | 'code-header';

/**
 * One license declaration, recorded whether or not it raises a finding: the CLI lists every one and
 * the SBOMs attach them to their files.
 */
export interface LicenseDeclaration {
  readonly kind: 'license';
  /** The declaring file, written like a finding's `file`; `.` for the artifact's manifest and config. */
  readonly file: string;
  /**
   * An SPDX license id or expression (never a deprecated id), `LicenseRef-…` for licenses the SPDX list
   * lacks (Llama, Gemma, OpenRAIL…), or `NOASSERTION` when the source names no identifiable license.
   */
  readonly spdx: string;
  /** Human-readable name of what was identified. */
  readonly name: string;
  readonly source: LicenseSource;
  /** How sure the identification is, 0–1: 1 for a valid SPDX id, the text similarity for a matched text. */
  readonly confidence: number;
  /** The value as the source wrote it (`apache-2.0`, `llama3.1`), clipped; absent for matched texts. */
  readonly declared?: string;
  /** Where the license text lives, when the source says (`license_link`, `general.license.link`). */
  readonly link?: string;
  /** `artifact`: speaks for the whole model; `file`: covers only its own file (SPDX headers in code). */
  readonly scope: 'artifact' | 'file';
}

/** A model the scanned one derives from (model card `base_model`, GGUF `general.base_model.*`). */
export interface BaseModelRef {
  readonly name: string;
  /** Its license, when the artifact says (GGUF base model license keys). */
  readonly license?: string;
}

/** Model card metadata, for the SBOMs' model component and the base-model license check. */
export interface ModelCardFact {
  readonly kind: 'model-card';
  readonly file: string;
  readonly source: 'model-card' | 'gguf' | 'modelpack-config' | 'kitfile';
  readonly name?: string;
  readonly baseModels: readonly BaseModelRef[];
  /** Hugging Face `pipeline_tag` (`text-generation`…). */
  readonly task?: string;
  readonly library?: string;
  readonly architecture?: string;
  readonly datasets: readonly string[];
  readonly languages: readonly string[];
}
