/**
 * Every analyzer the scanner runs, in one explicit list (no registration by import side effect). The
 * service, the CLI and the rule catalogue all take it from here.
 */
import type { Analyzer } from './analyzer.js';
import { ARCHIVE_ANALYZERS } from './archive/index.js';
import { ggufAnalyzer } from './gguf/analyzer.js';
import { safetensorsAnalyzer } from './safetensors/analyzer.js';

export const ALL_ANALYZERS: readonly Analyzer[] = [safetensorsAnalyzer, ggufAnalyzer, ...ARCHIVE_ANALYZERS];
