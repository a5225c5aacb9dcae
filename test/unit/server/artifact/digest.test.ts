import { describe, expect, it } from 'vitest';
import { HashingTap, verifyBytes } from '../../../../server/artifact/digest.js';
import { ContentDigestMismatchError } from '../../../../server/errors/artifact-errors.js';
import { sha256 } from './fake-registry.js';

const bytes = new TextEncoder().encode('hello world');

function chunks(parts: string[], log: string[] = []): AsyncIterable<Uint8Array> {
  return (async function* () {
    try {
      for (const part of parts) yield new TextEncoder().encode(part);
      log.push('ended');
    } finally {
      log.push('closed');
    }
  })();
}

describe('verifyBytes', () => {
  it('should accept bytes that hash to the digest and refuse others', () => {
    expect(() => verifyBytes(bytes, sha256(bytes), 'x')).not.toThrow();
    expect(() => verifyBytes(bytes, sha256(new Uint8Array(1)), 'x')).toThrow(ContentDigestMismatchError);
  });

  it('should leave digests of algorithms it cannot compute unverified', () => {
    expect(() => verifyBytes(bytes, 'blake3:abcd', 'x')).not.toThrow();
  });
});

describe('HashingTap', () => {
  it('should verify the digest when drained after a consumer stopped early', async () => {
    const tap = new HashingTap(chunks(['hello', ' ', 'world']), sha256(bytes), 'test');
    for await (const chunk of tap) {
      expect(new TextDecoder().decode(chunk)).toBe('hello');
      break;
    }
    await expect(tap.drain()).resolves.toBeUndefined();
  });

  it('should throw ContentDigestMismatchError at the end of the stream and on every read after', async () => {
    const tap = new HashingTap(chunks(['hello']), sha256(bytes), 'test');
    await expect(tap.drain()).rejects.toBeInstanceOf(ContentDigestMismatchError);
    await expect(tap.drain()).rejects.toBeInstanceOf(ContentDigestMismatchError);
  });

  it('should keep the underlying stream open when a consumer returns and close it on close()', async () => {
    const log: string[] = [];
    const tap = new HashingTap(chunks(['a', 'b'], log), undefined, 'test');
    for await (const _ of tap) break;
    expect(log).toEqual([]);
    await tap.close();
    expect(log).toEqual(['closed']);
  });
});
