import { describe, expect, it } from 'vitest';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import { FileReadError } from '../../../../server/errors/artifact-errors.js';
import { DigestMismatchError, RegistryUnavailableError } from '../../../../server/errors/registry-errors.js';
import { TarFormatError } from '../../../../analyzers/archive/tar-reader.js';
import { isTransportFailure, TransportWatch } from '../../../../server/scan/transport-watch.js';

const target = { registry: 'http://registry', repository: 'a/b' };

/** A source whose reads throw `error`. */
const failing = (error: Error): ByteSource => ({
  size: 10,
  seekable: true,
  read: () => Promise.reject(error),
  stream: async function* () {
    yield new Uint8Array(1);
    throw error;
  },
});

describe('isTransportFailure', () => {
  it.each([
    { name: 'a registry outage', error: new RegistryUnavailableError(target, 'HTTP 503', 1), expected: true },
    { name: 'a digest mismatch wrapped by a decompressor', error: new Error('gzip: x', { cause: new DigestMismatchError(target, 'sha256:a', 'sha256:b', 'blob') }), expected: true },
    { name: 'a malformed tar', error: new TarFormatError('bad checksum', 512), expected: false },
    { name: 'a parse error', error: new Error('not a pickle'), expected: false },
  ])('should classify $name as $expected', ({ error, expected }) => {
    expect(isTransportFailure(error)).toBe(expected);
  });
});

describe('TransportWatch', () => {
  it('should keep the first transport failure a read throws, abort its signal with it and name the file', async () => {
    const watch = new TransportWatch();
    const outage = new RegistryUnavailableError(target, 'HTTP 503', 1);
    const source = watch.watch('model.pkl', failing(outage));
    // An analyzer swallows the error…
    await source.read(0, 4).catch(() => undefined);
    // …the watch does not.
    expect(watch.signal.aborted).toBe(true);
    expect(watch.signal.reason).toBeInstanceOf(FileReadError);
    expect(() => watch.check()).toThrow(/reading model\.pkl from the registry failed.*HTTP 503/);
    expect((watch.signal.reason as FileReadError).code).toBe('E_REGISTRY_UNAVAILABLE');
  });

  it('should see failures of streams', async () => {
    const watch = new TransportWatch();
    const source = watch.watch('w.bin', failing(new DigestMismatchError(target, 'sha256:a', 'sha256:b', 'blob')));
    await (async () => {
      for await (const chunk of source.stream()) void chunk;
    })().catch(() => undefined);
    expect(() => watch.check()).toThrow(FileReadError);
    expect((watch.signal.reason as FileReadError).code).toBe('E_DIGEST_MISMATCH');
  });

  it('should leave content errors to the analyzers', async () => {
    const watch = new TransportWatch();
    await watch.watch('x', failing(new TarFormatError('bad', 0))).read(0, 1).catch(() => undefined);
    expect(() => watch.check()).not.toThrow();
    expect(watch.signal.aborted).toBe(false);
  });

  it('should stop reads once the scan deadline passed', async () => {
    const deadline = new AbortController();
    const watch = new TransportWatch(deadline.signal);
    const source = watch.watch('x', new BufferSource(new Uint8Array(8)));
    await expect(source.read(0, 4)).resolves.toHaveLength(4);
    deadline.abort(new Error('scan exceeded the time limit'));
    await expect(source.read(0, 4)).rejects.toThrow(/time limit/);
  });
});
