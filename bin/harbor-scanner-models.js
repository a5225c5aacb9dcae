#!/usr/bin/env node
// CLI entry. In a checkout (sources beside this file, dev dependencies present) it runs the TypeScript
// sources through tsx, so it never runs a stale build; an installed package or the image has only the
// compiled CLI in dist/ and runs that.
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
let entry = new URL('../dist/cli/main.js', import.meta.url).href;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = source.href;
  } catch {
    // No tsx: a checkout without dev dependencies runs its build.
  }
}
// A reader that stops early (`| head`) is not an error of the scan.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
try {
  const { main } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Exit 2 ("could not scan"), never 1, which means "findings" to a CI pipeline.
  process.stderr.write(`harbor-scanner-models: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
