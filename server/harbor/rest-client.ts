/**
 * Harbor's REST API v2.0 as the webhook mode needs it (goharbor/harbor `api/v2.0/swagger.yaml`):
 * projects → repositories → artifacts listings for the backfill, and labels (list, create, attach,
 * detach) for the outcome label. Listings are paginated with `page`/`page_size` and followed while
 * Harbor announces a `rel="next"` link (`src/server/v2.0/handler/base.go` `Links`) or `X-Total-Count`
 * says more are left.
 */
import type { z } from 'zod';
import {
  HARBOR_MAX_PAGE_SIZE,
  HarborArtifactSchema,
  HarborLabelSchema,
  HarborProjectSchema,
  HarborRepositorySchema,
  LABEL_SCOPE,
  type HarborArtifact,
  type HarborLabel,
  type HarborLabelCreate,
  type HarborProject,
  type HarborRepository,
} from '../../spec/harbor-rest.js';
import { HarborProtocolError } from '../errors/harbor-errors.js';
import type { ProxySettings } from '../config/proxy.js';
import { createDispatcher } from '../registry/dispatcher.js';
import { basicAuthorization } from '../registry/credentials.js';
import { parseLinkHeader } from '../registry/link-header.js';
import { callHarbor, type HarborCall, type HarborHttpOptions } from './http.js';

export interface HarborConnection {
  /** Harbor's external URL (`https://harbor.example.com`), the same host serves `/v2/` and `/api/v2.0`. */
  readonly url: string;
  readonly robotName: string;
  readonly robotSecret: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly caFile?: string;
  readonly insecureSkipVerify?: boolean;
  readonly proxy?: ProxySettings;
}

/** Pages followed in one listing before giving up (100 items a page: a million items). */
const MAX_PAGES = 10_000;

export class HarborRestClient {
  readonly #http: HarborHttpOptions;
  readonly #pageSize: number;

  constructor(connection: HarborConnection, options: { pageSize?: number } = {}) {
    this.#http = {
      baseUrl: new URL(connection.url),
      authorization: basicAuthorization(connection.robotName, connection.robotSecret),
      dispatcher: createDispatcher(connection),
      timeoutMs: connection.timeoutMs,
      retry: { maxRetries: connection.retries, baseDelayMs: 500, maxDelayMs: 30_000 },
    };
    this.#pageSize = Math.min(options.pageSize ?? HARBOR_MAX_PAGE_SIZE, HARBOR_MAX_PAGE_SIZE);
  }

  /** Projects the robot account can see. */
  projects(): AsyncGenerator<HarborProject> {
    return this.#list({ method: 'GET', path: '/projects', query: { with_detail: false } }, HarborProjectSchema);
  }

  repositories(project: string): AsyncGenerator<HarborRepository> {
    return this.#list({ method: 'GET', path: `/projects/${segment(project)}/repositories` }, HarborRepositorySchema);
  }

  /** Artifacts of a repository (`repository` is the full name, project included), with their tags. */
  artifacts(project: string, repository: string): AsyncGenerator<HarborArtifact> {
    return this.#list({ method: 'GET', path: artifactsPath(project, repository), query: { with_tag: true, with_accessory: false } }, HarborArtifactSchema);
  }

  async project(name: string): Promise<HarborProject> {
    const response = await callHarbor(this.#http, { method: 'GET', path: `/projects/${segment(name)}` });
    return parse(HarborProjectSchema, response.json, `GET project ${name}`);
  }

  async artifact(project: string, repository: string, reference: string): Promise<HarborArtifact> {
    const call: HarborCall = { method: 'GET', path: `${artifactsPath(project, repository)}/${segment(reference)}`, query: { with_label: true } };
    return parse(HarborArtifactSchema, (await callHarbor(this.#http, call)).json, `GET artifact ${repository}@${reference}`);
  }

  /** The label called exactly `name` in a scope; Harbor's `name` filter is a fuzzy match (`label.go`). */
  async findLabel(name: string, scope: { projectId?: number } = {}): Promise<HarborLabel | undefined> {
    const query: Record<string, string | number> =
      scope.projectId === undefined ? { scope: LABEL_SCOPE.global, name } : { scope: LABEL_SCOPE.project, project_id: scope.projectId, name };
    for await (const label of this.#list({ method: 'GET', path: '/labels', query }, HarborLabelSchema)) {
      if (label.name === name) return label;
    }
    return undefined;
  }

  /** Creates a label; returns its id from the `Location` Harbor answers (swagger `CreateLabel` 201). */
  async createLabel(label: HarborLabelCreate): Promise<number> {
    const response = await callHarbor(this.#http, { method: 'POST', path: '/labels', body: label });
    const id = Number(/\/labels\/(\d+)\/?$/.exec(response.headers.get('location') ?? '')?.[1]);
    if (!Number.isSafeInteger(id)) throw new HarborProtocolError('POST /labels', 'the 201 answer has no Location ending in the label id');
    return id;
  }

  /** Attaches a label; `already` when Harbor says it is attached (409 from the unique reference). */
  async addLabel(project: string, repository: string, reference: string, labelId: number): Promise<'added' | 'already'> {
    const path = `${artifactsPath(project, repository)}/${segment(reference)}/labels`;
    const response = await callHarbor(this.#http, { method: 'POST', path, body: { id: labelId }, tolerate: [409] });
    return response.status === 409 ? 'already' : 'added';
  }

  /** Detaches a label; a label that is not attached (404) is fine. */
  async removeLabel(project: string, repository: string, reference: string, labelId: number): Promise<void> {
    const path = `${artifactsPath(project, repository)}/${segment(reference)}/labels/${labelId}`;
    await callHarbor(this.#http, { method: 'DELETE', path, tolerate: [404] });
  }

  async close(): Promise<void> {
    await this.#http.dispatcher.close();
  }

  async *#list<S extends z.ZodType>(call: HarborCall, schema: S): AsyncGenerator<z.output<S>> {
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response = await callHarbor(this.#http, { ...call, query: { ...call.query, page, page_size: this.#pageSize } });
      const name = `${call.method} ${call.path} page ${page}`;
      if (!Array.isArray(response.json)) throw new HarborProtocolError(name, 'expected a JSON array');
      for (const item of response.json) yield parse(schema, item, name);
      if (!hasNextPage(response.headers, response.json.length, page, this.#pageSize)) return;
    }
    throw new HarborProtocolError(`${call.method} ${call.path}`, `more than ${MAX_PAGES} pages`);
  }
}

/**
 * Harbor sets `rel="next"` exactly when `page * page_size < total`; without a `Link` header (proxies may
 * drop it) `X-Total-Count` decides, and a short or empty page always ends the listing.
 */
export function hasNextPage(headers: Headers, count: number, page: number, pageSize: number): boolean {
  if (count === 0 || count < pageSize) return false;
  const link = headers.get('link');
  if (link !== null) return parseLinkHeader(link).some((l) => l.rels.includes('next'));
  const total = Number(headers.get('x-total-count'));
  return Number.isFinite(total) ? page * pageSize < total : true;
}

/**
 * `/projects/{project_name}/repositories/{repository_name}/artifacts`, where `repository_name` is the name
 * without the project, URL-encoded twice (swagger `parameters.repositoryName`: `a/b` → `a%252Fb`).
 */
function artifactsPath(project: string, repository: string): string {
  const prefix = `${project}/`;
  const name = repository.startsWith(prefix) ? repository.slice(prefix.length) : repository;
  return `/projects/${segment(project)}/repositories/${encodeURIComponent(encodeURIComponent(name))}/artifacts`;
}

/** A path segment; `:` stays as it is (an RFC 3986 `pchar`), so digests read as Harbor's UI sends them. */
function segment(value: string): string {
  return encodeURIComponent(value).replaceAll('%3A', ':');
}

function parse<S extends z.ZodType>(schema: S, value: unknown, call: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HarborProtocolError(call, `unexpected shape (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`);
  }
  return result.data;
}
