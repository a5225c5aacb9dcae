/**
 * Property-based fuzzing of the decoder and interpreter (issue 3 §5): random bytes and mutated real
 * pickles never make an exception escape, always terminate, and keep the internal structures within
 * their bounds (checked by size, not by time).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, makeLimits } from '../../../../analyzers/limits.js';
import { interpreterLimits } from '../../../../analyzers/pickle/analyzer.js';
import { PAYLOAD_PREFIX_BYTES, PickleDecoder } from '../../../../analyzers/pickle/decoder.js';
import { PickleInterpreter, type InterpreterHost } from '../../../../analyzers/pickle/interpreter.js';
import { MAX_DISTINCT_GLOBALS, Observations } from '../../../../analyzers/pickle/observations.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import { scanPickleStream } from '../../../../analyzers/pickle/stream.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { fixture, scan } from './helpers.js';

const SEEDS = [
  'benign/plain_containers_p0.pkl',
  'benign/plain_containers_p2.pkl',
  'benign/plain_containers_p5.pkl',
  'benign/sklearn_pipeline.joblib',
  'benign/torch_full_module_legacy.pt',
  'benign/torchscript.data.pkl',
  'malicious/frame_inside_frame.pkl',
  'malicious/joblib_fake_array_hides_payload.pkl',
  'malicious/ext1_copyreg_add_extension.pkl',
  'malicious/junk_between_pickles.pkl',
].map((path) => fixture(path));

/** Small limits so the fuzzer reaches them; the bounds below are asserted against these. */
const LIMITS = { maxOpcodes: 5_000, maxStack: 500, maxMemo: 200 };
/** A carry never needs more than an opcode header, a payload prefix or two prefix-long lines, plus a chunk tail. */
const MAX_BUFFERED = 4 * PAYLOAD_PREFIX_BYTES + 2 * PAYLOAD_PREFIX_BYTES + 64;

/** Mutations of a seed pickle: flipped, inserted and deleted bytes, and truncation. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { maxLength: 12 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([seed, edits, cut]) => {
    const bytes = Array.from(seed);
    for (const [at, value, kind] of edits) {
      const i = at % (bytes.length + 1);
      if (kind === 'flip') bytes[Math.min(i, bytes.length - 1)] = value;
      else if (kind === 'insert') bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    return Uint8Array.from(cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
  });

/** Inputs biased towards opcode bytes, so fuzzing exercises the interpreter, not just the decoder. */
const opcodeSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x52, 0x62, 0x63, 0x68, 0x71, 0x74, 0x81, 0x85, 0x86, 0x8c, 0x93, 0x94, 0x95, 0x82),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 600 },
  )
  .map((bytes) => Uint8Array.from(bytes));

const anyInput = fc.oneof(fc.uint8Array({ maxLength: 2048 }), opcodeSoup, mutated);

describe('decoder and interpreter under fuzzing', () => {
  it('should never throw and keep stack, memo and buffers bounded, however the bytes arrive', () => {
    fc.assert(
      fc.property(anyInput, fc.integer({ min: 1, max: 300 }), (bytes, chunk) => {
        const obs = new Observations(policyFor(DEFAULT_SETTINGS.pickle));
        const host: InterpreterHost = {
          pickleEnd: () => interpreter.startPickle(),
          inlineArray: () => undefined,
          abort: () => decoder.halt(),
          rejected: () => undefined,
        };
        const interpreter = new PickleInterpreter(obs, LIMITS, host, { reportInvalid: true });
        const decoder: PickleDecoder = new PickleDecoder({
          opcode: (o) => interpreter.opcode(o),
          frameViolation: () => undefined,
          failure: () => decoder.resync(),
        });
        for (let i = 0; i < bytes.length; i += chunk) {
          decoder.push(bytes.subarray(i, i + chunk));
          expect(decoder.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
          expect(interpreter.stackDepth).toBeLessThanOrEqual(LIMITS.maxStack + 1);
          expect(interpreter.memoSize).toBeLessThanOrEqual(LIMITS.maxMemo + 1);
        }
        decoder.finish();
        expect(decoder.opcodes).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 400 },
    );
  });

  it('should analyse any stream to a result, with bounded readings and observations', async () => {
    await fc.assert(
      fc.asyncProperty(anyInput, fc.boolean(), async (bytes, forward) => {
        const source = forward
          ? new ForwardSource((async function* () { for (let i = 0; i < bytes.length; i += 97) yield bytes.slice(i, i + 97); })(), undefined)
          : new BufferSource(bytes);
        const result = await scanPickleStream(source, 0, {
          policy: policyFor(DEFAULT_SETTINGS.pickle),
          limits: interpreterLimits(makeLimits({ maxPickleOpcodes: 5_000 })),
          maxBytes: DEFAULT_LIMITS.maxBytesPerFile,
        });
        expect(result.bytesRead).toBeLessThanOrEqual(bytes.length);
        expect(result.peak.lanes).toBeLessThanOrEqual(1 + 16);
        expect(result.peak.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
        expect(result.observations.globals.size).toBeLessThanOrEqual(MAX_DISTINCT_GLOBALS);
        expect(result.observations.events.size).toBeLessThanOrEqual(10 * 33);
      }),
      { numRuns: 300 },
    );
  });

  it('should turn any .npy header into findings, never an exception', async () => {
    const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
    const header = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .tuple(fc.constantFrom("'<f8'", "'|O'", "[('a', '<i4')]", "'<U3'", 'None'), fc.array(fc.integer({ min: -2, max: 9 }), { maxLength: 4 }), fc.string({ maxLength: 20 }))
        .map(([descr, shape, junk]) => new TextEncoder().encode(`{'descr': ${descr}, 'fortran_order': False, 'shape': (${shape.join(', ')},), }${junk}\n`)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 3, 7), header, fc.uint8Array({ maxLength: 200 }), async (major, text, data) => {
        const length = major === 1 ? [text.length & 0xff, text.length >> 8] : [text.length & 0xff, text.length >> 8, 0, 0];
        const bytes = Uint8Array.from([...magic, major, 0, ...length, ...text, ...data]);
        const findings = await scan(bytes);
        expect(Array.isArray(findings)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
