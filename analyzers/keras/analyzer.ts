/**
 * The Keras analyzer (oci-model-formats.md §6.7). `.keras` files are zips, so the zip analyzer hands
 * their `config.json` to the engine like any member; this analyzer recognises it by name and content
 * and checks the model config. Legacy `.h5` models keep the same config in the HDF5 root attribute
 * `model_config`, read here without loading the file (hdf5/root-attributes.ts).
 */
import type { Analyzer, AnalysisContext } from '../analyzer.js';
import { declaredFormats } from '../declared-format.js';
import type { Finding } from '../finding.js';
import { FindingBudget, type FindingSink } from '../finding-budget.js';
import { readWhole } from '../read-whole.js';
import { SeekError } from '../source.js';
import { inspectKerasConfig } from './config-inspector.js';
import type { H5Attribute } from './hdf5/attributes.js';
import { H5FormatError, H5UnsupportedError } from './hdf5/file.js';
import { readRootAttributes } from './hdf5/root-attributes.js';
import { parsePythonJson } from './python-json.js';
import { KERAS_RULES as RULES } from './rules.js';

/** The config file Keras 3 reads from a `.keras` zip (`saving_lib.py` `_CONFIG_FILENAME`). */
const CONFIG_FILENAME = 'config.json';
/** Root attributes of a legacy H5 model that Keras deserializes (`legacy_h5_format.py`). */
const H5_CONFIGS = ['model_config', 'training_config'] as const;

export const kerasAnalyzer: Analyzer = {
  name: 'keras',
  // config.json may be UTF-16/32 (Python's json accepts it), which sniffs as text or unknown.
  formats: ['json', 'text', 'unknown', 'hdf5'],
  rules: Object.values(RULES),

  async analyze(ctx: AnalysisContext): Promise<Finding[]> {
    const budget = new FindingBudget(ctx.file.path);
    const claimsHdf5 = declaredFormats(ctx.file.path, ctx.file.mediaType)?.includes('hdf5') ?? false;
    if (ctx.format === 'hdf5' || (ctx.format === 'unknown' && claimsHdf5)) await analyzeH5(ctx, budget);
    else if (baseName(ctx.file.path) === CONFIG_FILENAME) await analyzeConfigJson(ctx, budget);
    return budget.findings();
  },
};

async function analyzeConfigJson(ctx: AnalysisContext, sink: FindingSink): Promise<void> {
  const parsed = parsePythonJson(await readWhole(ctx.source, ctx.limits.maxHeaderBytes, 'keras config bytes'));
  const inKerasArchive = /\.keras$/i.test(containerOf(ctx.file.path));
  if (!parsed.ok) {
    if (inKerasArchive) sink.add(RULES.configUnreadable, { message: `config.json is not JSON that Keras would read: ${parsed.error}`, location: CONFIG_FILENAME });
    return;
  }
  // A config.json outside a .keras file is only a Keras config when shaped like one (not, say, a transformers config).
  if (inKerasArchive || isSerializedKerasObject(parsed.value)) inspectKerasConfig(parsed.value, CONFIG_FILENAME, sink);
}

async function analyzeH5(ctx: AnalysisContext, sink: FindingSink): Promise<void> {
  try {
    const root = await readRootAttributes(ctx.source, ctx.limits.maxHeaderBytes, new Set(H5_CONFIGS));
    for (const name of H5_CONFIGS) for (const attribute of root.found.get(name) ?? []) checkH5Config(name, attribute, sink);
    if (root.unreadable !== undefined && H5_CONFIGS.some((name) => !root.found.has(name)))
      sink.add(RULES.h5NotAnalysable, { message: `${root.unreadable}; a model config there was not checked`, location: 'root group' });
  } catch (error) {
    if (error instanceof H5FormatError) sink.add(RULES.h5Malformed, { message: error.message, location: `offset ${error.offset}` });
    else if (error instanceof H5UnsupportedError) sink.add(RULES.h5NotAnalysable, { message: error.message, location: 'root group' });
    else if (error instanceof SeekError)
      sink.add(RULES.h5NotAnalysable, { message: 'the file is read as a stream (inside a compressed layer) and its root attributes point backwards', location: 'root group' });
    else throw error;
  }
}

/** One `model_config`/`training_config` attribute: a JSON string Keras deserializes. */
function checkH5Config(name: string, attribute: H5Attribute, sink: FindingSink): void {
  const location = `attribute ${name}`;
  if (attribute.value === undefined) {
    sink.add(RULES.configUnreadable, { message: `root attribute ${name} is a ${attribute.datatype}, not a string`, location });
    return;
  }
  const parsed = parsePythonJson(attribute.value);
  if (parsed.ok) inspectKerasConfig(parsed.value, location, sink);
  else sink.add(RULES.configUnreadable, { message: `root attribute ${name} is not JSON that Keras would read: ${parsed.error}`, location });
}

/** `{"class_name": …, "config": …}` (Keras 2) or with `module` (Keras 3): how Keras serializes an object. */
function isSerializedKerasObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const object = value as Record<string, unknown>;
  return typeof object.class_name === 'string' && ('config' in object || typeof object.module === 'string');
}

function baseName(path: string): string {
  const member = path.slice(path.lastIndexOf('!') + 1);
  return member.slice(member.lastIndexOf('/') + 1);
}

/** The path of the container a member belongs to (`model.keras` for `model.keras!config.json`), or ''. */
function containerOf(path: string): string {
  const bang = path.lastIndexOf('!');
  return bang < 0 ? '' : path.slice(0, bang);
}
