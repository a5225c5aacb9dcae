import { describe, expect, it } from 'vitest';
import { kerasAnalyzer } from '../../../../analyzers/keras/analyzer.js';
import { KERAS_RULES as RULES } from '../../../../analyzers/keras/rules.js';
import { ForwardSource } from '../../../../analyzers/source.js';
import { buildZip, type MemberSpec } from '../archive/zip-writer.js';
import { formatFixture, ruleIds, scanBytes } from '../protobuf/scan-file.js';
import { keras2Lambda, keras2Sequential, keras3Function, keras3Lambda, keras3LambdaCode, keras3Object, keras3Sequential, LAMBDA_CODE, type Json } from './keras-configs.js';

const METADATA = JSON.stringify({ keras_version: '3.9.2', date_saved: '2026-11-01@10:00:00' });
const WEIGHTS = formatFixture('model.weights.h5');

/** A `.keras` file as `saving_lib` writes it (stored members): metadata, config, weights. */
function kerasFile(config: Json | Uint8Array, extra: MemberSpec[] = []): Uint8Array {
  const configData = config instanceof Uint8Array ? config : JSON.stringify(config);
  return buildZip([{ name: 'metadata.json', data: METADATA }, { name: 'config.json', data: configData }, { name: 'model.weights.h5', data: WEIGHTS }, ...extra]);
}

const utf16le = (text: string) => new Uint8Array(Buffer.from(text, 'utf16le'));

describe('kerasAnalyzer', () => {
  it.each([
    ['a Keras 3 model', 'model.keras', kerasFile(keras3Sequential())],
    ['a deflated Keras 3 model', 'model.keras', buildZip([{ name: 'config.json', data: JSON.stringify(keras3Sequential()), method: 8 }, { name: 'model.weights.h5', data: WEIGHTS, method: 8 }])],
    ['a transformers config.json', 'config.json', new TextEncoder().encode(JSON.stringify({ architectures: ['BertModel'], model_type: 'bert', hidden_size: 768 }))],
    ['a keras_hub preset config.json', 'config.json', new TextEncoder().encode(JSON.stringify(keras3Object('keras_hub.src.models.gemma.gemma_backbone', 'GemmaBackbone', { vocabulary_size: 256000 })))],
    ['a legacy H5 model (h5py, fixed-length strings)', 'model.h5', formatFixture('keras-legacy.h5')],
    ['a legacy H5 model (h5py 3, variable-length strings)', 'model.h5', formatFixture('keras-legacy-vlen.h5')],
    ['a legacy H5 model (libver latest: superblock 3, OHDR headers)', 'model.h5', formatFixture('keras-legacy-v3.h5')],
    ['Keras 3 weights (no root attributes)', 'model.weights.h5', WEIGHTS],
  ])('should report nothing through the full engine when the file is %s', async (_, name, data) => {
    expect((await scanBytes(name, data)).findings).toEqual([]);
  });

  it('should recognise an HDF5 file behind a user block and find nothing in a clean one', async () => {
    const { format, findings } = await scanBytes('model.h5', formatFixture('keras-userblock.h5'));
    expect(format).toBe('hdf5');
    expect(ruleIds(findings)).toEqual([]);
  });

  const lambdaH5 = ['keras-lambda.h5', 'keras-lambda-vlen.h5', 'keras-lambda-v3.h5'];
  it.each(lambdaH5)('should report marshalled bytecode when the H5 model_config of %s has a Lambda layer', async (name) => {
    const { findings } = await scanBytes('model.h5', formatFixture(name));
    expect(findings.map((f) => [f.ruleId, f.severity, f.location])).toEqual([[RULES.lambdaBytecode.id, 'Critical', 'attribute model_config config.layers[2]']]);
    expect(findings[0]!.file).toBe('model.h5');
  });

  const hostile: Array<[string, string, string, Uint8Array]> = [
    [RULES.lambdaBytecode.id, 'a Keras 3 lambda', 'model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3LambdaCode())))],
    [RULES.lambdaBytecode.id, 'a UTF-16 config.json (json.loads accepts it)', 'model.keras', kerasFile(utf16le(JSON.stringify(keras3Sequential(keras3Lambda(keras3LambdaCode())))))],
    [RULES.lambdaBytecode.id, 'a config with NaN (json.loads accepts it)', 'model.keras', kerasFile(new TextEncoder().encode(`{"module": "keras", "class_name": "Sequential", "registered_name": null, "config": {"rate": NaN, "layers": [${JSON.stringify(keras3Lambda(keras3LambdaCode()))}]}}`))],
    [RULES.lambdaBytecode.id, 'a Keras 2 Lambda in a top-level model.json', 'config.json', new TextEncoder().encode(JSON.stringify(keras2Sequential(keras2Lambda([LAMBDA_CODE, null, null], 'lambda'))))],
    [RULES.unsafeModule.id, 'an os import', 'model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3Function('os', 'system'))))],
    [RULES.safeModeBypass.id, 'a safe-mode switch', 'model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3Function('keras.config', 'enable_unsafe_deserialization'))))],
    [RULES.nonModelingApi.id, 'a download', 'model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3Function('keras.utils', 'get_file'))))],
    [RULES.customModule.id, 'a custom layer package', 'model.keras', kerasFile(keras3Sequential(keras3Object('acme.layers', 'Gate', {}, { registered_name: 'Acme>Gate' })))],
    [RULES.outsideModule.id, 'an unregistered module outside Keras (CVE-2025-1550)', 'model.keras', kerasFile(keras3Sequential(keras3Object('acme.layers', 'Gate')))],
    [RULES.lambdaLayer.id, 'a named-function Lambda', 'model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3Function('keras.ops', 'square'))))],
    [RULES.configUnreadable.id, 'a config.json that is not JSON', 'model.keras', kerasFile(new TextEncoder().encode('{"class_name": "Sequential", '))],
    [RULES.lambdaBytecode.id, 'a Lambda model_config followed by a second, harmless one', 'model.h5', renamed(formatFixture('keras-lambda.h5'), 'training_config', 'model_config\0\0\0')],
    [RULES.lambdaBytecode.id, 'a Lambda config among dense (fractal heap) attributes', 'model.h5', formatFixture('keras-dense-lambda.h5')],
    [RULES.lambdaBytecode.id, 'a Lambda config behind a root indirect heap block', 'model.h5', formatFixture('keras-dense-lambda-indirect.h5')],
    [RULES.lambdaBytecode.id, 'a Lambda config stored as a huge heap object', 'model.h5', formatFixture('keras-dense-lambda-huge.h5')],
    [RULES.lambdaBytecode.id, 'a Lambda config in a dense store with a multi-level name index', 'model.h5', formatFixture('keras-dense-deep-index.h5')],
    [RULES.h5NotAnalysable.id, 'root attributes in a filtered fractal heap', 'model.h5', patched(formatFixture('keras-dense-lambda.h5'), Buffer.from(formatFixture('keras-dense-lambda.h5')).indexOf('FRHP') + 7, [0x10])],
    [RULES.h5Malformed.id, 'a truncated superblock', 'model.h5', formatFixture('keras-legacy.h5').subarray(0, 40)],
    // Superblock v0 with 8-byte offsets: the root symbol-table entry's object header address is at 0x40.
    [RULES.h5Malformed.id, 'a root object header outside the file', 'model.h5', patched(formatFixture('keras-legacy.h5'), 0x40, [0xf0, 0xff, 0xff, 0x00])],
    [RULES.h5Malformed.id, 'a missing global heap', 'model.h5', formatFixture('keras-legacy-vlen.h5').subarray(0, 1000)],
    [RULES.configUnreadable.id, 'a model_config that is not JSON', 'model.h5', corruptModelConfig(formatFixture('keras-legacy.h5'))],
  ];

  it.each(hostile)('should report %s when the file has %s', async (rule, _, name, data) => {
    expect(ruleIds((await scanBytes(name, data)).findings)).toContain(rule);
  });

  it('should report the member path when a .keras config.json is hostile', async () => {
    const { findings } = await scanBytes('model.keras', kerasFile(keras3Sequential(keras3Lambda(keras3LambdaCode()))));
    expect(findings).toEqual([expect.objectContaining({ ruleId: RULES.lambdaBytecode.id, file: 'model.keras!config.json', location: 'config.json config.layers[2].config.function' })]);
  });

  it('should analyse an H5 read as a stream when its structures follow each other forward', async () => {
    // h5py writes the superblock, the root object header and the global heap in file order.
    const data = formatFixture('keras-lambda-vlen.h5');
    async function* chunks() {
      for (let at = 0; at < data.length; at += 512) yield data.slice(at, at + 512);
    }
    const outcome = await scanBytes('model.h5', new ForwardSource(chunks()), { analyzers: [kerasAnalyzer] });
    expect(ruleIds(outcome.findings)).toEqual([RULES.lambdaBytecode.id]);
  });

  it('should report an H5 read as a stream as not analysable when a structure lies behind the read position', async () => {
    // With no look-behind kept, the superblock is already behind the position once the engine sniffed the head.
    const data = formatFixture('keras-legacy.h5');
    async function* chunks() {
      for (let at = 0; at < data.length; at += 512) yield data.slice(at, at + 512);
    }
    const source = new ForwardSource(chunks(), data.length, 0);
    const outcome = await scanBytes('model.h5', source, { analyzers: [kerasAnalyzer] });
    expect(ruleIds(outcome.findings)).toEqual([RULES.h5NotAnalysable.id]);
  });
});

function patched(data: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = data.slice();
  out.set(values, at);
  return out;
}

/** Renames an attribute in place (same length; NUL padding ends the name early). */
function renamed(data: Uint8Array, from: string, to: string): Uint8Array {
  const out = Buffer.from(data);
  const at = out.indexOf(Buffer.from(`${from}\0`));
  if (at < 0 || from.length !== to.length) throw new Error(`fixture has no attribute ${from}`);
  out.write(to, at, 'latin1');
  return new Uint8Array(out);
}

/** Breaks the JSON of the fixed-length model_config attribute in place (same length). */
function corruptModelConfig(data: Uint8Array): Uint8Array {
  const out = data.slice();
  const marker = Buffer.from('{"class_name": "Sequential"');
  const at = Buffer.from(out).indexOf(marker);
  if (at < 0) throw new Error('fixture has no model_config JSON');
  out[at] = 0x28; // '(' instead of '{'
  return out;
}
