/** Entry of an analysis thread (./scan-threads.ts): the real engine and registry opener, built from `workerData`. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import { lowerThisThreadPriority } from '../threads/worker-entry.js';
import { scanRuntime } from './scan-runtime.js';
import { serveScans } from './scan-thread-service.js';
import type { ScanThreadData } from './scan-thread-protocol.js';

/** Far enough below the default (0) that the HTTP thread wins every contended core; far from idle (19). */
const ANALYSIS_NICENESS = 10;

const data = workerData as ScanThreadData;
// Analysis yields the cores to the thread that answers Harbor (issue 14: polls within 50 ms under load).
lowerThisThreadPriority(ANALYSIS_NICENESS);
// The thread's logger forwards the levels the cache and the registry client use (info, warn, debug).
serveScans(parentPort!, data.logLevel, (logger) => scanRuntime(data.config, logger as unknown as Logger));
