/** Starts a real scanner server on a loopback port for integration tests, on its own data directory. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config/config.js';
import { startServer, type RunningServer } from '../../server/main.js';
import { createLogger } from '../../server/observability/logger.js';

export interface TestScanner extends RunningServer {
  readonly dataDir: string;
}

/** `env` takes SCANNER_* overrides; the listen address and data directory default to test values. */
export async function startTestScanner(env: Record<string, string> = {}): Promise<TestScanner> {
  const dataDir = env['SCANNER_DATA_DIR'] ?? mkdtempSync(path.join(tmpdir(), 'scanner-data-'));
  const config = loadConfig({ SCANNER_API_SERVER_ADDR: '127.0.0.1:0', SCANNER_REGISTRY_RETRIES: '0', ...env, SCANNER_DATA_DIR: dataDir });
  const running = await startServer(config, createLogger(process.env['TEST_LOG_LEVEL'] ?? 'silent'));
  return { ...running, dataDir };
}
