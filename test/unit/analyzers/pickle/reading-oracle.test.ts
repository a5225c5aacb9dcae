/**
 * Never reject what the loader accepts: mutated real pickles through our decoder and interpreter (the
 * first pickle, as the loader reads it) and through CPython's C unpickler with a non-executing
 * find_class (test/oracle). Whenever the loader completes the pickle, so does our reading, and every
 * global its find_class is asked for is one we recorded. (The other way round is allowed: where the
 * loader raises on something our symbolic VM cannot know, we read on.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PickleDecoder } from '../../../../analyzers/pickle/decoder.js';
import { PickleInterpreter } from '../../../../analyzers/pickle/interpreter.js';
import { Observations } from '../../../../analyzers/pickle/observations.js';
import { policyFor } from '../../../../analyzers/pickle/policy.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { oracleAvailable, picklesFromPython, unpickleWithOracle } from '../../../oracle/oracle-client.js';

interface Reading {
  readonly ok: boolean;
  readonly frameLie: boolean;
  readonly globals: ReadonlySet<string>;
}

/** Our reading of the first pickle, stopping where we think the loader raises. */
function ourReading(bytes: Uint8Array): Reading {
  const obs = new Observations(policyFor(DEFAULT_SETTINGS.pickle));
  let ok = false;
  let failed = false;
  let frameLie = false;
  const limits = { maxOpcodes: 1e6, maxStack: 1e6, maxMemo: 1e6 };
  const decoder: PickleDecoder = new PickleDecoder({
    opcode: (op) => interpreter.opcode(op),
    frameViolation: () => void (frameLie = true),
    failure: () => void (failed = true),
  });
  const interpreter = new PickleInterpreter(
    obs,
    limits,
    {
      pickleEnd: () => {
        ok = !failed;
        decoder.halt();
      },
      inlineArray: () => undefined,
      abort: () => decoder.halt(),
      rejected: () => {
        failed = true;
        decoder.reject();
      },
    },
    { reportInvalid: false, stopOnInvalid: true },
  );
  decoder.push(bytes);
  if (!ok && !failed) decoder.finish();
  const globals = new Set([...obs.globals.values()].map((g) => `${g.written?.module ?? g.module}.${g.written?.name ?? g.name}`));
  return { ok, frameLie, globals };
}

const SEEDS = [
  "[1, -2, 300, 70000, 2**40, -2**70, 1.5, True, False, None]",
  "{'a': (1, 'b'), 'c': [b'xy', bytearray(b'z')], 'd': frozenset({1}), 'e': {2}}",
  "('é', 'x' * 300, b'y' * 300, 10**30)",
  "__import__('collections').OrderedDict([(1, 2)])",
  "[__import__('decimal').Decimal('1.5'), __import__('datetime').date(2020, 1, 2)]",
];

const latin1 = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const sbu = (s: string): string => `\x8c${String.fromCharCode(s.length)}${s}`;

/** Imports as the loader reads their lines and names: only `\n` ends a line, names must be dotted identifiers. */
const IMPORTS = [
  'cos\nsystem\n.', 'cos\r\nsystem\r\n.', 'c\nsystem\n.', 'cos\n\n.', 'cos.path\njoin\n.', 'c os\nsystem\n.',
  'cos \nsystem\n.', 'c\xff\nx\n.', 'cos\nsystem.x\n.', 'cos\n<locals>\n.', 'c1os\nx\n.', 'cos\nsys\x00tem\n.',
  '(ios\nsystem\n.', 'ios\nsystem\n.', '(i\xe9\nx\n.', '(i\xc3\xa9\nx\n.', 'c\xc3\xa9\nx\n.', `\x80\x04${sbu('os')}${sbu('system')}\x93.`, `\x80\x04${sbu('os')}${sbu('a-b')}\x93.`,
  `\x80\x04${sbu('os')}\x93.`, `\x80\x04${sbu('os.path')}${sbu('join')}\x93.`, `\x80\x02${sbu('os')}K\x01\x93.`,
];

describe.runIf(oracleAvailable())('our reading against the C unpickler on mutated pickles', () => {
  it('should import exactly what find_class is asked for, and stop where it raises', () => {
    const streams = IMPORTS.map(latin1);
    const outcomes = unpickleWithOracle(streams);
    const differences: string[] = [];
    streams.forEach((bytes, i) => {
      const theirs = outcomes[i]!;
      const ours = ourReading(bytes);
      // A name that is no dotted identifier makes the (recording) find_class raise, as the real one would.
      const imported = theirs.ok ? theirs.asked.map(([m, n]) => `${m}.${n}`) : [];
      if (ours.ok !== theirs.ok || JSON.stringify([...ours.globals]) !== JSON.stringify(imported))
        differences.push(`${JSON.stringify(IMPORTS[i])}: CPython ${theirs.ok ? 'imports' : `raises (${theirs.error})`} ${imported.join(' ')}; ours ${ours.ok ? 'completes' : 'stops'} ${[...ours.globals].join(' ')}`);
    });
    expect(differences).toEqual([]);
  });

  it('should complete every pickle the loader completes, and see every global it imports', () => {
    const seeds = picklesFromPython(SEEDS, [0, 1, 2, 3, 4, 5]);
    const mutation = fc.record({
      seed: fc.nat(seeds.length - 1),
      edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.nat(255) }), { minLength: 1, maxLength: 3 }),
    });
    const variants = fc.sample(mutation, { numRuns: 5000, seed: 42 }).map(({ seed, edits }) => {
      const bytes = [...seeds[seed]!];
      for (const { at, kind, byte } of edits) {
        const i = at % (bytes.length + 1);
        if (kind === 'set' && i < bytes.length) bytes[i] = byte;
        else if (kind === 'insert') bytes.splice(i, 0, byte);
        else if (kind === 'delete') bytes.splice(i, 1);
      }
      return Uint8Array.from(bytes);
    });
    const all = [...seeds, ...variants];
    const outcomes = unpickleWithOracle(all, 'latin1');
    const disagreements: string[] = [];
    let accepted = 0;
    all.forEach((bytes, i) => {
      const theirs = outcomes[i]!;
      if (!theirs.ok) return;
      accepted++;
      const ours = ourReading(bytes.subarray(0, theirs.consumed));
      if (ours.frameLie) return; // the C reading of an overrun FRAME is another lane (stream.ts)
      const missed = theirs.asked.map(([m, n]) => `${m}.${n}`).filter((g) => !ours.globals.has(g));
      if (!ours.ok || missed.length > 0)
        disagreements.push(`${Buffer.from(bytes).toString('hex')}: loader completes${missed.length ? `, imports ${missed.join(' ')}` : ''}; ours ${ours.ok ? 'completes' : 'stops'}`);
    });
    expect(accepted).toBeGreaterThan(seeds.length);
    expect(disagreements).toEqual([]);
  });
});
