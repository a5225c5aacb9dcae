/**
 * HTTPS for the adapter API, configured like harbor-scanner-trivy (../shared/reference/harbor-scanner-api.md
 * §4.1): certificate and key files, TLS 1.2 or later with ECDHE key exchange only, and mTLS (client
 * certificate required and verified) when client CA files are given. Certificates are re-read on demand
 * (SIGHUP, wired in main.ts) and when the files change, without closing the listener: new handshakes get
 * the new certificate, open connections keep theirs. A reload that cannot be used keeps the old one.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from '../observability/logger.js';

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM files of CAs whose client certificates are accepted; empty: no client certificate asked for. */
  readonly clientCaFiles: readonly string[];
}

/** A certificate, key or CA file cannot be read or used. */
export class TlsFilesError extends Error {
  override readonly name = 'TlsFilesError';
  readonly code = 'E_TLS_FILES';
}

/**
 * TLS 1.3 suites, then TLS 1.2 with ECDHE and AEAD only (forward secrecy, no CBC): the set
 * harbor-scanner-trivy allows, in OpenSSL names.
 */
const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** After a burst of file events (a Kubernetes secret update swaps a symlink and touches several names). */
const RELOAD_DEBOUNCE_MS = 200;

/**
 * The secure-context options (files read now, protocol policy), checked by building a context once: a key
 * that does not match the certificate or unparsable PEM throws {@link TlsFilesError} naming the file.
 */
export function loadSecureContextOptions(settings: TlsSettings): SecureContextOptions & { cert: Buffer } {
  const options = {
    cert: readPem(settings.certFile, 'SCANNER_API_SERVER_TLS_CERTIFICATE'),
    key: readPem(settings.keyFile, 'SCANNER_API_SERVER_TLS_KEY'),
    ...(settings.clientCaFiles.length > 0 ? { ca: settings.clientCaFiles.map((file) => readPem(file, 'SCANNER_API_SERVER_CLIENT_CAS')) } : {}),
    minVersion: 'TLSv1.2' as const,
    ciphers: CIPHERS,
    honorCipherOrder: true,
  };
  try {
    createSecureContext(options);
  } catch (error) {
    throw new TlsFilesError(`loading TLS certificate ${settings.certFile} with key ${settings.keyFile}: ${(error as Error).message}`, { cause: error });
  }
  return options;
}

/** An HTTPS server (request listener attached by the caller) with the files' certificate; policy in the module comment. */
export function createTlsServer(settings: TlsSettings): https.Server {
  const mutualTls = settings.clientCaFiles.length > 0;
  return https.createServer({ ...loadSecureContextOptions(settings), requestCert: mutualTls, rejectUnauthorized: mutualTls });
}

/** Re-reads the certificate files into a running server, on demand and when the files change. */
export class TlsReloader {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: https.Server,
    private readonly settings: TlsSettings,
    private readonly logger: Logger,
  ) {}

  /** Loads the files now; true when the server uses them from the next handshake on. */
  reload(): boolean {
    try {
      const options = loadSecureContextOptions(this.settings);
      this.server.setSecureContext(options);
      this.logger.info(describeCertificate(options.cert), 'TLS certificate loaded');
      return true;
    } catch (error) {
      this.logger.warn({ err: error }, 'TLS certificate reload failed; serving the previous certificate');
      return false;
    }
  }

  /**
   * Watches the directories holding the files rather than the files: an atomic replace (rename, or the
   * symlink swap of a Kubernetes secret volume, whose entries start with `..`) ends a watch on the old inode.
   */
  watch(): void {
    const files = [this.settings.certFile, this.settings.keyFile, ...this.settings.clientCaFiles].map((f) => path.resolve(f));
    const names = new Set(files.map((f) => path.basename(f)));
    const relevant = (name: string | null) => name === null || names.has(name) || name.startsWith('..');
    for (const dir of new Set(files.map((f) => path.dirname(f)))) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (relevant(name)) this.scheduleReload();
        });
        watcher.on('error', (error) => this.logger.warn({ err: error, dir }, 'watching TLS files failed; reload with SIGHUP'));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn({ err: error, dir }, 'watching TLS files failed; reload with SIGHUP');
      }
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), RELOAD_DEBOUNCE_MS);
    this.timer.unref();
  }
}

function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new TlsFilesError(`reading ${variable} file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function describeCertificate(pem: Buffer): Record<string, unknown> {
  try {
    const certificate = new X509Certificate(pem);
    return { subject: certificate.subject.replace(/\n/g, ', '), not_after: certificate.validTo, sha256: certificate.fingerprint256 };
  } catch {
    return {};
  }
}
