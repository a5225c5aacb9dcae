/**
 * npm packages an analyzer needs only for some files (YAML parsing, SPDX expression handling), loaded
 * the first time such a file is seen rather than when the analyzers are: every process pays at start for
 * each module it loads, a CLI run most of all, and many scans never meet a YAML file or a licence.
 * Loaded through `require` (they are CommonJS packages), so the functions using them stay synchronous.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `specifier`'s exports, loaded on the first call. */
export function onDemand<T>(specifier: string): () => T {
  let exports: T | undefined;
  return () => (exports ??= load(specifier) as T);
}
