/**
 * Entry of the report thread (./report-thread.ts): decodes a packed result and renders the report asked
 * for, so the thread answering Harbor never parses a result of tens of MB.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { unpackResultSync } from '../jobs/packed-result.js';
import { transferable } from '../threads/worker-entry.js';
import { HarborReportRenderer } from './renderer.js';
import type { ReportThreadData, RenderRequest, RenderReply } from './report-thread.js';

const renderer = new HarborReportRenderer({ docsUrl: (workerData as ReportThreadData).docsUrl });
const port = parentPort!;

port.on('message', ({ id, mimeType, job, query }: RenderRequest) => {
  let reply: RenderReply;
  try {
    const body = transferable(Buffer.from(JSON.stringify(renderer.render(mimeType, { ...job, result: unpackResultSync(job.result) }, query))));
    reply = { id, body };
    port.postMessage(reply, [body.buffer]);
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
    port.postMessage(reply);
  }
});
