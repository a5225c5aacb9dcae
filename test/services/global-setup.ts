/**
 * vitest globalSetup: starts the real-registry test environment and the shared Redis (./redis.ts) once
 * for the whole run and stops them afterwards (or leaves them to a concurrent run that shares them, see
 * ./processes.ts). Runs whose selected files include nothing under test/integration/ skip it, so
 * unit-only runs need no registry binaries.
 */
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSharedRedis, stopSharedRedis } from './redis.js';
import { DEFAULT_STATE_DIR, startRegistries, stopRegistries } from './registries.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!(await runIncludesIntegrationTests(project))) return async () => {};
  await startRegistries(DEFAULT_STATE_DIR);
  await startSharedRedis();
  return async () => {
    await stopSharedRedis();
    await stopRegistries(DEFAULT_STATE_DIR);
  };
}

async function runIncludesIntegrationTests(project: TestProject): Promise<boolean> {
  // vitest keeps the command line's file filters in an internal field; without it every file counts,
  // which errs on the side of starting the environment.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  const integration = `${path.sep}test${path.sep}integration${path.sep}`;
  return testFiles.some((file) => path.normalize(file).includes(integration));
}
