/**
 * A throw-away PKI made with the openssl CLI in a temporary directory: a CA, server certificates for
 * 127.0.0.1 and client certificates. RSA keys, so that a refused RSA-key-exchange cipher is refused by
 * the server's policy and not merely by the key type.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 fingerprint as Node prints it (`AB:CD:…`), to tell which certificate a server presented. */
  readonly fingerprint: string;
}

export interface CertificateAuthority {
  readonly certFile: string;
  readonly cert: Buffer;
  /** Issues a certificate for `commonName` into `<dir>/<fileStem>.{crt,key}`. */
  issue(commonName: string, usage: 'server' | 'client', fileStem?: string, dir?: string): IssuedCertificate;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A new CA in `dir`, valid for two days. */
export function createCertificateAuthority(dir: string, name = 'test-ca'): CertificateAuthority {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  let serial = 0;
  return {
    certFile,
    cert: readFileSync(certFile),
    issue(commonName, usage, fileStem = commonName, outDir = dir) {
      const cert = path.join(outDir, `${fileStem}.crt`);
      const key = path.join(outDir, `${fileStem}.key`);
      const csr = path.join(outDir, `${fileStem}.csr`);
      const extensions = path.join(outDir, `${fileStem}.ext`);
      writeFileSync(
        extensions,
        usage === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n',
      );
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`], outDir);
      serial += 1;
      openssl(
        ['x509', '-req', '-in', csr, '-CA', certFile, '-CAkey', keyFile, '-set_serial', String(Date.now() * 100 + serial), '-days', '2',
          '-extfile', extensions, '-out', cert],
        outDir,
      );
      const pem = readFileSync(cert);
      return { certFile: cert, keyFile: key, cert: pem, key: readFileSync(key), fingerprint: new X509Certificate(pem).fingerprint256 };
    },
  };
}
