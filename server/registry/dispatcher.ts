/**
 * The undici Agent behind every request of one client: per-request timeouts (connect, headers, and the
 * idle time between body chunks, so a large blob may take long as long as bytes keep coming) and TLS
 * trust (an extra CA file, or no verification for test registries).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { RegistryConfigError } from '../errors/registry-errors.js';

export interface DispatcherOptions {
  readonly timeoutMs: number;
  /** PEM file with the CA(s) that signed the registry's certificate. */
  readonly caFile?: string;
  readonly insecureSkipVerify?: boolean;
}

export function createDispatcher(options: DispatcherOptions): Agent {
  // Node's `ca` replaces the default trust store; keep the public roots so redirects to S3 or a CDN
  // still verify when a private CA is configured for the registry itself.
  const ca = options.caFile === undefined ? undefined : [...rootCertificates, readCaFile(options.caFile)];
  return new Agent({
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: {
      ...(ca === undefined ? {} : { ca }),
      rejectUnauthorized: options.insecureSkipVerify !== true,
    },
  });
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RegistryConfigError(`reading the registry CA file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RegistryConfigError(`the registry CA file ${path} contains no PEM certificate`);
  }
  return pem;
}
