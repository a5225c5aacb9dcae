/**
 * The undici dispatcher behind every request of one client: per-request timeouts (connect, headers, and
 * the idle time between body chunks, so a large blob may take long as long as bytes keep coming), TLS
 * trust (an extra CA file, or no verification for test registries) and the forward proxy, if any.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { ProxySettings } from '../config/proxy.js';
import { RegistryConfigError } from '../errors/registry-errors.js';

export interface DispatcherOptions {
  readonly timeoutMs: number;
  /** PEM file with the CA(s) that signed the registry's certificate. */
  readonly caFile?: string;
  readonly insecureSkipVerify?: boolean;
  /** Forward proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as the configuration read them. */
  readonly proxy?: ProxySettings;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  // Node's `ca` replaces the default trust store; keep the public roots so redirects to S3 or a CDN
  // still verify when a private CA is configured for the registry itself.
  const ca = options.caFile === undefined ? undefined : [...rootCertificates, readCaFile(options.caFile)];
  const tls = { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: options.insecureSkipVerify !== true };
  const timeouts = { connectTimeout: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const proxy = options.proxy;
  if (!proxy || (proxy.httpProxy === '' && proxy.httpsProxy === '')) return new Agent({ ...timeouts, connect: tls });
  // Every value given, '' for "none": undici would otherwise read process.env itself. Through a proxy
  // the registry's TLS runs inside the CONNECT tunnel (requestTls); `connect` is for direct hosts.
  return new EnvHttpProxyAgent({ ...timeouts, connect: tls, requestTls: tls, ...proxy });
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
