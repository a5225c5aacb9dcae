/**
 * Entry point of the Node test services when run as their own processes, so they outlive a test run
 * that another concurrent run still shares (see ./registries.ts):
 *   node --import tsx test/services/service-main.ts token-server   (TOKEN_KEY_FILE, TOKEN_CERT_FILE)
 *   node --import tsx test/services/service-main.ts blob-host      (BLOB_ROOT)
 */
import { readFileSync } from 'node:fs';
import { startBlobHost } from './blob-host.js';
import { BLOB_HOST, TEST_ACCOUNTS, TOKEN_SERVER } from './endpoints.js';
import { startTokenServer } from './token-server.js';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`service-main: environment variable ${name} is required`);
  return value;
}

async function main(service: string | undefined): Promise<{ close(): Promise<void> }> {
  switch (service) {
    case 'token-server':
      return startTokenServer({
        port: TOKEN_SERVER.port,
        keyPem: readFileSync(requiredEnv('TOKEN_KEY_FILE'), 'utf8'),
        certPem: readFileSync(requiredEnv('TOKEN_CERT_FILE'), 'utf8'),
        issuer: TOKEN_SERVER.issuer,
        service: TOKEN_SERVER.service,
        accounts: TEST_ACCOUNTS,
      });
    case 'blob-host':
      return startBlobHost({ root: requiredEnv('BLOB_ROOT'), port: BLOB_HOST.port });
    default:
      throw new Error(`service-main: unknown service ${JSON.stringify(service)} (expected token-server or blob-host)`);
  }
}

const running = await main(process.argv[2]);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void running.close().then(() => process.exit(0)));
}
