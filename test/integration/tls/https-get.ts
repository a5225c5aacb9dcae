/** A one-shot HTTPS GET with explicit TLS client settings, reporting the certificate the server presented. */
import https from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface TlsClientOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpsResult {
  readonly status: number;
  readonly body: string;
  /** SHA-256 fingerprint of the server certificate. */
  readonly fingerprint: string;
  readonly protocol: string | null;
}

/** Rejects on any TLS or connection failure; a new connection each time (no agent reuse). */
export function httpsGet(url: string, options: TlsClientOptions = {}): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        ...(options.minVersion ? { minVersion: options.minVersion } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
        ...(options.ciphers ? { ciphers: options.ciphers } : {}),
        headers: { ...options.headers },
        timeout: 10_000,
      },
      (response) => {
        const socket = response.socket as TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        const protocol = socket.getProtocol();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), fingerprint, protocol }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
  });
}
