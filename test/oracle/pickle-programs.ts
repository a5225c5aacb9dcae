/**
 * fast-check generators of pickle programs in the shapes attackers use: globals spelled by GLOBAL, INST,
 * STACK_GLOBAL (from binary, text-escaped or memoized strings), calls by REDUCE/NEWOBJ/OBJ/INST, state by
 * BUILD, memo keys and integers written as _pickle.c accepts them, then byte-level mutations.
 */
import fc from 'fast-check';

const enc = (s: string) => Buffer.from(s, 'latin1');
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

export const GLOBALS: ReadonlyArray<readonly [string, string]> = [
  ['os', 'system'], ['posix', 'system'], ['builtins', 'exec'], ['builtins', 'getattr'], ['__builtin__', 'eval'],
  ['collections', 'OrderedDict'], ['torch._utils', '_rebuild_tensor_v2'], ['torch._tensor', '_rebuild_from_type_v2'],
  ['numpy.core.multiarray', '_reconstruct'], ['numpy.random._pickle', '__generator_ctor'], ['copyreg', '_reconstructor'],
  ['copy_reg', '_reconstructor'], ['mailbox', 'mbox'], ['argparse', 'Namespace'], ['subprocess', 'Popen'],
  ['argparse', 'Namespace.__init__'], ['pkg.sub', 'Thing'], ['numpy', 'dtype'],
];

const sbu = (s: string) => cat(Uint8Array.of(0x8c, Buffer.byteLength(s)), Buffer.from(s));
/** A decimal _pickle.c's PyLong_FromString(…, 10) accepts for a memo key. */
const memoKey = (k: number) =>
  fc.constantFrom(`${k}`, `00${k}`, ` ${k}`, `+${k}`, `${k} `, `0${k}`).map((s) => enc(s + '\n'));
/** An INT line as strtol(base 0), then PyLong_FromString(base 0), accept it. */
const intLine = fc.oneof(
  fc.integer({ min: -5000, max: 5000 }).map((n) => `${n}`),
  fc.integer({ min: 0, max: 5000 }).map((n) => `0x${n.toString(16)}`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `0${n.toString(8)}`),
  fc.integer({ min: 0, max: 99 }).map((n) => `  +${n}`),
  fc.integer({ min: 0, max: 99 }).map((n) => `${n}\u0000x`),
  fc.integer({ min: 1000, max: 9999 }).map((n) => `${String(n).slice(0, 1)}_${String(n).slice(1)}`),
  fc.constantFrom('00', '01', '0b101', '0o17', '9'.repeat(30)),
);
/** A text STRING argument with escapes: S'…' or S"…". */
const escaped = (s: string, quote: string) =>
  enc(`S${quote}` + [...s].map((c, i) => (i % 2 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('') + `${quote}\n`);
const strOp = (s: string) => fc.constantFrom(sbu(s), escaped(s, "'"), escaped(s, '"'), enc(`V${s}\n`));

const globalOp = fc.constantFrom(...GLOBALS).chain(([m, n]) =>
  fc.oneof(
    fc.constant(enc(`c${m}\n${n}\n`)),
    fc.tuple(strOp(m), strOp(n)).map(([a, b]) => cat(a, b, Uint8Array.of(0x93))),
  ),
);
const scalar = fc.oneof(
  intLine.map((s) => enc(`I${s}\n`)),
  fc.string({ maxLength: 12 }).filter((s) => !/[\n\\'"]/.test(s) && /^[\x20-\x7e]*$/.test(s)).chain(strOp),
  fc.constantFrom(enc('N'), enc(']'), enc('}'), enc(')'), enc('K\x07'), enc('L12L\n'), enc('F1e5\n')),
);
const args = fc.array(fc.oneof(scalar, globalOp), { maxLength: 3 }).map((items) => cat(enc('('), ...items, enc('t')));

/** One statement pushes exactly one value. */
const statement: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: globalOp },
  { weight: 1, arbitrary: scalar },
  { weight: 4, arbitrary: fc.tuple(globalOp, args).map(([g, a]) => cat(g, a, enc('R'))) },
  { weight: 1, arbitrary: fc.tuple(globalOp, args).map(([g, a]) => cat(g, a, Uint8Array.of(0x81))) },
  { weight: 1, arbitrary: fc.tuple(globalOp, fc.array(scalar, { maxLength: 2 })).map(([g, a]) => cat(enc('('), g, ...a, enc('o'))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...GLOBALS), fc.array(scalar, { maxLength: 2 })).map(([[m, n], a]) => cat(enc('('), ...a, enc(`i${m}\n${n}\n`))) },
  { weight: 2, arbitrary: fc.tuple(globalOp, args, fc.oneof(scalar, args)).map(([g, a, s]) => cat(g, a, enc('R'), s, enc('b'))) },
  { weight: 1, arbitrary: fc.tuple(globalOp, globalOp).map(([g, v]) => cat(g, enc('N}'), sbu('__setstate__'), v, enc('s'), Uint8Array.of(0x86), enc('b'))) },
);

/** Statements separated by POP, some memoized with odd keys and fetched back into a later call. */
export const pickleProgram: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.array(statement, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.constantFrom('\x80\x02', '\x80\x04', ''))
  .chain(([stmts, key, memo, proto]) =>
    memoKey(key).map((putKey) => {
      const body = stmts.map((s, i) => (memo && i === 0 ? cat(s, enc('p'), putKey, enc('0')) : cat(s, enc('0'))));
      const tail = memo ? cat(enc(`g${key}\n(t`), enc('R')) : enc('N');
      return cat(enc(proto), ...body, tail, enc('.'));
    }),
  );

/** Byte-level mutations (insert, overwrite, delete, duplicate a span) of any seed. */
export const mutated = (seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('ins', 'set', 'del', 'dup')), { minLength: 1, maxLength: 4 }))
    .map(([seed, edits]) => {
      let bytes = Buffer.from(seed);
      for (const [at, byte, kind] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (kind === 'ins') bytes = cat(bytes.subarray(0, i), Uint8Array.of(byte), bytes.subarray(i));
        else if (kind === 'set' && bytes.length > 0) bytes[i] = byte;
        else if (kind === 'del') bytes = cat(bytes.subarray(0, i), bytes.subarray(i + 1));
        else bytes = cat(bytes.subarray(0, i), bytes.subarray(i, i + 1 + (byte % 16)), bytes.subarray(i));
      }
      return bytes;
    });
