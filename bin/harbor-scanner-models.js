#!/usr/bin/env node
// CLI entry. In a checkout (after `npm ci`, dev dependencies present) it runs the TypeScript sources
// through tsx, so it never runs a stale build; in the production image (no tsx) it runs the compiled CLI.
let entry;
try {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../cli/main.ts', import.meta.url).href;
} catch {
  entry = new URL('../dist/cli/main.js', import.meta.url).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
