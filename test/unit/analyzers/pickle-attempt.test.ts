/**
 * Sniffing is not a gate (issue 11 class 3) and only what the loader runs is graded (issue 17 item 1),
 * through the whole engine: every file is tried as a pickle whatever else it is, and text that no
 * loader can run yields no Medium+ pickle finding. The differential property checks our grading
 * against CPython's own unpickler (test/oracle): every global behind a Medium+ finding is one the
 * loader's find_class is asked for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../analyzers/engine.js';
import { severityRank, type Finding } from '../../../analyzers/finding.js';
import { ALL_ANALYZERS } from '../../../analyzers/index.js';
import { DEFAULT_LIMITS } from '../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../analyzers/settings.js';
import { sniffFormat, SNIFF_BYTES } from '../../../analyzers/sniff.js';
import { BufferSource, ForwardSource } from '../../../analyzers/source.js';
import type { Analyzer } from '../../../analyzers/analyzer.js';
import { pickleAnalyzer } from '../../../analyzers/pickle/analyzer.js';
import { oracleAvailable, unpickleWithOracle } from '../../oracle/oracle-client.js';

const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
const text = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
const join = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

async function scan(path: string, bytes: Uint8Array): Promise<Finding[]> {
  return (await engine.scanFile({ path, size: bytes.length }, new BufferSource(bytes))).findings;
}
const mediumPlus = (findings: Finding[]): string[] =>
  findings.filter((f) => severityRank(f.severity) >= severityRank('Medium') && f.analyzer !== 'license').map((f) => `${f.ruleId} ${f.severity}`);
const sniffed = (bytes: Uint8Array): string => sniffFormat(bytes.subarray(0, SNIFF_BYTES), bytes.length);

/** Protocol 0: `os.system('id')`, what a loader runs. */
const PAYLOAD = text("cos\nsystem\n(S'id'\ntR.");

/**
 * `28 91` is a zlib header (deflate, 1 KiB window, check bits right) and MARK FROZENSET; `28` opens a
 * stored deflate block and is a MARK; its LEN/NLEN `4d cf b2 30` are BININT2 and POP; the block's raw
 * bytes are the payload. A final empty stored block and the Adler-32 end the zlib stream.
 */
function zlibPolyglot(): Uint8Array {
  const raw = new Uint8Array(0xcf4d);
  raw.set(PAYLOAD);
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const adler = ((b << 16) | a) >>> 0;
  return join(Uint8Array.from([0x28, 0x91, 0x28, 0x4d, 0xcf, 0xb2, 0x30]), raw, Uint8Array.from([0x01, 0, 0, 0xff, 0xff, adler >>> 24, (adler >>> 16) & 255, (adler >>> 8) & 255, adler & 255]));
}

describe('every file is tried as a pickle', () => {
  it('should find a payload behind a first opcode longer than the sniff window', async () => {
    const bytes = join(text(`V${'A'.repeat(2 * SNIFF_BYTES)}\n0`), PAYLOAD);
    expect(sniffed(bytes)).not.toBe('pickle');
    expect(mediumPlus(await scan('weights.bin', bytes))).toContain('pickle.dangerous-global Critical');
  });

  it('should find a protocol-0 payload after harmless opcodes the sniffer takes for text', async () => {
    const bytes = join(text('N0'.repeat(SNIFF_BYTES)), PAYLOAD);
    expect(sniffed(bytes)).toBe('text');
    expect(mediumPlus(await scan('README', bytes))).toContain('pickle.dangerous-global Critical');
  });

  it('should find a pickle in an HDF5 user block', async () => {
    const block = new Uint8Array(512);
    block.set(PAYLOAD);
    const bytes = join(block, Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), new Uint8Array(64));
    expect(sniffed(bytes)).toBe('hdf5');
    expect(mediumPlus(await scan('model.h5', bytes))).toContain('pickle.dangerous-global Critical');
  });

  it('should find a pickle that is also a safetensors header', async () => {
    // u64 header length 0x2058 read by safetensors is BINUNICODE of 32 bytes for the unpickler, which
    // then goes on inside the JSON header.
    const header = text(`{"__metadata__":{"p":"${'x'.repeat(15)}`);
    const bytes = new Uint8Array(8 + 0x2058 + 16).fill(0x20);
    bytes.set([0x58, 0x20, 0, 0, 0, 0, 0, 0], 0);
    bytes.set(header, 8);
    bytes.set(PAYLOAD, 5 + 32);
    expect(sniffed(bytes)).toBe('safetensors');
    expect(mediumPlus(await scan('model.safetensors', bytes))).toContain('pickle.dangerous-global Critical');
  });

  it('should find a pickle that is also a valid zlib stream', async () => {
    const bytes = zlibPolyglot();
    expect(sniffed(bytes)).toBe('zlib');
    expect(mediumPlus(await scan('model.joblib', bytes))).toContain('pickle.dangerous-global Critical');
  });

  it.runIf(oracleAvailable())('should build a zlib polyglot that the C unpickler really reads as the payload', () => {
    const [outcome] = unpickleWithOracle([zlibPolyglot()]);
    expect(outcome!.asked).toEqual([['os', 'system']]);
  });

  it('should try a file with no extension or an unrelated one', async () => {
    for (const name of ['payload', 'notes.txt', 'image.png'])
      expect(mediumPlus(await scan(name, join(text('N0'.repeat(3000)), PAYLOAD)))).toContain('pickle.dangerous-global Critical');
  });

  it('should try a large forward-only member first, leaving it readable for the other analyzers', async () => {
    // An analyzer that reads the whole file, as container readers do.
    let streamed = 0;
    const reader: Analyzer = {
      name: 'reader',
      formats: ['text'],
      rules: [],
      async analyze(ctx) {
        for await (const chunk of ctx.source.stream(0)) streamed += chunk.length;
        return [];
      },
    };
    const withReader = new ScanEngine({ analyzers: [reader, pickleAnalyzer], limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
    const big = 17 << 20; // more than the engine buffers for several analyzers
    const make = (tail: Uint8Array): Uint8Array => {
      const bytes = new Uint8Array(big).fill(0x61);
      bytes.set(join(text(`V${'a'.repeat(5000)}\n`), tail), 0);
      return bytes;
    };
    const forward = async (bytes: Uint8Array): Promise<Finding[]> => {
      streamed = 0;
      const chunks = (async function* () {
        for (let i = 0; i < bytes.length; i += 1 << 16) yield bytes.subarray(i, i + (1 << 16));
      })();
      return (await withReader.scanFile({ path: 'notes.txt', size: bytes.length }, new ForwardSource(chunks, bytes.length))).findings;
    };
    expect((await forward(make(text('x')))).map((f) => f.ruleId)).toEqual([]);
    expect(streamed).toBe(big);
    expect(mediumPlus(await forward(make(join(text('0'), PAYLOAD))))).toContain('pickle.dangerous-global Critical');
  });

  it('should keep a nullifAI payload (a call, then junk) Critical', async () => {
    const bytes = join(PAYLOAD.subarray(0, PAYLOAD.length - 1), text('\xff\xfejunk'));
    const found = mediumPlus(await scan('model.pkl', bytes));
    expect(found).toContain('pickle.dangerous-global Critical');
    expect(found).toContain('pickle.malformed High');
  });

  it('should not report what follows the point where the loader raises', async () => {
    // STOP on an empty stack raises first; a protocol-4 payload after it is no pickle start either.
    const stackGlobal = Uint8Array.from([0x8c, 2, ...text('os'), 0x8c, 6, ...text('system'), 0x93, 0x28, 0x8c, 2, ...text('id'), 0x74, 0x52, 0x2e]);
    const pickleOnly = (findings: Finding[]): Finding[] => findings.filter((f) => f.analyzer === 'pickle');
    expect(mediumPlus(pickleOnly(await scan('style.pkl', join(text('.'), stackGlobal))))).toEqual([]);
    // Text tried as a pickle is not searched for pickles after junk either.
    expect(mediumPlus(await scan('style.css', join(text('.a {}\n'), PAYLOAD)))).toEqual([]);
  });

  it('should not count what the opcode the loader raises on would have imported', async () => {
    // INST looks for its MARK before find_class; STACK_GLOBAL underflows before it imports anything.
    expect(mediumPlus(await scan('inst.pkl', text('ios\nsystem\n.')))).not.toContain('pickle.dangerous-global Critical');
    const found = mediumPlus(await scan('sg.pkl', text('ccollections\nOrderedDict\n0\x93.')));
    expect(found.filter((f) => f.startsWith('pickle.unresolved-global'))).toEqual([]);
  });

  it('should still find a complete pickle after junk in a pickle file (another reader may start there)', async () => {
    expect(mediumPlus(await scan('stacked.pkl', join(text('N.'), text('\xff\xff'), PAYLOAD)))).toContain('pickle.dangerous-global Critical');
  });
});

describe('text no loader can run', () => {
  it.each([
    ['pip RECORD', 'x-1.0.dist-info/RECORD', 'charset_normalizer-3.0.1.dist-info/METADATA,sha256=abc,123\ncharset_normalizer/__init__.py,sha256=def,456\n'],
    ['CSS', 'theme.css', '.highlight { color: red; }\n.code pre { margin: 0 }\n'],
    ['reST', 'index.rst', '.. _intro:\n\nIntroduction\n============\n'],
    ['a .pth path file', 'distutils-precedence.pth', "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'\n"],
    ['a .pth path list', 'easy-install.pth', './six-1.16.0-py3.11.egg\n/usr/lib/python3/dist-packages\n'],
    ['CRLF protocol-0 lookalike', 'notes.txt', 'cos\r\nsystem\r\n(S\'id\'\r\ntR.'],
  ])('should give %s no Medium+ finding', async (_what, name, content) => {
    expect(mediumPlus(await scan(name, text(content)))).toEqual([]);
  });

  // Prose-like text: words, punctuation and spaces on every line, any first character (opcodes included).
  const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
  const line = fc
    .tuple(fc.constantFrom(...'c.(NIiLFSVPpg}])KM0aeltsuRbo#-=* '.split('')), fc.array(fc.tuple(word, fc.constantFrom(' ', ', ', '. ', ': ', ' = ', '/', '-')), { minLength: 1, maxLength: 6 }))
    .map(([first, words]) => first + words.map(([w, sep]) => w + sep).join(''));
  const textFile = fc.array(line, { minLength: 1, maxLength: 20 }).map((lines) => text(lines.join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]!) + '\n'));

  it('should give random text files no Medium+ pickle finding', async () => {
    await fc.assert(
      fc.asyncProperty(textFile, fc.constantFrom('RECORD', 'a.css', 'b.rst', 'c.pth', 'd', 'e.pkl'), async (bytes, name) => {
        const pickleFindings = (await scan(name, bytes)).filter((f) => f.analyzer === 'pickle');
        expect(mediumPlus(pickleFindings)).toEqual([]);
      }),
      { numRuns: 300, seed: 1711 },
    );
  });
});

describe.runIf(oracleAvailable())('grading agrees with the C unpickler on random text', () => {
  it('should report a global at Medium+ only when find_class is asked for it', async () => {
    const token = fc.constantFrom('c', 'os', 'system', 'builtins', 'eval', 'a.b', 'x', '\n', '\r', ' ', '(', 'S', "'id'", 't', 'R', '.', 'N', '0', 'p', 'g', 'I', '1', 'V', '}', ']', 'a', 'u', 'e', 'l', 'b', 'i', '\x93', '\x8c\x02os');
    const samples = fc.sample(fc.array(token, { minLength: 1, maxLength: 24 }).map((t) => text(t.join(''))), { numRuns: 600, seed: 17 });
    const outcomes = unpickleWithOracle(samples);
    const disagreements: string[] = [];
    for (const [i, bytes] of samples.entries()) {
      const asked = new Set(outcomes[i]!.asked.map(([m, n]) => `${m}.${n}`));
      for (const f of await scan('sample', bytes)) {
        if (f.analyzer !== 'pickle' || severityRank(f.severity) < severityRank('Medium')) continue;
        const global = (f.details as { global?: string } | undefined)?.global;
        if (global !== undefined && !asked.has(global)) disagreements.push(`${JSON.stringify(String.fromCharCode(...bytes))}: ${f.ruleId} ${global}`);
        if (global === undefined && asked.size === 0) disagreements.push(`${JSON.stringify(String.fromCharCode(...bytes))}: ${f.ruleId} without any import`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});
