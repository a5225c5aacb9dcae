/**
 * `harbor-scanner-models backfill`: the server's backfill, run from the command line. It starts the
 * scanner in-process on a loopback port with an embedded job store in a temporary directory (never
 * Redis: the scans must run here), drives `POST /api/v1/backfill` and follows `GET` until the run ends,
 * so the command and the API are the same code path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HARBOR_MODE_ROUTES, type BackfillProgress } from '../spec/harbor-mode-api.js';
import { loadConfig, type Config } from '../server/config/config.js';
import { startServer } from '../server/main.js';
import { createLogger } from '../server/observability/logger.js';
import { EXIT } from './exit-codes.js';
import { BACKFILL_USAGE, parseBackfillArgs, UsageError, type BackfillCliOptions } from './options.js';

const POLL_MS = 500;

export async function backfillCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: BackfillCliOptions | 'help';
  try {
    options = parseBackfillArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${BACKFILL_USAGE}\n`);
    return EXIT.error;
  }
  if (options === 'help') {
    process.stdout.write(`${BACKFILL_USAGE}\n`);
    return EXIT.clean;
  }
  try {
    const progress = await backfill(options, env);
    process.stdout.write(`${JSON.stringify(progress, null, 2)}\n`);
    return progress.state === 'finished' && progress.failed === 0 ? EXIT.clean : EXIT.error;
  } catch (error) {
    process.stderr.write(`harbor-scanner-models: backfill could not run: ${(error as Error).message}\n`);
    return EXIT.error;
  }
}

async function backfill(options: BackfillCliOptions, env: NodeJS.ProcessEnv): Promise<BackfillProgress> {
  const { tls: _tls, redis: _redis, ...config } = loadConfig(env);
  const mode = config.harborMode;
  if (!mode) {
    throw new UsageError(
      'backfill needs the webhook mode settings: SCANNER_HARBOR_URL, SCANNER_HARBOR_ROBOT_NAME, SCANNER_HARBOR_ROBOT_SECRET and SCANNER_WEBHOOK_AUTH_HEADER',
    );
  }
  const concurrency = options.concurrency ?? mode.backfillConcurrency;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'harbor-scanner-models-backfill-'));
  const local: Config = {
    ...config,
    api: { host: '127.0.0.1', port: 0 },
    dataDir,
    metrics: { enabled: false },
    jobs: { ...config.jobs, workers: concurrency },
    harborMode: { ...mode, backfillConcurrency: concurrency },
  };
  const running = await startServer(local, createLogger(env['SCANNER_LOG_LEVEL'] ?? 'warn', process.stderr));
  try {
    const url = `${running.url}${HARBOR_MODE_ROUTES.backfill}`;
    const headers = { authorization: mode.webhookAuthHeader, 'content-type': 'application/json' };
    const body = JSON.stringify({ ...(options.projects ? { projects: options.projects } : {}), dry_run: options.dryRun });
    const started = await fetch(url, { method: 'POST', headers, body });
    if (started.status !== 202) throw new Error(`the in-process backfill API answered HTTP ${started.status}: ${await started.text()}`);
    let progress = (await started.json()) as BackfillProgress;
    let last = '';
    while (progress.state === 'running') {
      await sleep(POLL_MS);
      progress = (await (await fetch(url, { headers })).json()) as BackfillProgress;
      const line = progressLine(progress);
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    }
    for (const error of progress.errors) process.stderr.write(`problem: ${error}\n`);
    return progress;
  } finally {
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function progressLine(p: BackfillProgress): string {
  const skipped = p.skipped.image + p.skipped.current + p.skipped.in_flight + p.skipped.out_of_scope;
  return (
    `backfill: ${p.projects} projects, ${p.repositories} repositories, ${p.artifacts} artifacts; ` +
    `${p.to_scan} ${p.dry_run ? 'to scan' : 'scanning'}, ${p.attached} attached, ${p.failed} failed, ${skipped} skipped ` +
    `(${p.skipped.image} images, ${p.skipped.current} current, ${p.skipped.out_of_scope} not models)`
  );
}
