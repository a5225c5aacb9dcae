/**
 * Harbor's REST API v2.0 as far as the webhook mode uses it, answering the way goharbor/harbor does
 * (`api/v2.0/swagger.yaml`, handlers in `src/server/v2.0/handler/`): robot Basic auth, `page`/`page_size`
 * (default 10, maximum 100) with `X-Total-Count` and Harbor's `Link` header (`base.go` `Links`: the
 * request path with an unescaped query, links joined by " , "), repository names URL-encoded twice in
 * paths, the `Errors` envelope, `name` on `/labels` matched fuzzily (`label.go`), 201 + `Location` on
 * label creation, 409 when a label is already attached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HarborArtifactRecord, HarborLabelRecord, HarborState } from './state.js';

export interface RestApiOptions {
  readonly state: HarborState;
  readonly robot: { readonly username: string; readonly password: string };
  /** A project robot account cannot create global labels (system `label` permission): 403. */
  readonly canCreateGlobalLabels: boolean;
}

const API = '/api/v2.0';

export function handleRestApi(options: RestApiOptions, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const expected = `Basic ${Buffer.from(`${options.robot.username}:${options.robot.password}`).toString('base64')}`;
  if (req.headers.authorization !== expected) return sendErrors(res, 401, 'UNAUTHORIZED', 'unauthorized');
  const url = new URL(req.url ?? '/', 'http://harbor');
  const rawPath = (req.url ?? '/').split('?')[0]!.slice(API.length);
  const segments = rawPath.split('/').filter((s) => s !== '');
  const { state } = options;
  const method = req.method ?? 'GET';

  if (method === 'GET' && rawPath === '/projects') {
    const projects = [...state.projects].sort(([a], [b]) => a.localeCompare(b)).map(([name, id]) => ({ project_id: id, name, repo_count: state.repositories(name).length }));
    return sendPage(req, res, url, projects);
  }
  if (method === 'GET' && rawPath === '/labels') return listLabels(state, req, res, url);
  if (method === 'POST' && rawPath === '/labels') return createLabel(options, res, body);
  if (segments[0] !== 'projects' || segments[1] === undefined) return sendErrors(res, 404, 'NOT_FOUND', `no route ${method} ${rawPath}`);

  const project = decodeURIComponent(segments[1]);
  const projectId = state.projects.get(project);
  if (projectId === undefined) return sendErrors(res, 404, 'NOT_FOUND', `project ${project} not found`);
  if (segments.length === 2 && method === 'GET') return sendJson(res, 200, { project_id: projectId, name: project });
  if (segments[2] !== 'repositories') return sendErrors(res, 404, 'NOT_FOUND', `no route ${method} ${rawPath}`);
  if (segments.length === 3 && method === 'GET') {
    const repositories = state.repositories(project).map((name) => ({ name, project_id: projectId, artifact_count: state.artifacts.filter((a) => a.repository === name).length }));
    return sendPage(req, res, url, repositories);
  }
  // swagger `repositoryName`: "encode it twice over"; one decoding must still leave the slash encoded.
  const once = decodeURIComponent(segments[3] ?? '');
  if (once.includes('/')) return sendErrors(res, 404, 'NOT_FOUND', 'repository name with a slash must be URL-encoded twice');
  const repository = `${project}/${decodeURIComponent(once)}`;
  if (segments[4] !== 'artifacts') return sendErrors(res, 404, 'NOT_FOUND', `no route ${method} ${rawPath}`);
  if (segments.length === 5 && method === 'GET') {
    const artifacts = state.artifacts.filter((a) => a.repository === repository).map((a) => artifactJson(state, a, url));
    return sendPage(req, res, url, artifacts);
  }
  const artifact = state.artifact(repository, decodeURIComponent(segments[5] ?? ''));
  if (!artifact) return sendErrors(res, 404, 'NOT_FOUND', `artifact ${repository}@${segments[5]} not found`);
  if (segments.length === 6 && method === 'GET') return sendJson(res, 200, artifactJson(state, artifact, url));
  if (segments[6] === 'labels' && segments.length === 7 && method === 'POST') return addLabel(state, res, artifact, projectId, body);
  if (segments[6] === 'labels' && segments.length === 8 && method === 'DELETE') {
    if (!artifact.labelIds.delete(Number(segments[7]))) return sendErrors(res, 404, 'NOT_FOUND', `label ${segments[7]} is not added to the artifact`);
    return sendJson(res, 200, {});
  }
  sendErrors(res, 404, 'NOT_FOUND', `no route ${method} ${rawPath}`);
}

function artifactJson(state: HarborState, artifact: HarborArtifactRecord, url: URL): Record<string, unknown> {
  return {
    id: artifact.id,
    type: artifact.type,
    media_type: artifact.mediaType,
    manifest_media_type: artifact.manifestMediaType,
    artifact_type: artifact.artifactType,
    project_id: state.projects.get(artifact.repository.slice(0, artifact.repository.indexOf('/'))),
    repository_name: artifact.repository,
    digest: artifact.digest,
    size: 0,
    tags: url.searchParams.get('with_tag') === 'false' ? null : artifact.tags.map((name) => ({ name })),
    labels: url.searchParams.get('with_label') === 'true' ? state.labels.filter((l) => artifact.labelIds.has(l.id)) : null,
    accessories: url.searchParams.get('with_accessory') === 'true' ? artifact.accessories : null,
  };
}

function listLabels(state: HarborState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const scope = url.searchParams.get('scope');
  if (scope !== 'g' && scope !== 'p') return sendErrors(res, 400, 'BAD_REQUEST', `invalid scope: ${scope}`);
  const projectId = Number(url.searchParams.get('project_id'));
  if (scope === 'p' && !(projectId > 0)) return sendErrors(res, 400, 'BAD_REQUEST', 'project_id is required for scope p');
  const name = url.searchParams.get('name') ?? '';
  const labels = state.labels.filter((l) => l.scope === scope && (scope === 'g' || l.project_id === projectId) && l.name.includes(name));
  sendPage(req, res, url, labels);
}

function createLabel(options: RestApiOptions, res: ServerResponse, body: Buffer): void {
  const label = JSON.parse(body.toString('utf8') || '{}') as Partial<HarborLabelRecord>;
  if (typeof label.name !== 'string' || label.name.length === 0 || label.name.length > 128) return sendErrors(res, 400, 'BAD_REQUEST', 'invalid name');
  if (label.scope !== 'g' && label.scope !== 'p') return sendErrors(res, 400, 'BAD_REQUEST', `invalid: ${label.scope}`);
  if (label.scope === 'g' && !options.canCreateGlobalLabels) return sendErrors(res, 403, 'FORBIDDEN', 'forbidden');
  const projectId = label.scope === 'g' ? 0 : (label.project_id ?? 0);
  if (label.scope === 'p' && !(projectId > 0)) return sendErrors(res, 400, 'BAD_REQUEST', `invalid: ${projectId}`);
  if (options.state.labels.some((l) => l.name === label.name && l.scope === label.scope && l.project_id === projectId))
    return sendErrors(res, 409, 'CONFLICT', `label ${label.name} already exists`);
  const created = options.state.createLabel({ name: label.name, description: label.description ?? '', color: label.color ?? '', scope: label.scope, project_id: projectId });
  res.writeHead(201, { location: `${API}/labels/${created.id}`, 'content-length': '0' }).end();
}

function addLabel(state: HarborState, res: ServerResponse, artifact: HarborArtifactRecord, projectId: number, body: Buffer): void {
  const { id } = JSON.parse(body.toString('utf8') || '{}') as { id?: number };
  const label = state.labels.find((l) => l.id === id);
  // `RequireLabelInProject`: a global label, or one of this project.
  if (!label || (label.scope === 'p' && label.project_id !== projectId)) return sendErrors(res, 404, 'NOT_FOUND', `label ${id} not found`);
  if (artifact.labelIds.has(label.id)) return sendErrors(res, 409, 'CONFLICT', `label ${label.id} is already added to the artifact`);
  artifact.labelIds.add(label.id);
  sendJson(res, 200, {});
}

/** One page of `items` with Harbor's headers. */
function sendPage(req: IncomingMessage, res: ServerResponse, url: URL, items: readonly unknown[]): void {
  const page = Number(url.searchParams.get('page') ?? '1');
  const pageSize = Number(url.searchParams.get('page_size') ?? '10');
  if (!(page >= 1) || !(pageSize >= 1) || pageSize > 100) return sendErrors(res, 422, 'UNPROCESSABLE_ENTITY', 'page_size in query should be less than or equal to 100');
  const total = items.length;
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams(url.search);
    query.set('page', String(n));
    query.set('page_size', String(pageSize));
    return `<${(req.url ?? '').split('?')[0]}?${decodeURIComponent(query.toString())}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 && (page - 1) * pageSize < total ? [link(page - 1, 'prev')] : []),
    ...(pageSize * page < total ? [link(page + 1, 'next')] : []),
  ];
  const headers: Record<string, string> = { 'x-total-count': String(total) };
  if (links.length > 0) headers['link'] = links.join(' , ');
  sendJson(res, 200, items.slice((page - 1) * pageSize, page * pageSize), headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function sendErrors(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ code, message }] });
}
