/**
 * Structured JSON logs (pino). Credentials never reach a log line: request bodies are not logged, and
 * any field that could carry a secret is redacted by path as a second line of defence.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-scanneradapter-api-key"]',
  'registry.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'harbor-scanner-models' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
