import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelProtobufKind, SNIFF_WINDOW_BYTES } from '../../../../analyzers/protobuf/model-kind.js';
import { SNIFF_BYTES, sniffFormat } from '../../../../analyzers/sniff.js';
import { bytes, concat, lyingLength, message, packedVarints, varint } from './proto-writer.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/formats/${name}`, import.meta.url)));
const head = (data: Uint8Array) => data.subarray(0, SNIFF_BYTES);

const GRAPH = message(7, message(1, bytes(1, 'x'), bytes(4, 'Relu')), bytes(2, 'g'));
const hex = (text: string) => new Uint8Array(Buffer.from(text.replaceAll(' ', ''), 'hex'));
/** What torch.onnx.export writes first, in field order: a head cut inside the first initializer's raw_data. */
const PYTORCH_EXPORT = concat(
  varint(1, 8), bytes(2, 'pytorch'), bytes(3, '2.1.0'),
  lyingLength(7, 40_000, concat(
    message(1, bytes(1, 'input'), bytes(1, 'conv.weight'), bytes(2, '/conv/Conv_output_0'), bytes(3, '/conv/Conv'), bytes(4, 'Conv')),
    bytes(2, 'main_graph'),
    lyingLength(5, 37_700, concat(packedVarints(1, [64, 3, 7, 7]), varint(2, 1), bytes(8, 'conv.weight'), lyingLength(9, 37_632, new Uint8Array(5000)))),
  )),
);
const SAVED_MODEL = concat(varint(1, 1), message(2, message(1, bytes(4, 'serve')), message(2, message(1, bytes(1, 'n'), bytes(2, 'Const')))));

describe('modelProtobufKind', () => {
  it('should use the sniffer\'s window when judging a head that ends inside a string', () => {
    expect(SNIFF_WINDOW_BYTES).toBe(SNIFF_BYTES);
  });

  it.each([
    ['model.onnx', 'onnx'],
    ['external.onnx', 'onnx'],
    ['custom-domain.onnx', 'onnx'],
  ] as const)('should recognise %s from onnx.save as ONNX', (name, kind) => {
    const data = fixture(name);
    expect(modelProtobufKind(head(data))).toBe(kind);
    expect(sniffFormat(head(data), data.length)).toBe('protobuf');
  });

  it.each([
    ['a minimal ONNX model', concat(varint(1, 8), GRAPH), 'onnx'],
    ['an ONNX model with IR version 1', concat(varint(1, 1), bytes(2, 'exporter'), GRAPH), 'onnx'],
    ['an ONNX model whose doc_string fills the head', concat(varint(1, 9), bytes(6, 'documentation '.repeat(400)), GRAPH), 'onnx'],
    ['a SavedModel', SAVED_MODEL, 'saved-model'],
    ['a keras_metadata.pb', message(1, bytes(3, 'root'), bytes(4, '_tf_keras_sequential'), bytes(5, '{"class_name": "Sequential"}')), 'keras-metadata'],
    ['a frozen graph', concat(message(1, bytes(1, 'input'), bytes(2, 'Placeholder')), message(1, bytes(1, 'w'), bytes(2, 'Const')), message(4, varint(1, 1645))), 'graph-def'],
    // Protobuf readers take fields in any order: so does recognition.
    ['an ONNX model whose graph comes first', concat(GRAPH, bytes(2, 'exporter'), varint(1, 8)), 'onnx'],
    ['an ONNX model without ir_version in its head', concat(bytes(2, 'exporter'), GRAPH), 'onnx'],
    ['a graph starting with an initializer', concat(message(7, message(5, varint(2, 1), bytes(9, new Uint8Array(8)))), varint(1, 8)), 'onnx'],
    ['a SavedModel whose meta graph comes before its schema version', concat(message(2, message(2, message(1, bytes(2, 'Const'), bytes(1, 'n'))), message(1, bytes(4, 'serve'))), varint(1, 1)), 'saved-model'],
    ['a keras_metadata.pb with the identifier after the metadata', message(1, bytes(5, '{"class_name": "Sequential"}'), bytes(4, '_tf_keras_sequential'), bytes(3, 'root')), 'keras-metadata'],
    ['an ONNX model whose head is all one initializer\'s raw data (graph, initializer and raw_data first)', head(lyingLength(7, 100_000, lyingLength(5, 90_000, lyingLength(9, 80_000, new Uint8Array(5000))))), 'onnx'],
    ['a frozen graph whose nodes name their op first', concat(message(4, varint(1, 1645)), message(1, bytes(2, 'Placeholder'), bytes(1, 'input'))), 'graph-def'],
    ['a PyTorch export\'s head, cut inside its first initializer', head(PYTORCH_EXPORT), 'onnx'],
    ['an ONNX model whose one node is an If (the shortest op types have two letters)', concat(varint(1, 8), message(7, message(1, bytes(4, 'If')))), 'onnx'],
  ] as const)('should recognise %s', (_, data, kind) => {
    expect(modelProtobufKind(head(data))).toBe(kind);
  });

  it.each([
    ['a model whose first node outgrows the head', concat(varint(1, 8), bytes(2, 'exporter-name-x'), message(7, message(1, bytes(1, 'x'.repeat(5000)))))],
  ])('should recognise %s from its head alone', (_, data) => {
    expect(modelProtobufKind(head(data))).toBe('onnx');
  });

  it.each([
    ['an ONNX model without a graph', concat(varint(1, 8), bytes(2, 'exporter'))],
    ['an IR version beyond any plausible one', concat(varint(1, 900), GRAPH)],
    ['an unknown ModelProto field', concat(varint(1, 8), bytes(9, 'x'), GRAPH)],
    ['a known field with the wrong wire type', concat(varint(1, 8), varint(7, 3))],
    ['a graph whose content is not GraphProto', concat(varint(1, 8), bytes(7, new Uint8Array([0x08, 0x01])))],
    ['a producer name that is not UTF-8', concat(varint(1, 8), bytes(2, new Uint8Array([0xff, 0xfe, 0xfd])), GRAPH)],
    ['a graph that ends before its first field', concat(varint(1, 8), lyingLength(7, 9, new Uint8Array(0)))],
    ['an empty graph', concat(varint(1, 8), bytes(7, new Uint8Array(0)))],
    ['a graph whose first node is not a NodeProto', concat(varint(1, 8), message(7, bytes(1, new Uint8Array([0x08, 0x01]))))],
    ['a short string running past a short head', concat(varint(1, 8), lyingLength(2, 300, new TextEncoder().encode('exporter-name-long')))],
    ['a SavedModel fingerprint.pb (checksum first)', concat(varint(1, 123456789012345n), varint(2, 42), varint(3, 7))],
    ['a SavedMetadata-shaped file with the old VersionDef field', message(1, varint(1, 1), bytes(4, '_tf_keras_layer'))],
    ['a SavedMetadata-shaped file whose identifier is not tf-keras', message(1, bytes(3, 'root'), bytes(4, 'my_layer'), bytes(5, '{}'))],
    ['a SavedMetadata-shaped file without an identifier in its head', message(1, bytes(3, 'root'), bytes(5, '{}'))],
    ['a GraphDef-shaped file whose op is not an op name', message(1, bytes(1, 'x'), bytes(2, 'not an op'))],
    ['a GraphDef-shaped file whose first node has no name', message(1, bytes(2, 'Relu'))],
    ['a SavedModel with schema version 2', concat(varint(1, 2), message(2, message(1, bytes(4, 'serve'))))],
    ['a SavedModel with schema version 2 written last', concat(message(2, message(1, bytes(4, 'serve'))), varint(1, 2))],
    ['a SavedModel whose meta graph shows one field only', concat(varint(1, 1), message(2, bytes(6, 'x')))],
    ['a SavedMetadata-shaped file with a non-tf-keras identifier after a tf-keras one', concat(message(1, bytes(4, '_tf_keras_layer')), message(1, bytes(4, 'evil')))],
    ['a graph holding only empty and zero values', concat(message(7, bytes(10, ''), message(5, varint(1, 0))), varint(1, 8))],
    ['a graph whose only string is a control character', concat(varint(1, 1), message(7, bytes(10, '\u0000')))],
    ['a GraphDef-shaped file whose name and op sit in different nodes', concat(message(1, bytes(1, 'x')), message(1, bytes(2, 'Relu')))],
    // Noise the 0x08-led property below drew over many seeds (the third after `08 01 12`). A head shorter than
    // the window is the whole file, so a field running past its end is a parse error (onnx.load fails):
    // ir_version 1, then a graph of 128 bytes in an 8-byte file.
    ['random bytes read as a graph declared past the end of the file', hex('08 01 3a 80 01 52 01 20')],
    ['random bytes read as a doc_string declared past the end of the file', hex('08 14 3a c0 61 52 6d 7c 79')],
    ['random bytes read as a meta graph declared past the end of the file', hex('08 01 12 be 76 0a 1a 38 8c bc f3 c1 4f e7')],
    ['a small model cut short inside its graph', concat(varint(1, 8), bytes(2, 'exporter'), GRAPH).subarray(0, 20)],
    ['a small model cut short inside a tag', concat(varint(1, 8), GRAPH, hex('80'))],
    ['a small model cut short inside a value', concat(varint(1, 8), GRAPH, hex('08'))],
    // A loadable file whose graph text is one character or blank shows nothing of a model.
    ['a graph whose doc_string is one space', hex('08 01 3a 03 52 01 20')],
    ['a graph whose only strings are one character or blank', concat(varint(1, 1), message(7, bytes(2, 'g'), bytes(10, ' \n\t')))],
  ])('should not recognise %s', (_, data) => {
    expect(modelProtobufKind(head(data))).toBeUndefined();
  });

  it('should never call random bytes a model protobuf', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (data) => {
        expect(modelProtobufKind(data)).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it('should never call random bytes starting with 0x08 a model protobuf', () => {
    // The one byte every candidate starts with (ir_version, schema version), followed by noise. The samples
    // it used to draw are named among the heads not recognised above.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (rest) => {
        expect(modelProtobufKind(concat(new Uint8Array([0x08]), rest))).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it('should never call text a model protobuf', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const data = new TextEncoder().encode(text);
        expect(modelProtobufKind(data)).toBeUndefined();
        expect(sniffFormat(data, data.length)).not.toBe('protobuf');
      }),
      { numRuns: 10_000 },
    );
  });
});
