/**
 * The analysis thread's side (./scan-threads.ts): runs one scan task at a time with {@link inProcessScanner},
 * reports its stages, progress and log records to the server's thread, and aborts when told to.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import { levels } from 'pino';
import type { RegistryLogger } from '../registry/types.js';
import { transferable } from '../threads/worker-entry.js';
import { inProcessScanner, type LogLevel, type ScanLog } from './artifact-scanner.js';
import type { ScanRuntime } from './scan-runtime.js';
import { rebuildError, relayError, type FromScanThread, type ToScanThread } from './scan-thread-protocol.js';

/** Progress is sent at most this often: a tar of a million members must not mean a million messages. */
const PROGRESS_INTERVAL_MS = 250;

export type ThreadLogger = RegistryLogger & ScanLog;

/** Serves scan tasks arriving on `port`; `makeRuntime` builds the engine and opener once, with this thread's logger. */
export function serveScans(port: MessagePort, logLevel: string, makeRuntime: (logger: ThreadLogger) => ScanRuntime): void {
  let current: { readonly id: number; readonly abort: AbortController } | undefined;
  const send = (message: FromScanThread) => port.postMessage(message);
  const logger = forwardingLogger(send, logLevel, () => current?.id);
  const scanner = inProcessScanner(makeRuntime(logger));

  const run = async (id: number, task: Extract<ToScanThread, { type: 'scan' }>): Promise<void> => {
    const abort = new AbortController();
    current = { id, abort };
    let latest = { files: 0, bytes: 0 };
    let sent = { files: -1, bytes: -1, bytesFetched: -1 };
    const session = scanner.start({
      target: task.target,
      authorization: task.authorization,
      signal: abort.signal,
      log: logger,
      onProgress: (progress) => void (latest = progress),
    });
    const report = () => {
      const now = { ...latest, bytesFetched: session.bytesFetched() };
      if (now.files === sent.files && now.bytes === sent.bytes && now.bytesFetched === sent.bytesFetched) return;
      sent = now;
      send({ type: 'progress', id, ...now });
    };
    const ticker = setInterval(report, PROGRESS_INTERVAL_MS);
    session.opened.then(({ packaging }) => send({ type: 'opened', id, packaging }), () => undefined);
    try {
      const outcome = await session.result;
      report();
      // The packed bytes move to the server's thread; nothing of the result is copied on its side.
      const gzipJson = transferable(outcome.packed.gzipJson);
      port.postMessage({ type: 'done', id, outcome: { ...outcome, packed: { gzipJson } } } satisfies FromScanThread, [gzipJson.buffer]);
    } catch (error) {
      send({ type: 'failed', id, error: relayError(error) });
    } finally {
      clearInterval(ticker);
      current = undefined;
    }
  };

  port.on('message', (message: ToScanThread) => {
    if (message.type === 'abort') {
      if (current?.id === message.id) current.abort.abort(rebuildError(message.reason));
      return;
    }
    void run(message.id, message);
  });
}

/**
 * A logger whose records go to the server's logger, tagged with the task they belong to and this thread.
 * Records below `level` are dropped here, before anything crosses.
 */
function forwardingLogger(send: (message: FromScanThread) => void, level: string, task: () => number | undefined): ThreadLogger {
  const threshold = levels.values[level] ?? Number.POSITIVE_INFINITY;
  const at =
    (name: LogLevel) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (levels.values[name]! < threshold) return;
      const record = { type: 'log', id: task(), level: name, message } as const;
      try {
        send({ ...record, fields: { ...fields, analysis_thread: threadId } });
      } catch {
        // A field that cannot be cloned (a function, a socket): send its JSON form instead.
        send({ ...record, fields: { ...(JSON.parse(JSON.stringify(fields)) as Record<string, unknown>), analysis_thread: threadId } });
      }
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}
