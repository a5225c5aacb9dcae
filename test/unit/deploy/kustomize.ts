/**
 * The part of `kustomize build` that deploy/kubernetes uses, so CI can render the manifests without a
 * kustomize binary: `resources` (files and directories), `components` (Component resources, generators
 * and patches), `configMapGenerator` (envs, files, literals; labels; the content-hash name suffix and the
 * references to it), inline RFC 6902 `patches` (add, replace, remove, test) with a kind/name target,
 * `namespace` and `images`. Anything else in a kustomization is refused, never ignored. Where kubectl is
 * installed, the test compares this rendering with `kubectl kustomize`.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

interface Patch {
  readonly target: { readonly kind: string; readonly name: string };
  readonly patch: string;
}

interface ConfigMapGenerator {
  readonly name: string;
  readonly envs?: readonly string[];
  readonly files?: readonly string[];
  readonly literals?: readonly string[];
  readonly options?: { readonly labels?: Record<string, string> };
}

interface Kustomization {
  readonly kind?: 'Kustomization' | 'Component';
  readonly resources?: readonly string[];
  readonly components?: readonly string[];
  readonly configMapGenerator?: readonly ConfigMapGenerator[];
  readonly patches?: readonly Patch[];
  readonly namespace?: string;
  readonly images?: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components', 'configMapGenerator', 'patches', 'namespace', 'images']);

/** Renders the kustomization in `dir`, generated names suffixed and referenced as kustomize does. */
export function kustomize(dir: string): K8sObject[] {
  const { objects, renamed } = accumulate(dir);
  renameReferences(objects, renamed);
  return objects;
}

interface Accumulated {
  objects: K8sObject[];
  /** Generated ConfigMaps: name in the manifests → name with its content hash. */
  renamed: Map<string, string>;
}

function accumulate(dir: string, inline?: Kustomization): Accumulated {
  const k = inline ?? readKustomization(dir);
  let objects: K8sObject[] = [];
  const renamed = new Map<string, string>();
  const add = (part: Accumulated) => {
    objects.push(...part.objects);
    for (const [from, to] of part.renamed) renamed.set(from, to);
  };
  for (const resource of k.resources ?? []) {
    const file = path.resolve(dir, resource);
    add(statSync(file).isDirectory() ? accumulate(file) : { objects: readObjects(file), renamed: new Map() });
  }
  add(generate(dir, k.configMapGenerator ?? []));
  for (const component of k.components ?? []) {
    const componentDir = path.resolve(dir, component);
    const c = readKustomization(componentDir);
    if (c.kind !== 'Component') throw new Error(`${componentDir}: not a Component`);
    add(accumulate(componentDir, { resources: c.resources ?? [], configMapGenerator: c.configMapGenerator ?? [] }));
    objects = applyPatches(objects, c.patches ?? []);
  }
  if (k.kind !== 'Component') objects = applyPatches(objects, k.patches ?? []);
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  for (const image of k.images ?? []) for (const container of containersOf(objects)) container.image = retag(container.image, image);
  return { objects, renamed };
}

/** ConfigMaps from env files, files and literals, named `<name>-<hash>` (kustomize api/hasher). */
function generate(dir: string, generators: readonly ConfigMapGenerator[]): Accumulated {
  const objects: K8sObject[] = [];
  const renamed = new Map<string, string>();
  for (const generator of generators) {
    const data: Record<string, string> = {};
    for (const file of generator.envs ?? []) Object.assign(data, envFile(readFileSync(path.resolve(dir, file), 'utf8')));
    for (const file of generator.files ?? []) data[path.basename(file)] = readFileSync(path.resolve(dir, file), 'utf8');
    for (const literal of generator.literals ?? []) Object.assign(data, envFile(literal));
    const sorted = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]!]));
    const name = `${generator.name}-${configMapHash(sorted)}`;
    renamed.set(generator.name, name);
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(generator.options?.labels ? { labels: generator.options.labels } : {}) }, data: sorted });
  }
  return { objects, renamed };
}

/** kustomize's env-file reading (api/kv): leading blanks dropped, `#` comments, KEY=VALUE split at the first `=`. */
function envFile(content: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const raw of content.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`env line without KEY=VALUE: ${line}`);
    pairs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return pairs;
}

/**
 * kustomize's name suffix: SHA-256 of `{"data":…,"kind":"ConfigMap","name":""}` (Go's json.Marshal,
 * keys sorted; the name is not set yet when it hashes), its first ten hex digits with 0 1 3 a e spelled
 * g h k m t so the suffix never reads as a word.
 */
function configMapHash(data: Record<string, string>): string {
  const hex = createHash('sha256').update(JSON.stringify({ data, kind: 'ConfigMap', name: '' })).digest('hex');
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c]!);
}

/** Points ConfigMap references of pod templates at the generated names (kustomize's nameReference). */
function renameReferences(objects: readonly K8sObject[], renamed: ReadonlyMap<string, string>): void {
  const rename = (ref: { name?: string } | undefined) => {
    if (ref?.name !== undefined && renamed.has(ref.name)) ref.name = renamed.get(ref.name)!;
  };
  for (const o of objects.filter((x) => x.kind === 'Deployment')) {
    const pod = (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    for (const volume of pod.volumes ?? []) rename(volume.configMap);
    for (const container of pod.containers) {
      for (const source of container.envFrom ?? []) rename(source.configMapRef);
      for (const variable of container.env ?? []) rename(variable.valueFrom?.configMapKeyRef);
    }
  }
}

interface PodSpec {
  volumes?: { configMap?: { name: string } }[];
  containers: { envFrom?: { configMapRef?: { name: string } }[]; env?: { valueFrom?: { configMapKeyRef?: { name: string } } }[] }[];
}

function readKustomization(dir: string): Kustomization {
  const k = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${dir}/kustomization.yaml: unsupported fields ${unsupported.join(', ')}`);
  return k as Kustomization;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return doc.toJS() as K8sObject;
  });
}

function applyPatches(objects: K8sObject[], patches: readonly Patch[]): K8sObject[] {
  for (const { target, patch } of patches) {
    const matching = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name);
    if (matching.length !== 1) throw new Error(`patch target ${target.kind}/${target.name} matched ${matching.length} objects`);
    for (const op of parse(patch) as { op: string; path: string; value?: unknown }[]) applyOperation(matching[0]!, op);
  }
  return objects;
}

/** RFC 6902 add, replace, remove and test, with RFC 6901 pointers (`~1` is `/`, `-` appends). */
function applyOperation(document: Record<string, unknown>, operation: { op: string; path: string; value?: unknown }): void {
  const tokens = operation.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop()!;
  let parent: unknown = document;
  for (const token of tokens) {
    parent = (parent as Record<string, unknown>)[token];
    if (parent === undefined || parent === null) throw new Error(`patch path ${operation.path}: ${token} does not exist`);
  }
  const value = structuredClone(operation.value);
  if (operation.op === 'test') {
    const actual = Array.isArray(parent) ? parent[Number(last)] : (parent as Record<string, unknown>)[last];
    if (!isDeepStrictEqual(actual, value)) throw new Error(`patch test ${operation.path} failed`);
    return;
  }
  if (Array.isArray(parent)) {
    const container: unknown[] = parent;
    const index = last === '-' ? container.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > container.length) throw new Error(`patch path ${operation.path}: bad index`);
    if (operation.op === 'add') container.splice(index, 0, value);
    else if (operation.op === 'replace' && index < container.length) container[index] = value;
    else if (operation.op === 'remove' && index < container.length) container.splice(index, 1);
    else throw new Error(`patch ${operation.op} ${operation.path}: not applicable`);
    return;
  }
  const container = parent as Record<string, unknown>;
  if ((operation.op === 'replace' || operation.op === 'remove') && !(last in container))
    throw new Error(`patch ${operation.op} ${operation.path}: ${last} does not exist`);
  if (operation.op === 'add' || operation.op === 'replace') container[last] = value;
  else if (operation.op === 'remove') delete container[last];
  else throw new Error(`patch op ${operation.op} is not supported`);
}

function containersOf(objects: readonly K8sObject[]): { image: string }[] {
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap((o) => (o as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers);
}

function retag(image: string, rule: { name: string; newName?: string; newTag?: string }): string {
  const colon = image.lastIndexOf(':');
  const [name, tag] = colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
  if (name !== rule.name) return image;
  const newTag = rule.newTag ?? tag;
  return `${rule.newName ?? name}${newTag ? `:${newTag}` : ''}`;
}
