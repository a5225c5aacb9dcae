/** Response writers: content types and the `{"error":{"message"}}` envelope live here only. */
import type { Response } from 'express';
import { API_MIME } from '../../spec/mime.js';

export function sendJson(res: Response, status: number, contentType: string, body: unknown): void {
  res.status(status).type(contentType).send(JSON.stringify(body));
}

/** The adapter's error envelope; the webhook-mode API sends it as plain `application/json`. */
export function sendError(res: Response, status: number, message: string, contentType: string = API_MIME.errorV1_0): void {
  sendJson(res, status, contentType, { error: { message } });
}
