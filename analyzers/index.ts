/**
 * Every analyzer the scanner runs, in one explicit list (no registration by import side effect). The
 * service, the CLI and the rule catalogue all take it from here.
 */
import type { Analyzer } from './analyzer.js';
import { ARCHIVE_ANALYZERS } from './archive/index.js';
import { ggufAnalyzer } from './gguf/analyzer.js';
import { kerasAnalyzer } from './keras/analyzer.js';
import { licenseAnalyzer } from './license/analyzer.js';
import type { Rule } from './finding.js';
import { MANIFEST_RULE_LIST } from './manifest/rules.js';
import { onnxAnalyzer } from './onnx/analyzer.js';
import { npyAnalyzer, pickleAnalyzer } from './pickle/analyzer.js';
import { safetensorsAnalyzer } from './safetensors/analyzer.js';
import { tensorflowAnalyzer } from './tensorflow/analyzer.js';
import { templateAnalyzer } from './template/analyzer.js';
import { yamlAnalyzer } from './yaml/analyzer.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [
  pickleAnalyzer,
  npyAnalyzer,
  safetensorsAnalyzer,
  ggufAnalyzer,
  ...ARCHIVE_ANALYZERS,
  onnxAnalyzer,
  tensorflowAnalyzer,
  kerasAnalyzer,
  templateAnalyzer,
  yamlAnalyzer,
  licenseAnalyzer,
];

/**
 * Rules of the artifact-level checks (manifests, configs, the layer walk: analyzers/manifest), which run
 * once per artifact outside the per-file engine. The rule catalogue and SARIF list them with the rest.
 */
export const ARTIFACT_RULES: readonly Rule[] = MANIFEST_RULE_LIST;
