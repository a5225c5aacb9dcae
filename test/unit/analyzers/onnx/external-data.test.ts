import { describe, expect, it } from 'vitest';
import { inspectLocation, ORT_MEMORY_MARKER, parseDecimal } from '../../../../analyzers/onnx/external-data.js';

describe('inspectLocation', () => {
  it.each(['model.onnx_data', 'weights/part-0.bin', './w.bin', 'a/./b/c.bin', 'model.onnx.data'])('should accept %s when it is a plain relative path', (location) => {
    expect(inspectLocation(location)).toBeUndefined();
  });

  it.each([
    ['/etc/passwd', 'escape'],
    ['../../etc/passwd', 'escape'],
    ['a/../../b', 'escape'],
    ['..\\..\\secret', 'escape'],
    ['C:\\Windows\\win.ini', 'escape'],
    ['c:relative', 'escape'],
    ['\\\\server\\share\\x', 'escape'],
    ['w.bin\u0000.txt', 'escape'],
    [ORT_MEMORY_MARKER, 'memory-address'],
    ['', 'suspicious'],
    ['a/../b.bin', 'suspicious'],
    ['sub\\w.bin', 'suspicious'],
    ['w\u0007.bin', 'suspicious'],
    ['file:w.bin', 'suspicious'],
    ['https://example.com/w.bin', 'suspicious'],
    ['~/w.bin', 'suspicious'],
    ['#w.bin', 'suspicious'],
    ['weights/', 'suspicious'],
    ['.', 'suspicious'],
  ] as const)('should classify %j as %s', (location, kind) => {
    expect(inspectLocation(location)?.kind).toBe(kind);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['0', 0],
    ['4096', 4096],
    ['9007199254740991', 2 ** 53 - 1],
  ])('should read %s when it is a plain decimal', (text, value) => {
    expect(parseDecimal(text)).toBe(value);
  });

  it.each(['', '-1', '+5', ' 5', '5_000', '0x10', '1e3', '9007199254740993', '12345678901234567890'])('should refuse %j when it is not a safe decimal', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
});
