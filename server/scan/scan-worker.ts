/** Entry of an analysis thread (./scan-threads.ts): the real engine and registry opener, built from `workerData`. */
import { parentPort, workerData } from 'node:worker_threads';
import { scanRuntime } from './scan-runtime.js';
import { serveScans } from './scan-thread-service.js';
import type { ScanThreadData } from './scan-thread-protocol.js';

const data = workerData as ScanThreadData;
serveScans(parentPort!, data.logLevel, (logger) => scanRuntime(data.config, logger));
