/**
 * distribution 2.8 configuration files for the test registries (test-environment.md §2.2, §2.6–§2.8):
 * loopback only, quiet logs, filesystem storage with delete enabled.
 */
import { BLOB_HOST, TOKEN_SERVER, type RegistryEndpoint } from './endpoints.js';

export interface RegistryFiles {
  /** Storage root of `plain` and `redirect` (the blob host serves it). */
  readonly sharedData: string;
  /** Storage root of the `basic` registry. */
  readonly basicData: string;
  /** Storage root of the `token` registry. */
  readonly tokenData: string;
  readonly htpasswd: string;
  /** Certificate whose key signs the tokens (the registry's `rootcertbundle`). */
  readonly tokenCert: string;
}

/** The YAML config for one registry variant. Paths are quoted with JSON rules, which YAML accepts. */
export function registryConfig(endpoint: RegistryEndpoint, files: RegistryFiles): string {
  const q = (text: string) => JSON.stringify(text);
  const root = { plain: files.sharedData, redirect: files.sharedData, basic: files.basicData, token: files.tokenData }[endpoint.name];
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog: {disabled: true}',
    'storage:',
    `  filesystem: {rootdirectory: ${q(root)}}`,
    '  delete: {enabled: true}',
    'http:',
    `  addr: 127.0.0.1:${endpoint.port}`,
    '  secret: test-only-secret',
  ];
  switch (endpoint.name) {
    case 'redirect':
      // `localhost` while clients use 127.0.0.1: the redirect is cross-origin (test-environment.md §2.6).
      lines.push('middleware:', '  storage:', '    - name: redirect', `      options: {baseurl: ${q(BLOB_HOST.redirectBase)}}`);
      break;
    case 'basic':
      lines.push('auth:', `  htpasswd: {realm: test-registry, path: ${q(files.htpasswd)}}`);
      break;
    case 'token':
      lines.push(
        'auth:',
        '  token:',
        `    realm: ${q(TOKEN_SERVER.realm)}`,
        `    service: ${q(TOKEN_SERVER.service)}`,
        `    issuer: ${q(TOKEN_SERVER.issuer)}`,
        `    rootcertbundle: ${q(files.tokenCert)}`,
      );
      break;
    case 'plain':
      break;
  }
  return `${lines.join('\n')}\n`;
}
