import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ALL_ANALYZERS } from '../../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { scanFiles, type ModelFileInput } from '../../../../server/scan/scan-files.js';

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });

/** Answers each read a turn of the event loop later, as a disk or a registry does: files really overlap. */
class SlowSource extends BufferSource {
  override async read(offset: number, length: number): Promise<Uint8Array> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return super.read(offset, length);
  }
}

/** Gzipped pickles (protocol 2: PROTO 2, EMPTY_DICT, STOP): a container and its member, several analyzers each. */
async function* pickles(count: number): AsyncIterable<ModelFileInput> {
  const bytes = gzipSync(Uint8Array.of(0x80, 2, 0x7d, 0x2e));
  for (let i = 0; i < count; i++) yield { path: `f${i}.pkl.gz`, size: bytes.length, source: new SlowSource(bytes) };
}

describe('scanFiles', () => {
  it('should scan many files in flight on one signal without a listener-leak warning, keeping their order', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const result = await scanFiles(engine, pickles(40), { packaging: 'local', signal: new AbortController().signal, concurrency: 32 });
      expect(result.files.map((f) => f.path)).toEqual(Array.from({ length: 40 }, (_, i) => `f${i}.pkl.gz`));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
