/**
 * CI lint of deploy/kubernetes without a cluster: every variant (base, each component, all together, the
 * example overlay) is rendered (./kustomize.ts), each object is validated against the Kubernetes JSON
 * schemas in ./schemas (strict: unknown fields fail), and the wiring is checked against the server
 * itself: probe paths are the server's routes, the container port is the one SCANNER_API_SERVER_ADDR
 * gives, every SCANNER_* value passes the real config loader, the pod runs non-root on a read-only root
 * file system, and referenced Secrets, ConfigMaps and claims exist. Where kubectl is installed, the
 * rendering is also compared with `kubectl kustomize`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, VARIABLES } from '../../../server/config/config.js';
import { API_ROUTES } from '../../../spec/routes.js';
import pkg from '../../../package.json' with { type: 'json' };
import { kustomize, type K8sObject } from './kustomize.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPLOY = path.join(ROOT, 'deploy/kubernetes');

/** Each way the manifests are meant to be combined, as a kustomization. */
const VARIANTS: Record<string, { resources: string[]; components?: string[] }> = {
  base: { resources: ['base'] },
  tls: { resources: ['base'], components: ['components/tls'] },
  mtls: { resources: ['base'], components: ['components/tls', 'components/mtls'] },
  persistence: { resources: ['base'], components: ['components/persistence'] },
  redis: { resources: ['base'], components: ['components/redis'] },
  'registry-ca': { resources: ['base'], components: ['components/registry-ca'] },
  proxy: { resources: ['base'], components: ['components/proxy'] },
  webhook: { resources: ['base'], components: ['components/webhook'] },
  policy: { resources: ['base'], components: ['components/policy'] },
  'everything with redis': {
    resources: ['base'],
    components: ['components/tls', 'components/mtls', 'components/redis', 'components/registry-ca', 'components/proxy', 'components/webhook', 'components/policy'],
  },
  'everything with persistence': {
    resources: ['base'],
    components: ['components/tls', 'components/persistence', 'components/registry-ca', 'components/proxy', 'components/webhook', 'components/policy'],
  },
  example: { resources: ['overlays/example'] },
};

/**
 * What the operator creates (by hand, cert-manager, trust-manager or a secret manager), documented in
 * deploy/kubernetes/README.md. The manifests never ship a Secret: `kubectl apply -k` would overwrite the
 * real one with empty values.
 */
const EXTERNAL_SECRETS = new Set(['harbor-scanner-models', 'harbor-scanner-models-redis', 'harbor-scanner-models-webhook', 'harbor-scanner-models-tls']);
const EXTERNAL_CONFIGMAPS = new Set(['harbor-scanner-models-registry-ca']);

/** Values standing in for the entries of those Secrets, to run the config loader. */
const TEST_SECRET_VALUES: Record<string, string> = {
  'api-key': 'test-api-key',
  'store-key': Buffer.alloc(32, 7).toString('base64'),
  url: 'redis://redis.example:6379/0',
  'robot-name': 'robot$scanner',
  'robot-secret': 'test-robot-secret',
  'auth-header': 'Bearer test-webhook',
};

/** Variables the scanner reads besides its own SCANNER_* table (server/config/proxy.ts). */
const PROXY_VARIABLES = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']);

const probePath = (id: 'getHealthy' | 'getReady') => API_ROUTES.find((r) => r.operationId === id)!.path;

function writeVariant(variant: (typeof VARIANTS)[string]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kustomize-'));
  // Relative: kustomize refuses absolute directory paths.
  const relative = (list: string[] = []) => list.map((p) => path.relative(dir, path.join(DEPLOY, p)));
  writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: relative(variant.resources), components: relative(variant.components) }),
  );
  return dir;
}

const schema = JSON.parse(readFileSync(path.join(ROOT, 'test/unit/deploy/schemas/kubernetes-1.30-subset.json'), 'utf8')) as { $id: string };
// strictRequired off: the Probe and Volume "exactly one of" rules name properties declared beside them.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
ajv.addSchema(schema);

function validate(object: K8sObject): string[] {
  const check = ajv.getSchema(`${schema.$id}#/definitions/${object.kind}`);
  if (!check) return [`no schema for kind ${object.kind}`];
  return check(object) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

// Shapes used by the structural checks (the schema has already vouched for them).
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number; scheme?: string };
  tcpSocket?: { port: string | number };
}
interface Deployment extends K8sObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { type: string };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        securityContext: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
        containers: Container[];
        volumes: { name: string; emptyDir?: object; secret?: { secretName: string }; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
      };
    };
  };
}
interface Service extends K8sObject {
  spec: { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] };
}

function one<T extends K8sObject>(objects: readonly K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0] as T;
}

function stringDataOf(objects: readonly K8sObject[], kind: 'Secret' | 'ConfigMap', name: string): Record<string, string> | undefined {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name) as { stringData?: Record<string, string>; data?: Record<string, string> } | undefined;
  return object && (kind === 'Secret' ? object.stringData : object.data);
}

/** The container's environment as the kubelet would build it (ConfigMaps, then `env`, secrets substituted). */
function environmentOf(objects: readonly K8sObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const data = stringDataOf(objects, 'ConfigMap', source.configMapRef!.name);
    expect(data, `ConfigMap ${source.configMapRef!.name}`).toBeDefined();
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (!ref) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    expect(EXTERNAL_SECRETS.has(ref.name), `Secret ${ref.name} referenced by ${variable.name} is documented`).toBe(true);
    expect(Object.keys(TEST_SECRET_VALUES), `key ${ref.key} of Secret ${ref.name}`).toContain(ref.key);
    env[variable.name] = TEST_SECRET_VALUES[ref.key]!;
  }
  return env;
}

/** The environment with each file a ConfigMap volume provides written out, so the config loader can read it. */
function withMountedFiles(objects: readonly K8sObject[], pod: Deployment['spec']['template'], container: Container, env: Record<string, string>): Record<string, string> {
  const resolved = { ...env };
  for (const [name, file] of Object.entries(env)) {
    const mount = container.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    const configMap = pod.spec.volumes.find((v) => v.name === mount?.name)?.configMap?.name;
    const data = configMap === undefined ? undefined : stringDataOf(objects, 'ConfigMap', configMap);
    const content = data?.[path.basename(file)];
    if (content === undefined) continue;
    const local = path.join(mkdtempSync(path.join(tmpdir(), 'mounted-')), path.basename(file));
    writeFileSync(local, content);
    resolved[name] = local;
  }
  return resolved;
}

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe.each(Object.entries(VARIANTS))('deploy/kubernetes variant %s', (_name, variant) => {
  const objects = kustomize(writeVariant(variant));
  const deployment = one<Deployment>(objects, 'Deployment', 'harbor-scanner-models');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0]!;
  const env = environmentOf(objects, container);
  const configEnv = withMountedFiles(objects, pod, container, env);

  it('should validate every object against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const object of objects) expect(validate(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
  });

  it('should only set variables the scanner knows, with values its config loader accepts', () => {
    const unknown = Object.keys(env).filter((name) => !(name in VARIABLES) && !PROXY_VARIABLES.has(name));
    expect(unknown).toEqual([]);
    const config = loadConfig(configEnv);
    const port = container.ports.find((p) => p.name === 'api')!;
    expect(port.containerPort).toBe(config.api.port);
    expect(config.apiAuth.credentials.mode).not.toBe('none');
  });

  it('should probe the server\'s own health routes on the API port, over TLS when TLS is on', () => {
    const tls = env['SCANNER_API_SERVER_TLS_CERTIFICATE'] !== undefined;
    const mutualTls = env['SCANNER_API_SERVER_CLIENT_CAS'] !== undefined;
    const probes = [
      [container.livenessProbe, probePath('getHealthy')],
      [container.readinessProbe, probePath('getReady')],
    ] as const;
    for (const [probe, route] of probes) {
      // Kubelet cannot present a client certificate: under mTLS only a TCP check can pass.
      if (mutualTls) {
        expect(probe.tcpSocket?.port).toBe('api');
        continue;
      }
      expect(probe.httpGet).toMatchObject({ path: route, port: 'api', scheme: tls ? 'HTTPS' : 'HTTP' });
    }
    expect(pod.metadata.annotations?.['prometheus.io/port']).toBe(String(container.ports[0]!.containerPort));
    expect(pod.metadata.annotations?.['prometheus.io/scheme']).toBe(tls ? 'https' : 'http');
  });

  it('should run as a non-root user with a read-only root file system and no capabilities', () => {
    const podSecurity = pod.spec.securityContext;
    expect(podSecurity.runAsNonRoot).toBe(true);
    expect(podSecurity.runAsUser).toBeGreaterThan(0);
    expect(podSecurity.seccompProfile?.type).toBe('RuntimeDefault');
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(container.securityContext.capabilities?.drop).toEqual(['ALL']);
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits?.['memory']).toEqual(expect.any(String));
  });

  it('should give the data directory and /tmp writable volumes, and every volume a source that exists', () => {
    const writable = (mountPath: string) => {
      const mount = container.volumeMounts.find((m) => m.mountPath === mountPath);
      const volume = pod.spec.volumes.find((v) => v.name === mount?.name);
      return mount?.readOnly !== true && (volume?.emptyDir !== undefined || volume?.persistentVolumeClaim !== undefined);
    };
    expect(writable(loadConfig(configEnv).dataDir)).toBe(true);
    expect(writable('/tmp')).toBe(true);
    for (const volume of pod.spec.volumes) {
      if (volume.secret) expect(EXTERNAL_SECRETS.has(volume.secret.secretName), volume.secret.secretName).toBe(true);
      if (volume.configMap && !EXTERNAL_CONFIGMAPS.has(volume.configMap.name)) one(objects, 'ConfigMap', volume.configMap.name);
      if (volume.persistentVolumeClaim) one(objects, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName);
    }
    const files = ['SCANNER_API_SERVER_TLS_CERTIFICATE', 'SCANNER_API_SERVER_TLS_KEY', 'SCANNER_API_SERVER_CLIENT_CAS', 'SCANNER_REGISTRY_CA_FILE', 'SCANNER_POLICY_FILE'];
    for (const file of files.map((name) => env[name])) {
      if (file === undefined) continue;
      expect(container.volumeMounts.some((m) => m.readOnly === true && file.startsWith(`${m.mountPath}/`)), file).toBe(true);
    }
  });

  it('should route the Service to the pods and their API port', () => {
    const service = one<Service>(objects, 'Service', 'harbor-scanner-models');
    expect(pod.metadata.labels).toMatchObject(service.spec.selector);
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(container.ports.map((p) => p.name)).toContain(service.spec.ports[0]!.targetPort);
    expect(service.spec.ports[0]!.port).toBe(container.ports[0]!.containerPort);
  });

  it('should run several replicas only with a store they share, and one pod at a time on a ReadWriteOnce volume', () => {
    if (deployment.spec.replicas > 1) expect(env['SCANNER_REDIS_URL']).toBeTruthy();
    if (pod.spec.volumes.some((v) => v.persistentVolumeClaim)) {
      expect(deployment.spec.strategy?.type).toBe('Recreate');
      expect(deployment.spec.replicas).toBe(1);
    }
  });

  it('should ship no Secret, so applying never overwrites the operator\'s keys', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('should name every generated ConfigMap by its content, and point the pod at those names', () => {
    for (const configMap of objects.filter((o) => o.kind === 'ConfigMap')) expect(configMap.metadata.name).toMatch(/-[a-z0-9]{10}$/);
    for (const source of container.envFrom ?? []) one(objects, 'ConfigMap', source.configMapRef!.name);
  });

  it.skipIf(!kubectlAvailable)('should render exactly as kubectl kustomize does', () => {
    const output = execFileSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', writeVariant(variant)], { encoding: 'utf8' });
    const theirs = parseAllDocuments(output).map((d) => d.toJS() as K8sObject);
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    const sorted = (list: K8sObject[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(objects)).toEqual(sorted(theirs));
  });
});

describe('deploy/kubernetes guards', () => {
  // Two replicas (redis) on one ReadWriteOnce claim (persistence) would leave one pod pending forever.
  it.each([
    [['components/persistence', 'components/redis']],
    [['components/redis', 'components/persistence']],
  ])('should refuse to render %j together', (components) => {
    const dir = writeVariant({ resources: ['base'], components });
    expect(() => kustomize(dir)).toThrow(/patch test .* failed/);
    if (kubectlAvailable) expect(spawnSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir]).status).not.toBe(0);
  });

  it('should change the ConfigMap name when a setting changes, so the pods roll', () => {
    const name = (objects: K8sObject[]) => objects.find((o) => o.kind === 'ConfigMap')!.metadata.name;
    const dir = mkdtempSync(path.join(tmpdir(), 'kustomize-'));
    writeFileSync(path.join(dir, 'scanner.env'), `${readFileSync(path.join(DEPLOY, 'base/scanner.env'), 'utf8')}SCANNER_LOG_LEVEL=debug\n`);
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      stringify({ resources: [path.relative(dir, path.join(DEPLOY, 'base/deployment.yaml'))], configMapGenerator: [{ name: 'harbor-scanner-models', envs: ['scanner.env'] }] }),
    );
    const changed = kustomize(dir);
    expect(name(changed)).not.toBe(name(kustomize(path.join(DEPLOY, 'base'))));
    const deployment = changed.find((o) => o.kind === 'Deployment') as unknown as Deployment;
    expect(deployment.spec.template.spec.containers[0]!.envFrom![0]!.configMapRef!.name).toBe(name(changed));
  });
});

describe('deploy/kubernetes base', () => {
  it('should deploy the image of this version', () => {
    const container = one<Deployment>(kustomize(path.join(DEPLOY, 'base')), 'Deployment').spec.template.spec.containers[0]!;
    expect(container.image).toBe(`harbor-scanner-models:${pkg.version}`);
  });

  const spoilers: [string, (d: Deployment) => void, RegExp][] = [
    ['a misspelled field', (d) => void ((d.spec.template.spec.containers[0] as unknown as Record<string, unknown>)['readinesProbe'] = {}), /must NOT have additional properties/],
    ['a probe port that is not a port', (d) => void (d.spec.template.spec.containers[0]!.livenessProbe.httpGet!.port = 70000), /must be <= 65535/],
    ['a bad quantity', (d) => void (d.spec.template.spec.containers[0]!.resources.limits!['memory'] = '2 GB'), /must match pattern/],
  ];
  it.each(spoilers)('should fail schema validation for %s', (_name, spoil, message) => {
    const deployment = structuredClone(one<Deployment>(kustomize(path.join(DEPLOY, 'base')), 'Deployment'));
    spoil(deployment);
    expect(validate(deployment).join('\n')).toMatch(message);
  });
});
