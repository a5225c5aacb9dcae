/**
 * What our worker threads (analysis, report rendering) share: starting one whose entry is a module of
 * ours, compiled (dist/) or, when running from source (tsx, vitest), its TypeScript file loaded through
 * tsx's API (a devDependency, present wherever .ts runs; loader flags in a worker's `execArgv` do not
 * reach its entry on Node 20); bytes fit for transfer; a thread's own scheduling priority.
 */
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` (without extension) next to the module at `moduleUrl`, in the language that module runs in. */
export function siblingEntry(moduleUrl: string, name: string): URL {
  return new URL(moduleUrl.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, moduleUrl);
}

export function startWorker(entry: URL, options: Pick<WorkerOptions, 'workerData' | 'name'>): Worker {
  return entry.pathname.endsWith('.ts') ? new Worker(typeScriptBootstrap(entry), { ...options, eval: true }) : new Worker(entry, options);
}

function typeScriptBootstrap(entry: URL): string {
  const require = createRequire(import.meta.url);
  const { exports } = require('tsx/package.json') as { exports: { './esm/api': { import: { default: string } } } };
  const tsx = new URL(exports['./esm/api'].import.default, pathToFileURL(require.resolve('tsx/package.json'))).href;
  return `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}));`;
}

/** `bytes` on an ArrayBuffer of its own, so it can be transferred: a small Buffer shares Node's pool. */
export function transferable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

/**
 * Lowers the calling thread's scheduling priority to `niceness`. Linux schedules threads one by one
 * (setpriority(2) on a thread id affects that thread only), so an analysis thread at nice 10 yields the
 * cores to the thread answering Harbor whenever that one has work. False where threads have no id of
 * their own to set (no /proc/thread-self) or the call is refused.
 */
export function lowerThisThreadPriority(niceness: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.max(getPriority(tid), niceness));
    return true;
  } catch {
    return false;
  }
}
