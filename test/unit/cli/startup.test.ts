/**
 * What a CLI scan loads (benchmarks/cli-startup.bench.ts measures what it costs): the engine, the
 * analyzers and the chosen reporter, never the service (server configuration and its zod schemas,
 * HTTP, job stores, queues, telemetry), the registry client for a local target, the SARIF/SBOM writers
 * unless asked for, nor the npm packages analyzers need only for some files (YAML, SPDX, bzip2, xz,
 * zstd) before such a file is seen. Recorded in a child process running the sources through tsx.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Packages only the service (or a `backfill`) uses. */
const SERVICE_PACKAGES = ['express', 'ioredis', 'bullmq', 'better-sqlite3', 'pino', 'prom-client', '@opentelemetry/api', '@opentelemetry/sdk-node', 'undici', 'zod', 'ajv'];
/** Packages analyzers load when the first file that needs them is seen (analyzers/on-demand.ts, archive/decompress.ts). */
const ON_DEMAND_PACKAGES = ['yaml', 'spdx-correct', 'spdx-expression-parse', 'unbzip2-stream', 'xz-decompress', 'fzstd'];

interface Loaded {
  /** npm packages, by name. */
  readonly packages: ReadonlySet<string>;
  /** Our own modules, relative to the checkout (`cli/main.ts`). */
  readonly modules: ReadonlySet<string>;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cli-startup-'));
  writeFileSync(path.join(dir, 'one.bin'), 'x');
  writeFileSync(path.join(dir, 'config.yaml'), 'lr: 0.1\n');
  // ESM imports seen by a resolve hook; CommonJS requires read from the require cache at the end.
  writeFileSync(
    path.join(dir, 'record.mjs'),
    "export async function resolve(specifier, context, next) { const result = await next(specifier, context); process.stderr.write(`LOADED ${result.url}\\n`); return result; }\n",
  );
});

/** Runs `main(argv)` from the sources in a fresh process and lists what it loaded. */
function loadedBy(argv: readonly string[]): Loaded {
  const script = `
    import { createRequire, register } from 'node:module';
    const { register: tsx } = await import('tsx/esm/api');
    tsx();
    register(${JSON.stringify(pathToFileURL(path.join(dir, 'record.mjs')).href)});
    const { main } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'cli/main.ts')).href)});
    const code = await main(${JSON.stringify(argv)});
    for (const file of Object.keys(createRequire(import.meta.url).cache)) process.stderr.write('LOADED ' + file + '\\n');
    process.exitCode = code;`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBeLessThanOrEqual(1);
  const files = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length))
    .filter((url) => !url.startsWith('node:'))
    .map((url) => (url.startsWith('file:') ? fileURLToPath(url) : url));
  const packages = new Set<string>();
  const modules = new Set<string>();
  for (const file of files) {
    const inPackage = /[/\\]node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)/.exec(file);
    if (inPackage) packages.add(inPackage[1]!.replace(/\\/g, '/'));
    else if (file.startsWith(ROOT)) modules.add(path.relative(ROOT, file).split(path.sep).join('/'));
  }
  return { packages, modules };
}

describe('CLI start-up', () => {
  it('should load the engine, analyzers and JSON reporter only, for a local file', () => {
    const { packages, modules } = loadedBy(['scan', path.join(dir, 'one.bin'), '-f', 'json']);
    // The recording works: the entry and the engine are there.
    expect(modules).toContain('cli/main.ts');
    expect(modules).toContain('analyzers/engine.ts');
    expect(modules).toContain('server/config/analysis.ts');
    for (const name of [...SERVICE_PACKAGES, ...ON_DEMAND_PACKAGES]) expect(packages, name).not.toContain(name);
    const serviceModules = [...modules].filter(
      (m) => m === 'server/config/config.ts' || m === 'cli/backfill.ts' || /^server\/(report|registry|jobs|http\/(?!scanner-info)|harbor|webhook|observability)\//.test(m),
    );
    expect(serviceModules).toEqual([]);
    expect(modules).not.toContain('server/scan/registry-artifact.ts');
  }, 90_000);

  it('should load a parser when a file of its kind is seen, and the SARIF writer when it is chosen', () => {
    const { packages, modules } = loadedBy(['scan', path.join(dir, 'config.yaml'), '-f', 'sarif']);
    expect(packages).toContain('yaml');
    expect(modules).toContain('server/report/sarif.ts');
    for (const name of SERVICE_PACKAGES) expect(packages, name).not.toContain(name);
  }, 90_000);
});
