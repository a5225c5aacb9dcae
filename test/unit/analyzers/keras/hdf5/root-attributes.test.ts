import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../../../analyzers/engine-rules.js';
import { H5FormatError } from '../../../../../analyzers/keras/hdf5/file.js';
import { readRootAttributes } from '../../../../../analyzers/keras/hdf5/root-attributes.js';
import { BufferSource } from '../../../../../analyzers/source.js';
import { CountingSource } from '../../../../support/sources.js';
import { formatFixture } from '../../protobuf/scan-file.js';

const WANTED = new Set(['model_config', 'keras_version', 'backend', 'training_config']);
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

describe('readRootAttributes', () => {
  it.each([
    ['keras-legacy.h5', 'fixed-length string'],
    ['keras-legacy-vlen.h5', 'variable-length string'],
    ['keras-legacy-v3.h5', 'variable-length string'],
    ['keras-userblock.h5', 'fixed-length string'],
    ['keras-dense-attributes.h5', 'fixed-length string'],
    ['keras-dense-lambda.h5', 'fixed-length string'],
    ['keras-dense-lambda-indirect.h5', 'fixed-length string'],
    ['keras-dense-lambda-huge.h5', 'fixed-length string'],
    ['keras-dense-deep-index.h5', 'fixed-length string'],
  ])('should decode the Keras root attributes of %s', async (name, datatype) => {
    const root = await readRootAttributes(new BufferSource(formatFixture(name)), 1 << 20, WANTED);
    expect(root.unreadable).toBeUndefined();
    const only = (attribute: string) => {
      const all = root.found.get(attribute) ?? [];
      expect(all).toHaveLength(1);
      return all[0]!;
    };
    expect(text(only('keras_version').value)).toBe('2.13.1');
    expect(text(only('backend').value)).toBe('tensorflow');
    expect(JSON.parse(text(only('model_config').value) ?? '')).toMatchObject({ class_name: 'Sequential' });
    expect(only('model_config').datatype).toBe(datatype);
  });

  it('should read only the structures it needs when a file has weights', async () => {
    const data = formatFixture('keras-legacy.h5');
    const source = new CountingSource(new BufferSource(data));
    await readRootAttributes(source, 1 << 20, WANTED);
    expect(source.bytesRead).toBeLessThan(data.length / 2);
  });

  it('should list every attribute of a dense store whose name index spans several B-tree nodes', async () => {
    const notes = Array.from({ length: 400 }, (_, i) => `note_${String(i).padStart(2, '0')}`);
    const root = await readRootAttributes(new BufferSource(formatFixture('keras-dense-deep-index.h5')), 1 << 20, new Set([...WANTED, ...notes]));
    expect(root.unreadable).toBeUndefined();
    expect([...root.found.keys()].sort()).toEqual([...WANTED, ...notes].sort());
    expect([...root.found.values()].every((all) => all.length === 1)).toBe(true);
  });

  it('should say why when a dense store uses a layout it does not read (a filtered heap)', async () => {
    const root = await readRootAttributes(new BufferSource(filteredHeap(formatFixture('keras-dense-lambda.h5'))), 1 << 20, WANTED);
    expect(root.unreadable).toMatch(/dense storage .*filtered/);
    expect(root.found.get('model_config')).toBeUndefined();
  });

  it('should find no attributes when Keras 3 weights have none', async () => {
    const root = await readRootAttributes(new BufferSource(formatFixture('model.weights.h5')), 1 << 20, WANTED);
    expect(root).toEqual({ found: new Map(), unreadable: undefined });
  });

  it('should refuse a structure larger than the read cap', async () => {
    await expect(readRootAttributes(new BufferSource(formatFixture('keras-legacy-vlen.h5')), 512, WANTED)).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('should report a file without an HDF5 signature', async () => {
    await expect(readRootAttributes(new BufferSource(new Uint8Array(4096)), 1 << 20, WANTED)).rejects.toBeInstanceOf(H5FormatError);
  });
});

/** Marks the fractal heap as filtered (its I/O filter length, 7 bytes after the FRHP signature, set non-zero). */
function filteredHeap(bytes: Uint8Array): Uint8Array {
  const at = Buffer.from(bytes).indexOf('FRHP');
  expect(at).toBeGreaterThan(0);
  const out = bytes.slice();
  out[at + 7] = 0x10;
  return out;
}
