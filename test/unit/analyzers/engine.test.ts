import { describe, expect, it } from 'vitest';
import type { Analyzer } from '../../../analyzers/analyzer.js';
import { MAX_FACTS_PER_FILE, ScanEngine } from '../../../analyzers/engine.js';
import { LimitExceededError } from '../../../analyzers/engine-rules.js';
import { makeLimits } from '../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../analyzers/settings.js';
import { BufferSource } from '../../../analyzers/source.js';

const bytes = (text: string) => new TextEncoder().encode(text);

function recorder(formats: Analyzer['formats'], behaviour?: () => Promise<never>) {
  const seen: string[] = [];
  const analyzer: Analyzer = {
    name: 'recorder',
    formats,
    rules: [],
    async analyze(ctx) {
      seen.push(`${ctx.file.path}:${ctx.format}`);
      if (behaviour) await behaviour();
      return [];
    },
  };
  return { analyzer, seen };
}

const engineWith = (analyzer: Analyzer, limits = makeLimits()) => new ScanEngine({ analyzers: [analyzer], limits, settings: DEFAULT_SETTINGS });

describe('ScanEngine', () => {
  it('should route by content, not by name', async () => {
    const { analyzer, seen } = recorder(['gguf']);
    await engineWith(analyzer).scanFile({ path: 'weights.txt', size: 8 }, new BufferSource(bytes('GGUF\x03\0\0\0')));
    expect(seen).toEqual(['weights.txt:gguf']);
  });

  it('should report content that contradicts the name', async () => {
    const { analyzer } = recorder(['gguf']);
    const result = await engineWith(analyzer).scanFile({ path: 'model.safetensors', size: 8 }, new BufferSource(bytes('GGUF\x03\0\0\0')));
    expect(result.findings.map((f) => f.ruleId)).toEqual(['engine.content-mismatch']);
  });

  it('should hand unrecognisable content to the analyzers of the format its name claims', async () => {
    const { analyzer, seen } = recorder(['safetensors']);
    await engineWith(analyzer).scanFile({ path: 'model.safetensors', size: 9 }, new BufferSource(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0x7b])));
    expect(seen).toEqual(['model.safetensors:unknown']);
  });

  it('should turn an analyzer crash into an analysis-failed finding', async () => {
    const { analyzer } = recorder(['gguf'], () => Promise.reject(new Error('boom')));
    const result = await engineWith(analyzer).scanFile({ path: 'm.gguf', size: 4 }, new BufferSource(bytes('GGUF')));
    expect(result.findings.map((f) => [f.ruleId, f.severity])).toEqual([['engine.analysis-failed', 'High']]);
  });

  it('should turn a limit into a limit-exceeded finding', async () => {
    const { analyzer } = recorder(['gguf'], () => Promise.reject(new LimitExceededError('header bytes', 10, 5)));
    const result = await engineWith(analyzer).scanFile({ path: 'm.gguf', size: 4 }, new BufferSource(bytes('GGUF')));
    expect(result.findings[0]?.ruleId).toBe('engine.limit-exceeded');
  });

  it('should stop at the depth limit with a finding', async () => {
    const nest: Analyzer = {
      name: 'nest',
      formats: ['text'],
      rules: [],
      analyze: (ctx) => ctx.scanMember('inner', new BufferSource(bytes('plain text'))),
    };
    const result = await engineWith(nest, makeLimits({ maxDepth: 2 })).scanFile({ path: 'a', size: 10 }, new BufferSource(bytes('plain text')));
    expect(result.findings.map((f) => [f.ruleId, f.file])).toEqual([['engine.limit-exceeded', 'a!inner!inner!inner']]);
  });

  it('should time out an analyzer that never finishes', async () => {
    const { analyzer } = recorder(['gguf'], () => new Promise<never>(() => undefined));
    const result = await engineWith(analyzer, makeLimits({ maxFileMillis: 20 })).scanFile({ path: 'm.gguf', size: 4 }, new BufferSource(bytes('GGUF')));
    expect(result.findings[0]?.ruleId).toBe('engine.limit-exceeded');
  });

  it('should stop every analysis in flight when the scan is aborted, and time out the others', async () => {
    const { analyzer } = recorder(['gguf'], () => new Promise<never>(() => undefined));
    const controller = new AbortController();
    const engine = engineWith(analyzer, makeLimits({ maxFileMillis: 60_000 }));
    const scans = [1, 2, 3].map(() => engine.scanFile({ path: 'm.gguf', size: 4 }, new BufferSource(bytes('GGUF')), controller.signal));
    const other = engineWith(analyzer, makeLimits({ maxFileMillis: 20 })).scanFile({ path: 'm.gguf', size: 4 }, new BufferSource(bytes('GGUF')));
    await new Promise((resolve) => setTimeout(resolve, 5)); // the three analyses are under way
    controller.abort(new Error('scan cancelled'));
    scans.push(engine.scanFile({ path: 'late.gguf', size: 4 }, new BufferSource(bytes('GGUF')), controller.signal));
    for (const scan of scans) await expect(scan).rejects.toThrow('scan cancelled');
    expect((await other).findings[0]?.ruleId).toBe('engine.limit-exceeded');
  });
});

describe('ScanEngine facts', () => {
  const fact = (file: string) => ({ kind: 'license', file, spdx: 'MIT', name: 'MIT', source: 'code-header', confidence: 1, scope: 'file' }) as const;

  it('should collect the facts of a file and its members, and report once when they pass the cap', async () => {
    const analyzer: Analyzer = {
      name: 'facts',
      formats: ['text'],
      rules: [],
      async analyze(ctx) {
        for (let i = 0; i <= MAX_FACTS_PER_FILE + 5; i++) ctx.record(fact(ctx.file.path));
        return ctx.depth === 0 ? ctx.scanMember('inner', new BufferSource(bytes('plain text'))) : [];
      },
    };
    const result = await engineWith(analyzer).scanFile({ path: 'a', size: 10 }, new BufferSource(bytes('plain text')));
    expect(result.facts).toHaveLength(MAX_FACTS_PER_FILE);
    expect(result.findings.filter((f) => f.ruleId === 'engine.limit-exceeded')).toHaveLength(1);
  });

  it('should turn a failing conclusion into a finding on the artifact', () => {
    const analyzer: Analyzer = {
      ...recorder(['text']).analyzer,
      conclude: () => {
        throw new Error('boom');
      },
    };
    expect(engineWith(analyzer).conclude([fact('a')], []).map((f) => [f.ruleId, f.file])).toEqual([['engine.analysis-failed', '.']]);
  });
});

describe('ScanEngine with forward-only sources', () => {
  it('should let every analyzer of a small forward-only member read it from the start', async () => {
    const { ForwardSource } = await import('../../../analyzers/source.js');
    const text = 'x'.repeat(200_000);
    const readers = [1, 2].map((n): Analyzer => ({
      name: `reader${n}`,
      formats: ['text'],
      rules: [],
      async analyze(ctx) {
        const bytes = await ctx.source.read(0, 200_000);
        if (bytes.length !== 200_000) throw new Error(`reader${n} got ${bytes.length} bytes`);
        return [];
      },
    }));
    async function* chunks() {
      for (let i = 0; i < text.length; i += 1000) yield bytes(text.slice(i, i + 1000));
    }
    const engine = new ScanEngine({ analyzers: readers, limits: makeLimits(), settings: DEFAULT_SETTINGS });
    const result = await engine.scanFile({ path: 'notes.txt', size: text.length }, new ForwardSource(chunks(), text.length));
    expect(result.findings).toEqual([]);
  });
});
