import { describe, expect, it } from 'vitest';
import { PAYLOAD_PREFIX_BYTES, PickleDecoder, type FrameCrossing } from '../../../../analyzers/pickle/decoder.js';
import { ARG_KIND, ArgKind, opcodeName } from '../../../../analyzers/pickle/opcodes.js';
import { fixture } from './helpers.js';
import { op, pickle, stackGlobal } from './builder.js';

interface Trace {
  ops: string[];
  offsets: number[];
  data: string[];
  truncated: boolean[];
  failures: Array<{ offset: number; reason: string; truncated: boolean }>;
  frames: Array<{ kind: string; offset: number; crossing?: FrameCrossing }>;
  candidates: number[];
}

/**
 * Decode `bytes` pushed in chunks of `chunk` bytes and record everything the decoder reports (only the
 * fields an opcode's argument kind defines). `onOpcode` runs inside the callback, as an interpreter does.
 */
function decode(
  bytes: Uint8Array,
  chunk = bytes.length,
  setup?: (d: PickleDecoder, t: Trace) => void,
  onOpcode?: (d: PickleDecoder, name: string) => void,
): Trace {
  const t: Trace = { ops: [], offsets: [], data: [], truncated: [], failures: [], frames: [], candidates: [] };
  const latin1 = new TextDecoder('latin1');
  const decoder: PickleDecoder = new PickleDecoder({
    opcode(o) {
      const kind = ARG_KIND[o.code]!;
      const payload = kind >= ArgKind.Line;
      t.ops.push(opcodeName(o.code));
      t.offsets.push(o.offset);
      t.data.push(!payload ? '' : latin1.decode(o.data) + (kind === ArgKind.TwoLines ? `|${latin1.decode(o.data2)}` : ''));
      t.truncated.push(payload && o.truncated);
      onOpcode?.(decoder, opcodeName(o.code));
    },
    frameViolation(kind, offset, crossing) {
      t.frames.push({ kind, offset, ...(crossing ? { crossing } : {}) });
    },
    failure(offset, reason, truncated) {
      t.failures.push({ offset, reason, truncated });
    },
    candidate(offset) {
      t.candidates.push(offset);
    },
  });
  setup?.(decoder, t);
  for (let i = 0; i < bytes.length; i += Math.max(1, chunk)) decoder.push(bytes.subarray(i, i + chunk));
  decoder.finish();
  return t;
}

const SAMPLE = pickle(
  op.proto(4),
  op.frame(0), // empty frame: ends immediately
  op.global('collections', 'OrderedDict'),
  op.mark(),
  op.shortBinunicode('key'),
  op.binunicode('value'),
  op.binint(-2),
  op.binint2(513),
  op.long1([0xff, 0x00]),
  op.float('1.5'),
  op.binfloat(),
  op.string("'s'"),
  op.unicode('\\u0041'),
  op.binbytes(new Uint8Array([1, 2, 3])),
  op.bytearray8(new Uint8Array([4])),
  op.tuple(),
  op.binput(0),
  op.longBinget(0),
  op.ext4(7),
  op.stop(),
);

describe('PickleDecoder', () => {
  it('should decode every argument kind when the pickle arrives whole', () => {
    const t = decode(SAMPLE);
    expect(t.failures).toEqual([]);
    expect(t.ops).toEqual([
      'PROTO', 'FRAME', 'GLOBAL', 'MARK', 'SHORT_BINUNICODE', 'BINUNICODE', 'BININT', 'BININT2', 'LONG1', 'FLOAT',
      'BINFLOAT', 'STRING', 'UNICODE', 'BINBYTES', 'BYTEARRAY8', 'TUPLE', 'BINPUT', 'LONG_BINGET', 'EXT4', 'STOP',
    ]);
    expect(t.data[2]).toBe('collections|OrderedDict');
    expect(t.data[4]).toBe('key');
    expect(t.data[11]).toBe("'s'");
  });

  it.each([1, 2, 3, 5, 8, 13])('should decode identically when pushed in %i-byte chunks', (size) => {
    expect(decode(SAMPLE, size)).toEqual(decode(SAMPLE));
  });

  it.each([4097, 5000, 65_536])('should keep offsets and frames exact when %i-byte chunks split opcodes', (size) => {
    // A framed list of 21 000 floats, seven 9002-byte APPENDS batches per frame, as picklers write it.
    const batch = pickle(op.mark(), ...Array.from({ length: 1000 }, () => op.binfloat()), op.appends());
    const frame = (body: Uint8Array): Uint8Array => pickle(op.frame(body.length), body);
    const seven = pickle(...Array.from({ length: 7 }, () => batch));
    const bytes = pickle(op.proto(4), frame(pickle(op.emptyList(), seven)), frame(seven), frame(pickle(seven, op.stop())));
    const reference = decode(bytes);
    expect(reference.frames).toEqual([]);
    expect(reference.failures).toEqual([]);
    expect(decode(bytes, size)).toEqual(reference);
  });

  it('should report absolute offsets', () => {
    const t = decode(pickle(op.proto(2), op.none(), op.stop()));
    expect(t.offsets).toEqual([0, 2, 3]);
  });

  it('should hand over only a prefix of a long payload and skip the rest', () => {
    const big = new Uint8Array(100_000).fill(0x61);
    const t = decode(pickle(op.proto(4), op.binbytes8(big), op.pop(), op.none(), op.stop()), 4096);
    expect(t.ops).toEqual(['PROTO', 'BINBYTES8', 'POP', 'NONE', 'STOP']);
    expect(t.data[1]).toHaveLength(PAYLOAD_PREFIX_BYTES);
    expect(t.truncated[1]).toBe(true);
    expect(t.offsets[2]).toBe(2 + 9 + 100_000);
  });

  it('should hand over a prefix of an over-long line and resume after its newline', () => {
    const t = decode(pickle(op.unicode('b'.repeat(50_000)), op.global('m'.repeat(3000), 'n'), op.stop()), 777);
    expect(t.ops).toEqual(['UNICODE', 'GLOBAL', 'STOP']);
    expect(t.truncated).toEqual([true, true, false]);
    expect(t.data[0]).toHaveLength(PAYLOAD_PREFIX_BYTES);
    expect(t.data[1]).toBe(`${'m'.repeat(PAYLOAD_PREFIX_BYTES)}|n`);
  });

  it('should fail at a byte that is not an opcode and keep what came before', () => {
    const t = decode(pickle(op.proto(2), op.none(), [0x00], op.stop()));
    expect(t.ops).toEqual(['PROTO', 'NONE']);
    expect(t.failures).toEqual([{ offset: 3, reason: 'byte 0x00 is not a pickle opcode', truncated: false }]);
  });

  it.each([
    ['inside an argument', pickle(op.proto(4), [0x8c, 10], 'abc')],
    ['inside a skipped payload', pickle(op.proto(4), op.binbytes(new Uint8Array(5000)).subarray(0, 3000))],
    ['inside a line', pickle(op.proto(2), 'cos\nsys')],
    ['inside a length', pickle(op.proto(4), [0x58, 1, 0])],
  ])('should report truncation when data ends %s', (_where, bytes) => {
    const t = decode(bytes, 64);
    expect(t.failures).toHaveLength(1);
    expect(t.failures[0]?.truncated).toBe(true);
  });

  it('should fail on a negative BINSTRING length', () => {
    const t = decode(pickle([0x54, 0xff, 0xff, 0xff, 0xff], op.stop()));
    expect(t.failures[0]?.reason).toMatch(/impossible length/);
  });

  it('should report an opcode running past the end of its FRAME with the bytes a C loader would replay', () => {
    const body = pickle(op.binbytes(new Uint8Array(10)));
    const t = decode(pickle(op.proto(4), op.frame(3), body, op.stop()));
    expect(t.frames).toHaveLength(1);
    const crossing = t.frames[0]!.crossing!;
    expect(crossing.frameEnd).toBe(2 + 9 + 3);
    // The 4-byte length straddles the frame end: the C loader re-reads it from the frame end.
    expect([...crossing.replay]).toEqual([0x42]);
    expect(crossing.opcodeOffset).toBe(11);
  });

  it('should report a FRAME that starts before the previous one ends', () => {
    const t = decode(pickle(op.proto(4), op.frame(30), op.frame(2), op.none(), op.stop()));
    expect(t.frames.map((f) => f.kind)).toContain('frame-inside-frame');
  });

  it('should accept frames that end exactly at an opcode boundary, as picklers write them', () => {
    const t = decode(fixture('benign/sklearn_pipeline.pkl'), 100);
    expect(t.frames).toEqual([]);
    expect(t.failures).toEqual([]);
    expect(t.ops.at(-1)).toBe('STOP');
  });

  it('should skip raw bytes after an opcode, reading a padding length first when asked', () => {
    const bytes = pickle(op.none(), [3, 0xff, 0xff, 0xff], [9, 9, 9, 9, 9], op.stop());
    const t = decode(bytes, 2, undefined, (d, name) => {
      if (name === 'NONE') d.skipRaw(5, true);
    });
    expect(t.ops).toEqual(['NONE', 'STOP']);
    expect(t.offsets[1]).toBe(1 + 4 + 5);
  });

  it('should find a pickle after junk when resynchronising', () => {
    const payload = pickle(op.proto(4), stackGlobal('os', 'system'), op.stop());
    const bytes = pickle(op.none(), op.stop(), [0x00, 0x11, 0x80, 0x09, 0x63, 0x21], payload);
    const t = decode(bytes, 3, (d) => {
      const events = d as unknown as { events: { failure: (...a: unknown[]) => void } };
      const failure = events.events.failure;
      events.events.failure = (...args: unknown[]) => {
        failure(...args);
        d.resync();
      };
    });
    expect(t.candidates).toEqual([8]);
    expect(t.ops.slice(-5)).toEqual(['PROTO', 'SHORT_BINUNICODE', 'SHORT_BINUNICODE', 'STACK_GLOBAL', 'STOP']);
  });

  it('should resynchronise on a protocol-0 GLOBAL hidden in junk', () => {
    const bytes = pickle([0xff, 0xfe], 'cos\nsystem\n', op.stop());
    const t = decode(bytes, 4, (d) => {
      const events = d as unknown as { events: { failure: (...a: unknown[]) => void } };
      const failure = events.events.failure;
      events.events.failure = (...args: unknown[]) => {
        failure(...args);
        d.resync();
      };
    });
    expect(t.candidates).toEqual([2]);
    expect(t.ops).toEqual(['GLOBAL', 'STOP']);
  });

  it('should stop consuming when halted', () => {
    const t = decode(pickle(op.none(), op.stop(), op.none(), op.stop()), 1, (d, tr) => {
      const original = d.push.bind(d);
      d.push = (chunk) => {
        original(chunk);
        if (tr.ops.includes('STOP')) d.halt();
      };
    });
    expect(t.ops).toEqual(['NONE', 'STOP']);
    expect(t.failures).toEqual([]);
  });
});
