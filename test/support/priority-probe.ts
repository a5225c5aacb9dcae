/** A worker entry for test/unit/server/threads/worker-entry.test.ts: lowers its priority and reports its nice value. */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../server/threads/worker-entry.js';

/** Field 19 of /proc/thread-self/stat is the thread's nice value (proc(5)); the name before it may hold spaces. */
const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

const lowered = lowerThisThreadPriority((workerData as { niceness: number }).niceness);
parentPort!.postMessage({ lowered, nice: niceOf(readFileSync('/proc/thread-self/stat', 'utf8')) });
