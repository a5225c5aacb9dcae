/** Worker threads of ours: a TypeScript entry starts from source, and lowering a thread's priority lowers only its own. */
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startWorker, transferable } from '../../../../server/threads/worker-entry.js';

const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

describe('worker threads', () => {
  it.skipIf(!existsSync('/proc/thread-self'))('should lower the priority of the thread that asks, and of no other', async () => {
    const before = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
    const worker = startWorker(new URL('../../../support/priority-probe.ts', import.meta.url), { workerData: { niceness: 10 } });
    const [reply] = (await once(worker, 'message')) as [{ lowered: boolean; nice: number }];
    await worker.terminate();
    expect(reply).toEqual({ lowered: true, nice: Math.max(before, 10) });
    expect(niceOf(readFileSync('/proc/thread-self/stat', 'utf8'))).toBe(before);
  });

  it('should copy bytes that share an ArrayBuffer before they are transferred, and keep those that own theirs', () => {
    const pooled = Buffer.from('small'); // Node's pool: other buffers live in the same ArrayBuffer
    expect(transferable(pooled).buffer).not.toBe(pooled.buffer);
    expect(Buffer.from(transferable(pooled)).toString()).toBe('small');
    const own = new Uint8Array(16);
    expect(transferable(own)).toBe(own);
  });
});
