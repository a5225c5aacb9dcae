import { describe, expect, it } from 'vitest';
import { buildReferenceIndex, decodeReferenceIndex, encodeReferenceIndex } from '../../../../analyzers/license/reference-index.js';

const references = await buildReferenceIndex();
const plain = (refs: readonly { ids: readonly string[]; name: string; shingles: Uint32Array }[]) => refs.map((r) => [r.ids, r.name, [...r.shingles]]);

describe('SPDX reference index file', () => {
  it('should read back exactly the references it was written from', () => {
    const bytes = encodeReferenceIndex(references, 'lists@1 algo');
    expect(references.length).toBeGreaterThan(500);
    expect(plain(decodeReferenceIndex(bytes, 'lists@1 algo')!)).toEqual(plain(references));
  });

  it('should not be read when made from other lists or another algorithm', () => {
    expect(decodeReferenceIndex(encodeReferenceIndex(references, 'lists@1 algo'), 'lists@2 algo')).toBeUndefined();
  });

  it('should not be read when damaged', () => {
    const bytes = encodeReferenceIndex(references, 'lists@1 algo');
    expect(decodeReferenceIndex(bytes.subarray(0, bytes.length - 4), 'lists@1 algo')).toBeUndefined();
    expect(decodeReferenceIndex(Buffer.concat([bytes, Buffer.alloc(4)]), 'lists@1 algo')).toBeUndefined();
    expect(decodeReferenceIndex(Buffer.from('garbage'), 'lists@1 algo')).toBeUndefined();
  });
});
