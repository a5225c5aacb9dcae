/**
 * The real-registry test environment (test-environment.md §2.12): Debian's `docker-registry` (CNCF
 * distribution 2.8.2) in four variants, the blob host behind the redirect variant and the token server,
 * all on 127.0.0.1 at the ports in ./endpoints.ts. State (configs, storage, keys, logs, pids) lives under
 * one directory, `.testenv/registries/` by default.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BLOB_HOST, REGISTRIES, TEST_ACCOUNTS, TOKEN_SERVER, type RegistryEndpoint } from './endpoints.js';
import {
  addLease,
  answers,
  liveLeases,
  removeLease,
  startService,
  stopRecordedServices,
  withLock,
  type ServiceProcess,
} from './processes.js';
import { registryConfig, type RegistryFiles } from './registry-config.js';

const SERVICES_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SERVICES_DIR, '../..');

/** Where the test environment keeps its state unless told otherwise (gitignored). */
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.testenv', 'registries');

const REQUIRED_BINARIES = [
  { name: 'docker-registry', preferred: '/usr/bin/docker-registry', debianPackage: 'docker-registry' },
  { name: 'htpasswd', preferred: '/usr/bin/htpasswd', debianPackage: 'apache2-utils' },
  { name: 'openssl', preferred: '/usr/bin/openssl', debianPackage: 'openssl' },
] as const;

type Binaries = Record<(typeof REQUIRED_BINARIES)[number]['name'], string>;

let startedIn: string | undefined;

/**
 * Starts the environment in `dir`, or joins one that a concurrent test run already started there.
 * Throws with the missing binary's name (and its Debian package) when a tool is not installed.
 */
export async function startRegistries(dir: string = DEFAULT_STATE_DIR, lease: string = String(process.pid)): Promise<void> {
  const binaries = findBinaries();
  mkdirSync(dir, { recursive: true });
  await withLock(dir, async () => {
    if (liveLeases(dir).length > 0 && (await allAnswer())) {
      addLease(dir, lease);
      return;
    }
    await stopRecordedServices(dir, (cmdline) => cmdline.includes(dir) || cmdline.includes(SERVICES_DIR));
    await ensurePortsFree();
    const files = prepareFiles(dir, binaries);
    try {
      for (const service of serviceProcesses(dir, files, binaries)) await startService(dir, REPO_ROOT, service);
    } catch (error) {
      await stopRecordedServices(dir, (cmdline) => cmdline.includes(dir) || cmdline.includes(SERVICES_DIR));
      throw error;
    }
    addLease(dir, lease);
  });
  startedIn = dir;
}

/** Leaves the environment; the last run to leave stops the services (by the PIDs recorded at start). */
export async function stopRegistries(dir: string | undefined = startedIn, lease: string = String(process.pid)): Promise<void> {
  if (dir === undefined || !existsSync(dir)) return;
  await withLock(dir, async () => {
    removeLease(dir, lease);
    if (liveLeases(dir).length === 0) {
      await stopRecordedServices(dir, (cmdline) => cmdline.includes(dir) || cmdline.includes(SERVICES_DIR));
    }
  });
  if (dir === startedIn) startedIn = undefined;
}

function findBinaries(): Binaries {
  const found: Partial<Binaries> = {};
  for (const binary of REQUIRED_BINARIES) {
    const candidates = [binary.preferred, ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, binary.name))];
    const hit = candidates.find(isExecutable);
    if (hit === undefined) {
      throw new Error(
        `test environment: ${binary.name} not found (looked at ${binary.preferred} and PATH); install it with ` +
          `"apt-get install -y --no-install-recommends ${binary.debianPackage}" (test-environment.md §2.1)`,
      );
    }
    found[binary.name] = hit;
  }
  return found as Binaries;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readinessUrls(): string[] {
  return [
    `${BLOB_HOST.url}/_log`,
    `${TOKEN_SERVER.url}/healthz`,
    ...Object.values(REGISTRIES).map((r: RegistryEndpoint) => `${r.url}/v2/`),
  ];
}

async function allAnswer(): Promise<boolean> {
  return (await Promise.all(readinessUrls().map(answers))).every(Boolean);
}

async function ensurePortsFree(): Promise<void> {
  for (const url of readinessUrls()) {
    if (await answers(url)) {
      throw new Error(
        `test environment: ${new URL(url).host} is already in use by a process this environment did not start ` +
          `(see "ss -ltnp 'sport = :${new URL(url).port}'"); stop it, or run "npx tsx test/services/cli.ts down" ` +
          `in the checkout that started it`,
      );
    }
  }
}

/** Fresh storage, htpasswd and configs; the token key pair is made once and kept. */
function prepareFiles(dir: string, binaries: Binaries): RegistryFiles {
  const files: RegistryFiles = {
    sharedData: path.join(dir, 'data', 'shared'),
    basicData: path.join(dir, 'data', 'basic'),
    tokenData: path.join(dir, 'data', 'token'),
    htpasswd: path.join(dir, 'htpasswd'),
    tokenCert: path.join(dir, 'token.crt'),
  };
  // No run holds a lease here any more, so the old storage can go.
  rmSync(path.join(dir, 'data'), { recursive: true, force: true });
  for (const sub of [files.sharedData, files.basicData, files.tokenData, path.join(dir, 'logs'), path.join(dir, 'pids')]) {
    mkdirSync(sub, { recursive: true });
  }
  // bcrypt: distribution's htpasswd accepts nothing else (test-environment.md §2.7).
  const htpasswd = TEST_ACCOUNTS.map((a) => execFileSync(binaries.htpasswd, ['-Bbn', a.username, a.password], { encoding: 'utf8' }).trim());
  writeFileSync(files.htpasswd, `${htpasswd.join('\n')}\n`);
  if (!existsSync(files.tokenCert) || !existsSync(tokenKey(dir))) {
    execFileSync(
      binaries.openssl,
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', tokenKey(dir), '-out', files.tokenCert, '-days', '3650', '-subj', '/CN=test-token-issuer'],
      { stdio: 'ignore' },
    );
  }
  for (const endpoint of Object.values(REGISTRIES)) writeFileSync(configPath(dir, endpoint), registryConfig(endpoint, files));
  return files;
}

function serviceProcesses(dir: string, files: RegistryFiles, binaries: Binaries): ServiceProcess[] {
  const serviceMain = path.join(SERVICES_DIR, 'service-main.ts');
  const node = (name: string, env: Record<string, string>, readyUrl: string): ServiceProcess => ({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', serviceMain, name],
    env,
    readyUrl,
  });
  return [
    node('blob-host', { BLOB_ROOT: files.sharedData }, `${BLOB_HOST.url}/_log`),
    node('token-server', { TOKEN_KEY_FILE: tokenKey(dir), TOKEN_CERT_FILE: files.tokenCert }, `${TOKEN_SERVER.url}/healthz`),
    ...Object.values(REGISTRIES).map((endpoint) => ({
      name: `registry-${endpoint.name}`,
      command: binaries['docker-registry'],
      args: ['serve', configPath(dir, endpoint)],
      readyUrl: `${endpoint.url}/v2/`,
    })),
  ];
}

function tokenKey(dir: string): string {
  return path.join(dir, 'token.key');
}

function configPath(dir: string, endpoint: RegistryEndpoint): string {
  return path.join(dir, `${endpoint.name}.yml`);
}
