/**
 * The part of `kustomize build` that deploy/kubernetes uses, so CI can render the manifests without a
 * kustomize binary: `resources` (files and directories), `components` (Component resources and
 * patches), inline RFC 6902 `patches` with a kind/name target, `namespace` and `images`. Anything else
 * in a kustomization is refused, never ignored. Where kubectl is installed, the test compares this
 * rendering with `kubectl kustomize`.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

interface Patch {
  readonly target: { readonly kind: string; readonly name: string };
  readonly patch: string;
}

interface Kustomization {
  readonly kind?: 'Kustomization' | 'Component';
  readonly resources?: readonly string[];
  readonly components?: readonly string[];
  readonly patches?: readonly Patch[];
  readonly namespace?: string;
  readonly images?: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches', 'namespace', 'images']);

/** Renders the kustomization in `dir` (or the given one, resolved against `dir`). */
export function kustomize(dir: string, inline?: Kustomization): K8sObject[] {
  const k = inline ?? readKustomization(dir);
  let objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const file = path.resolve(dir, resource);
    objects.push(...(statSync(file).isDirectory() ? kustomize(file) : readObjects(file)));
  }
  for (const component of k.components ?? []) {
    const componentDir = path.resolve(dir, component);
    const c = readKustomization(componentDir);
    if (c.kind !== 'Component') throw new Error(`${componentDir}: not a Component`);
    objects.push(...kustomize(componentDir, { resources: c.resources ?? [] }));
    objects = applyPatches(objects, c.patches ?? []);
  }
  if (k.kind !== 'Component') objects = applyPatches(objects, k.patches ?? []);
  if (k.namespace) for (const o of objects) o.metadata.namespace = k.namespace;
  for (const image of k.images ?? []) for (const container of containersOf(objects)) container.image = retag(container.image, image);
  return objects;
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

/** RFC 6902 add, replace and remove, with RFC 6901 pointers (`~1` is `/`, `-` appends). */
function applyOperation(document: Record<string, unknown>, operation: { op: string; path: string; value?: unknown }): void {
  const tokens = operation.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop()!;
  let parent: unknown = document;
  for (const token of tokens) {
    parent = (parent as Record<string, unknown>)[token];
    if (parent === undefined || parent === null) throw new Error(`patch path ${operation.path}: ${token} does not exist`);
  }
  const value = structuredClone(operation.value);
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
