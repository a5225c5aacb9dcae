import { describe, expect, it } from 'vitest';
import { makeLimits } from '../../../../analyzers/limits.js';
import { interpreterLimits } from '../../../../analyzers/pickle/analyzer.js';
import { pickleFindings } from '../../../../analyzers/pickle/findings.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import { scanPickleStream, type PickleScanResult } from '../../../../analyzers/pickle/stream.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, ForwardSource, type ByteSource } from '../../../../analyzers/source.js';
import { op, pickle, stackGlobal } from './builder.js';
import { fixture } from './helpers.js';

const options = { policy: policyFor(DEFAULT_SETTINGS.pickle), limits: interpreterLimits(makeLimits()), maxBytes: 2 ** 50 };
const run = (source: ByteSource): Promise<PickleScanResult> => scanPickleStream(source, 0, options);
const rules = (result: PickleScanResult): string[] => pickleFindings(result.observations, 'f').map((f) => f.ruleId);

/** `head`, then `gap` zero bytes made up on demand, then `tail`: a large file without the memory. */
class GappedSource implements ByteSource {
  readonly seekable = true;
  delivered = 0;
  constructor(
    private readonly head: Uint8Array,
    private readonly gap: number,
    private readonly tail: Uint8Array,
  ) {}
  get size(): number {
    return this.head.length + this.gap + this.tail.length;
  }
  private byteAt(i: number): number {
    if (i < this.head.length) return this.head[i]!;
    const t = i - this.head.length - this.gap;
    return t >= 0 ? this.tail[t]! : 0;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return Uint8Array.from({ length: n }, (_, k) => this.byteAt(offset + k));
  }
  async *stream(offset = 0, end = this.size): AsyncIterable<Uint8Array> {
    for (let at = offset; at < end; at += 1 << 20) {
      const chunk = await this.read(at, Math.min(1 << 20, end - at));
      this.delivered += chunk.length;
      yield chunk;
    }
  }
}

/** A joblib-style NumpyArrayWrapper for a uint8 array of `count` elements (no padding byte). */
function wrapper(count: number): Uint8Array {
  const dtype = pickle(
    stackGlobal('numpy', 'dtype'), op.shortBinunicode('u1'), op.newFalse(), op.newTrue(), op.tuple3(), op.reduce(),
    op.mark(), op.binint1(3), op.shortBinunicode('|'), op.none(), op.none(), op.none(), op.binint(-1), op.binint(-1), op.binint1(0), op.tuple(), op.build(),
  );
  return pickle(
    stackGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper'), op.emptyTuple(), op.newobj(), op.emptyDict(), op.mark(),
    op.shortBinunicode('shape'), op.binint(count), op.tuple1(), op.shortBinunicode('dtype'), dtype,
    op.shortBinunicode('order'), op.shortBinunicode('C'), op.setitems(), op.build(),
  );
}

describe('scanPickleStream', () => {
  it('should not read content only tried as a pickle through to its end for a payload that overruns it', async () => {
    // `N.` is a pickle; `BINBYTES` with a 1.7 GB length in a 64 MB file cannot complete.
    const source = new GappedSource(Uint8Array.from([0x4e, 0x2e, 0x42, 0x20, 0x2e, 0x73, 0x65]), 64 << 20, new Uint8Array(0));
    const result = await scanPickleStream(source, 0, { ...options, attempt: true });
    expect(source.delivered).toBeLessThanOrEqual(1 << 20);
    expect(rules(result)).toEqual([]);
  });

  it('should report nothing for content tried as a pickle that fails before any import, and no junk search', async () => {
    const junkThenPayload = Uint8Array.from([0x2e, ...pickle(callWithSystem(), op.stop())]);
    expect(rules(await scanPickleStream(new BufferSource(junkThenPayload), 0, { ...options, attempt: true }))).toEqual([]);
    expect(rules(await run(new BufferSource(junkThenPayload)))).toContain('pickle.trailing-data');
  });

  it('should stop after the five pickles of a legacy PyTorch file and not read its storages as pickles', async () => {
    const result = await run(new BufferSource(fixture('benign/torch_state_dict_legacy.pt')));
    expect(result.legacyTorch).toBe(true);
    expect(result.observations.pickles).toBe(5);
    expect(rules(result)).toEqual([]);
  });

  it('should jump over a large inline array on a seekable source instead of reading it', async () => {
    const gap = 512 * 1024 * 1024;
    const source = new GappedSource(pickle(op.proto(4), wrapper(gap)), gap, pickle(op.pop(), callWithSystem(), op.stop()));
    const result = await run(source);
    expect(rules(result)).toEqual(['pickle.dangerous-global']);
    expect(source.delivered).toBeLessThan(16 * 1024 * 1024);
  });

  it('should report a file that ends inside an inline array', async () => {
    const result = await run(new BufferSource(pickle(op.proto(4), wrapper(1000), new Uint8Array(10))));
    expect(rules(result)).toEqual(['pickle.malformed']);
  });

  it('should report an inline array whose size it cannot compute', async () => {
    const bad = pickle(stackGlobal('joblib.numpy_pickle', 'NumpyArrayWrapper'), op.emptyTuple(), op.newobj(), op.emptyDict(), op.build());
    const result = await run(new BufferSource(pickle(op.proto(4), bad, op.stop())));
    expect(rules(result)).toContain('pickle.inline-array-unresolved');
  });

  it('should cap simultaneous alternative readings and say so', async () => {
    // Each array's bytes are MARKs: the plain pickle.load reading of every one stays alive while the
    // stream arrives piece by piece.
    const parts = Array.from({ length: 40 }, () => pickle(wrapper(2000), new Uint8Array(2000).fill(0x28), op.pop()));
    const bytes = pickle(op.proto(4), ...parts, op.none(), op.stop());
    const chunks = (async function* () {
      for (let i = 0; i < bytes.length; i += 512) yield bytes.slice(i, i + 512);
    })();
    const result = await run(new ForwardSource(chunks, bytes.length));
    expect(result.peak.lanes).toBeLessThanOrEqual(17);
    expect(rules(result)).toContain('pickle.resource-limit');
  });

  it('should report a limit hit inside a later pickle of the stream', async () => {
    const small = pickle(op.proto(2), op.none(), op.stop());
    const big = pickle(op.proto(4), ...Array.from({ length: 50 }, () => op.none()), op.stop());
    const limited = { ...options, limits: { ...options.limits, maxOpcodes: 20 } };
    const result = await scanPickleStream(new BufferSource(pickle(small, big)), 0, limited);
    expect(rules(result)).toEqual(['pickle.resource-limit']);
  });

  it('should report a broken protocol-0 pickle after a complete one, with what it imports', async () => {
    const first = pickle(op.none(), op.stop());
    const second = pickle(op.mark(), op.unicode('id'), op.global('mylib', 'Thing'), [0xff]);
    const result = await run(new BufferSource(pickle(first, second)));
    expect(rules(result)).toEqual(['pickle.malformed', 'pickle.non-allowlisted-import']);
  });

  it('should not count an extension code before junk as run: the registry is empty, the loader raises', async () => {
    // (An earlier version reported extension-code and malformed here.)
    const result = await run(new BufferSource(pickle(op.none(), op.stop(), op.mark(), op.unicode('id'), op.ext1(9), [0xff])));
    expect(rules(result)).toEqual(['pickle.trailing-data']);
  });

  it('should call bytes after a pickle that are no pickle trailing data', async () => {
    const result = await run(new BufferSource(pickle(op.none(), op.stop(), op.none(), op.tuple(), [0x00, 0x01])));
    expect(rules(result)).toEqual(['pickle.trailing-data']);
  });

  it('should find every pickle of a stream of several', async () => {
    const one = pickle(op.proto(2), op.none(), op.stop());
    const result = await run(new BufferSource(pickle(one, one, one, pickle(op.proto(4), callWithSystem(), op.stop()))));
    expect(result.observations.pickles).toBe(4);
    expect(rules(result)).toEqual(['pickle.dangerous-global']);
  });
});

function callWithSystem(): Uint8Array {
  return pickle(stackGlobal('os', 'system'), op.shortBinunicode('id'), op.tuple1(), op.reduce());
}
