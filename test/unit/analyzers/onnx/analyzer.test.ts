import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localFiles } from '../../../../cli/local-files.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { scanFiles } from '../../../../server/scan/scan-files.js';
import { onnxAnalyzer } from '../../../../analyzers/onnx/analyzer.js';
import { ENGINE_RULES } from '../../../../analyzers/engine-rules.js';
import { ONNX_RULES as RULES } from '../../../../analyzers/onnx/rules.js';
import { ForwardSource } from '../../../../analyzers/source.js';
import { CountingSource, VirtualFileSource } from '../../../support/sources.js';
import { bytes, concat, lyingLength, message, varint } from '../protobuf/proto-writer.js';
import { formatFixture, ruleIds, scanBytes } from '../protobuf/scan-file.js';
import {
  EXTERNAL,
  FLOAT,
  graph,
  graphAttribute,
  INT64,
  model,
  node,
  sparseAttribute,
  STRING,
  tensor,
  tensorAttribute,
  withInitializer,
} from './onnx-builder.js';

const scan = (bytes: Uint8Array, path = 'model.onnx') => scanBytes(path, bytes);
const external = (location: string, extra: ReadonlyArray<readonly [string, string]> = []) =>
  withInitializer({ name: 'w', dims: [2, 2], dataType: FLOAT, external: [['location', location], ...extra], dataLocation: EXTERNAL });

describe('onnxAnalyzer', () => {
  it.each(['model.onnx', 'external.onnx'])('should report nothing through the full engine when %s was written by onnx.save', async (name) => {
    const outcome = await scan(formatFixture(name), name);
    expect(outcome.format).toBe('protobuf');
    expect(outcome.findings).toEqual([]);
  });

  it.each([
    ['a model built field by field', withInitializer({ name: 'w', dims: [2, 3], dataType: FLOAT, raw: 24 })],
    ['typed int64 data', withInitializer({ dims: [3], dataType: INT64, int64s: [1, 2, 300] })],
    ['string data', withInitializer({ dims: [2], dataType: STRING, strings: ['a', 'b'] })],
    ['a scalar', withInitializer({ dataType: FLOAT, floats: 1 })],
    ['an empty tensor', withInitializer({ dims: [0, 4], dataType: FLOAT })],
    ['a segment of a split tensor', withInitializer({ dims: [100], dataType: FLOAT, raw: 8, segment: true })],
    ['external data in a sub-directory', external('weights/part-0.bin', [['offset', '4096'], ['length', '16']])],
    ['a model-local function in its own domain', model({
      graph: graph({ nodes: [node({ op: 'Double', domain: 'local.fn' })] }),
      opsets: [['', 13], ['local.fn', 1]],
      functions: [{ name: 'Double', domain: 'local.fn', nodes: [node({ op: 'Add' })] }],
    })],
    ['onnxruntime contrib operators', model({ graph: graph({ nodes: [node({ op: 'FusedMatMul', domain: 'com.microsoft' })] }), opsets: [['', 17], ['com.microsoft', 1]] })],
  ])('should report nothing when the model has %s', async (_, data) => {
    expect((await scan(data)).findings).toEqual([]);
  });

  const nestedGraph = (t: Uint8Array) =>
    model({ graph: graph({ nodes: [node({ op: 'If', attributes: [graphAttribute('then_branch', graph({ initializers: [t] }))] })] }) });

  const hostile: Array<[string, string, Uint8Array]> = [
    [RULES.externalDataEscape.id, 'an absolute location', external('/etc/passwd')],
    [RULES.externalDataEscape.id, 'a traversing location (onnx.save fixture)', formatFixture('traversal.onnx')],
    [RULES.externalDataEscape.id, 'a Windows drive', external('C:\\Windows\\win.ini')],
    [RULES.externalDataEscape.id, 'a network path', external('\\\\server\\share\\w.bin')],
    [RULES.externalDataEscape.id, 'a NUL byte', external('w.bin\u0000/../../etc/passwd')],
    [RULES.externalDataEscape.id, 'a backslash traversal', external('a\\..\\..\\secret')],
    [RULES.externalDataEscape.id, 'a traversal behind a repeated, harmless location', external('w.bin', [['location', '../../etc/passwd']])],
    [RULES.externalDataEscape.id, 'a traversal in a nested If branch', nestedGraph(tensor({ dims: [1], dataType: FLOAT, external: [['location', '../x']], dataLocation: EXTERNAL }))],
    [RULES.externalDataMemoryAddress.id, 'the onnxruntime memory marker', external('*/_ORT_MEM_ADDR_/*', [['offset', '140737488355328'], ['length', '16']])],
    [RULES.externalDataSuspiciousLocation.id, 'a contained `..`', external('a/../w.bin')],
    [RULES.externalDataSuspiciousLocation.id, 'backslashes', external('weights\\w.bin')],
    [RULES.externalDataSuspiciousLocation.id, 'a URL', external('file:w.bin')],
    [RULES.externalDataSuspiciousLocation.id, 'a home-relative path', external('~/w.bin')],
    [RULES.externalDataSuspiciousLocation.id, 'an empty location', external('')],
    [RULES.externalDataSuspiciousLocation.id, 'a directory', external('weights/')],
    [RULES.invalidExternalData.id, 'no location', withInitializer({ dims: [2], dataType: FLOAT, external: [['offset', '0']], dataLocation: EXTERNAL })],
    [RULES.invalidExternalData.id, 'a non-decimal offset', external('w.bin', [['offset', '-1']])],
    [RULES.invalidExternalData.id, 'entries without data_location EXTERNAL', withInitializer({ dims: [2], dataType: FLOAT, raw: 8, external: [['location', 'w.bin']] })],
    [RULES.invalidExternalData.id, 'a repeated location key', external('w.bin', [['location', 'other.bin']])],
    [RULES.tensorSizeMismatch.id, 'raw_data shorter than the shape', withInitializer({ dims: [4, 4], dataType: FLOAT, raw: 12 })],
    [RULES.tensorSizeMismatch.id, 'raw_data longer than the shape', withInitializer({ dims: [1], dataType: FLOAT, raw: 4096 })],
    [RULES.tensorSizeMismatch.id, 'too few typed values', withInitializer({ dims: [3], dataType: INT64, int64s: [1] })],
    [RULES.tensorSizeMismatch.id, 'values in a field of another type', withInitializer({ dims: [2], dataType: INT64, floats: 2 })],
    [RULES.tensorSizeMismatch.id, 'no data at all', withInitializer({ dims: [8], dataType: FLOAT })],
    [RULES.tensorSizeMismatch.id, 'an external length that disagrees', external('w.bin', [['length', '999']])],
    [RULES.tensorSizeMismatch.id, 'a mis-sized Constant attribute', model({ graph: graph({ nodes: [node({ op: 'Constant', attributes: [tensorAttribute('value', tensor({ dims: [2], dataType: FLOAT, raw: 3 }))] })] }) })],
    [RULES.tensorSizeMismatch.id, 'a mis-sized sparse tensor', model({ graph: graph({ nodes: [node({ op: 'Constant', attributes: [sparseAttribute('sparse_value', tensor({ dims: [2], dataType: FLOAT, raw: 4 }), tensor({ dims: [2], dataType: INT64, int64s: [0, 1] }))] })] }) })],
    [RULES.tensorSizeMismatch.id, 'a mis-sized training initializer', model({ graph: graph({ nodes: [node({ op: 'Relu' })] }), trainingGraph: graph({ initializers: [tensor({ dims: [2], dataType: FLOAT, raw: 1 })] }) })],
    [RULES.invalidTensor.id, 'an unknown data type', withInitializer({ dims: [1], dataType: 99, raw: 4 })],
    [RULES.invalidTensor.id, 'a negative dimension', withInitializer({ dims: [-4], dataType: FLOAT, raw: 16 })],
    [RULES.invalidTensor.id, 'more than 2^53 elements', withInitializer({ dims: [2n ** 40n, 2n ** 40n], dataType: FLOAT, raw: 4 })],
    [RULES.invalidTensor.id, 'strings in raw_data', withInitializer({ dims: [1], dataType: STRING, raw: 4 })],
    [RULES.invalidTensor.id, 'data without a data type', withInitializer({ dims: [1], raw: 4 })],
    [RULES.customDomain.id, 'a custom operator (onnx.save fixture)', formatFixture('custom-domain.onnx')],
    [RULES.customDomain.id, 'a custom operator in a local function', model({
      graph: graph({ nodes: [node({ op: 'Double', domain: 'local.fn' })] }),
      functions: [{ name: 'Double', domain: 'local.fn', nodes: [node({ op: 'Evil', domain: 'evil.ops' })] }],
    })],
    [RULES.customDomain.id, 'a call into a local domain that no function defines', model({
      graph: graph({ nodes: [node({ op: 'Other', domain: 'local.fn' })] }),
      functions: [{ name: 'Double', domain: 'local.fn', nodes: [node({ op: 'Add' })] }],
    })],
    [RULES.unusualOpset.id, 'an opset newer than any release', withInitializer({ dims: [1], dataType: FLOAT, raw: 4 }, { opsets: [['', 999]] })],
    [RULES.unusualOpset.id, 'opset version 0', withInitializer({ dims: [1], dataType: FLOAT, raw: 4 }, { opsets: [['ai.onnx.ml', 0]] })],
    [RULES.unusualOpset.id, 'a domain imported twice', withInitializer({ dims: [1], dataType: FLOAT, raw: 4 }, { opsets: [['', 13], ['', 17]] })],
    [RULES.unusualIrVersion.id, 'IR version 20', withInitializer({ dims: [1], dataType: FLOAT, raw: 4 }, { irVersion: 20 })],
    [RULES.malformed.id, 'no graph but a long producer name', concat(varint(1, 8), bytes(2, 'exporter '.repeat(600)), message(8, bytes(1, ''), varint(2, 13)))],
    // Cut after the sniffed head: a shorter file cut short is no protobuf at all (see below).
    [RULES.malformed.id, 'a truncated initializer', withInitializer({ dims: [2048], dataType: FLOAT, raw: 8192 }).subarray(0, 6000)],
    // Past the sniffed head (a long doc_string fills it), so only the walk can see the overrun.
    [RULES.malformed.id, 'a field overrunning its message', concat(varint(1, 8), bytes(6, 'doc '.repeat(1500)), bytes(7, concat(bytes(1, node({ op: 'Relu' })), lyingLength(5, 500, tensor({ dims: [1], dataType: FLOAT })))))],
  ];

  it.each(hostile)('should report %s when the model has %s', async (rule, _, data) => {
    const { format, findings } = await scan(data);
    expect(format).toBe('protobuf');
    expect(ruleIds(findings)).toContain(rule);
  });

  it('should reject a .onnx file cut short within the sniffed head as no model, stating the reader\'s reason once', async () => {
    // No loader parses it (a field runs past the end of the file), so it is not sniffed as protobuf; its name still claims ONNX.
    const { format, findings } = await scan(withInitializer({ dims: [2], dataType: FLOAT, raw: 8 }).subarray(0, 40));
    expect(format).toBe('unknown');
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: ENGINE_RULES.noneOfDeclaredFormats.id, details: expect.objectContaining({ readers: [expect.objectContaining({ rule: RULES.malformed.id })] }) }),
    ]);
  });

  it('should name the domain and the operators when a custom domain is used', async () => {
    const { findings } = await scan(formatFixture('custom-domain.onnx'));
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: RULES.customDomain.id, severity: 'Medium', details: expect.objectContaining({ domain: 'ai.onnx.contrib', operators: ['StringRegexReplace'] }) }),
    ]);
  });

  it('should locate an external-data escape in a nested subgraph', async () => {
    const data = nestedGraph(tensor({ name: 'deep', dims: [1], dataType: FLOAT, external: [['location', '/etc/shadow']], dataLocation: EXTERNAL }));
    const [finding] = (await scan(data)).findings;
    expect(finding).toMatchObject({ ruleId: RULES.externalDataEscape.id, severity: 'Critical', location: "graph.node[0](If).then_branch.g.initializer[0] 'deep'" });
  });

  it('should not read tensor data when a huge model is scanned', async () => {
    // A 6 GiB file whose only initializer carries 6 GiB of raw_data: the walk must skip the payload.
    const big = 6 * 1024 ** 3;
    const tensorHead = concat(varint(2, FLOAT), bytes(8, 'w'), lyingLength(9, big, new Uint8Array(0)));
    const graphHead = concat(bytes(1, node({ op: 'Relu' })), lyingLength(5, tensorHead.length + big, tensorHead));
    const file = concat(varint(1, 8), bytes(2, 'big'), lyingLength(7, graphHead.length + big, graphHead));
    const source = new CountingSource(new VirtualFileSource(file, file.length + big));
    const { findings } = await scanBytes('big.onnx', source);
    // The tensor has no dims, so it is a scalar of 4 bytes: its 6 GiB of raw_data is a size mismatch.
    expect(ruleIds(findings)).toEqual([RULES.tensorSizeMismatch.id]);
    expect(source.bytesRead).toBeLessThan(1024 * 1024);
  });

  it('should analyse a model read as a stream when it sits in a compressed layer', async () => {
    const data = external('../../etc/passwd');
    async function* chunks() {
      for (let at = 0; at < data.length; at += 7) yield data.slice(at, at + 7);
    }
    const { findings } = await scanBytes('model.onnx', new ForwardSource(chunks()));
    expect(ruleIds(findings)).toEqual([RULES.externalDataEscape.id]);
  });

  it('should leave SavedModels to the TensorFlow analyzer when both are protobuf', async () => {
    const savedModel = concat(varint(1, 1), message(2, message(1, bytes(4, 'serve'))));
    const { format, findings } = await scanBytes('saved_model.pb', savedModel, { analyzers: [onnxAnalyzer] });
    expect(format).toBe('protobuf');
    expect(findings).toEqual([]);
  });
});

describe('onnxAnalyzer external data across files', () => {
  const FORMATS = fileURLToPath(new URL('../../../fixtures/formats/', import.meta.url));

  async function scanDirectory(dir: string) {
    const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const result = await scanFiles(engine, localFiles(dir, []), { packaging: 'local', signal: new AbortController().signal });
    return { result, missing: result.findings.filter((f) => f.ruleId === RULES.externalDataMissing.id) };
  }

  it('should record the external data file and find it beside the model when both are scanned', async () => {
    const { result, missing } = await scanDirectory(FORMATS);
    expect(result.facts).toContainEqual({ kind: 'external-data', file: 'external.onnx', locations: ['external.onnx_data'] });
    expect(missing).toEqual([]);
  });

  it('should report external data the scan did not include, resolved against the model directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onnx-external-'));
    mkdirSync(path.join(dir, 'weights'));
    copyFileSync(path.join(FORMATS, 'external.onnx'), path.join(dir, 'weights', 'external.onnx'));
    copyFileSync(path.join(FORMATS, 'external.onnx_data'), path.join(dir, 'external.onnx_data')); // one level too high
    const { missing } = await scanDirectory(dir);
    expect(missing.map((f) => [f.file, f.severity, f.details])).toEqual([['weights/external.onnx', 'Medium', { missing: ['external.onnx_data'], count: 1 }]]);
  });

  it('should not judge a model inside a container, whose data sits beside the extracted model', () => {
    const fact = { kind: 'external-data' as const, file: 'bundle.zip!model.onnx', locations: ['model.onnx_data'] };
    expect(onnxAnalyzer.conclude!([fact], DEFAULT_SETTINGS, new Set(['bundle.zip']))).toEqual([]);
  });
});
