import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../../../analyzers/sniff.js';
import { fixture, payload } from './fixtures.js';

describe('sniffFormat zlib', () => {
  it('should recognise joblib zlib output when the file starts with a zlib header', () => {
    expect(sniffFormat(fixture('joblib.zlib.joblib'), undefined)).toBe('zlib');
  });

  it.each([0, 1, 6, 9])('should recognise a zlib stream when it was written at level %i', (level) => {
    const head = deflateSync(payload(), { level }).subarray(0, 4096);
    expect(sniffFormat(head, undefined)).toBe('zlib');
  });

  it('should recognise a zlib stream when the data compresses over 1000x', () => {
    expect(sniffFormat(deflateSync(new Uint8Array(1 << 24)).subarray(0, 4096), undefined)).toBe('zlib');
  });

  it('should not say zlib when random bytes follow a valid zlib header', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 1100 }), fc.uint8Array({ minLength: 1024, maxLength: 4094 })), fc.constantFrom(0x01, 0x5e, 0x9c, 0xda), (rest, flg) => {
        const head = new Uint8Array([0x78, flg, ...rest]);
        expect(sniffFormat(head, undefined)).not.toBe('zlib');
      }),
      { numRuns: 5000 },
    );
  });

  it.each(['x^2 + y^2 = z^2\n', 'x}{ weird text', 'x\u0001binaryish'])('should not say zlib when text starts with %j', (text) => {
    expect(sniffFormat(new TextEncoder().encode(text), undefined)).not.toBe('zlib');
  });
});
