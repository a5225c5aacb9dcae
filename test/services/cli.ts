/**
 * Start or stop the real-registry test environment by hand, e.g. to try the CLI against it:
 *   npx tsx test/services/cli.ts up      # starts (or joins) it and keeps it up until `down`
 *   npx tsx test/services/cli.ts down
 */
import { BLOB_HOST, REGISTRIES, TOKEN_SERVER } from './endpoints.js';
import { MANUAL_LEASE } from './processes.js';
import { DEFAULT_STATE_DIR, startRegistries, stopRegistries } from './registries.js';

const command = process.argv[2];
if (command === 'up') {
  await startRegistries(DEFAULT_STATE_DIR, MANUAL_LEASE);
  for (const r of Object.values(REGISTRIES)) console.log(`registry ${r.name.padEnd(8)} ${r.url}`);
  console.log(`token server      ${TOKEN_SERVER.url}\nblob host         ${BLOB_HOST.url}\nstate             ${DEFAULT_STATE_DIR}`);
} else if (command === 'down') {
  await stopRegistries(DEFAULT_STATE_DIR, MANUAL_LEASE);
} else {
  console.error('usage: npx tsx test/services/cli.ts up|down');
  process.exitCode = 2;
}
