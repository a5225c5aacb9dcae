/**
 * The container image's contract, checked without a Docker engine (none runs on these machines): the
 * entry point sends CLI commands to the CLI (so `docker run IMAGE scan …` scans instead of starting the
 * server), the runtime is a supported Node.js LTS, and the build context holds only what the build copies.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRYPOINT = `${ROOT}bin/docker-entrypoint.sh`;
const read = (file: string) => readFileSync(`${ROOT}${file}`, 'utf8');

describe('image entry point', () => {
  it('should run the CLI for scan: exit 1 on a malicious file, 0 on a clean one', () => {
    const scan = (fixture: string) => spawnSync(ENTRYPOINT, ['scan', `${ROOT}test/fixtures/pickle/${fixture}`, '-f', 'json'], { encoding: 'utf8' });
    expect(scan('malicious/build_on_global.pkl').status).toBe(1);
    expect(scan('benign/numpy_array.npy').status).toBe(0);
  });

  it('should answer --version and reject an unknown command through the CLI, not by starting the server', () => {
    expect(spawnSync(ENTRYPOINT, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^harbor-scanner-models \d/);
    const unknown = spawnSync(ENTRYPOINT, ['scna', 'x'], { encoding: 'utf8', timeout: 30_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command scna');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('should build and run on Node.js 24 LTS, the same base for both stages', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(2);
  });

  it('should label the image and keep build leftovers out of the runtime stage', () => {
    for (const label of ['title', 'version', 'revision', 'licenses', 'base.name']) expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    // A global ARG is visible to FROM lines only: the stage that labels its base must declare it again.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ARG NODE_IMAGE$/m);
    expect(runtime).toContain('org.opencontainers.image.base.name="${NODE_IMAGE}"');
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/rm -rf node_modules\/better-sqlite3\/deps/);
    expect(read('tsconfig.build.json')).toMatch(/"sourceMap": false/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/app\/bin\/docker-entrypoint.sh"\]/);
  });

  it('should send only what the build copies as context', () => {
    const rules = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules[0]).toBe('*');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const source of copied) expect(rules, source).toContain(`!${source.replace(/\/$/, '')}${source.includes('.') ? '' : '/'}`);
  });
});
