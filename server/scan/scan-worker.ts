/** Entry of an analysis thread (./scan-threads.ts): the real engine and registry opener, built from `workerData`. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';
import { scanRuntime } from './scan-runtime.js';
import { serveScans } from './scan-thread-service.js';
import type { ScanThreadData } from './scan-thread-protocol.js';

const data = workerData as ScanThreadData;
// The thread's logger forwards the levels the cache and the registry client use (info, warn, debug).
serveScans(parentPort!, data.logLevel, (logger) => scanRuntime(data.config, logger as unknown as Logger));
