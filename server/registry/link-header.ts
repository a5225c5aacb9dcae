/**
 * The `Link` response header (RFC 8288) as registries and Harbor's REST API use it for pagination:
 * `<url>; rel="next"`, several links separated by commas. Harbor joins links with `" , "` and writes the
 * query unescaped (`src/lib/link.go`, `src/server/v2.0/handler/base.go` `Links`), so a URL may contain
 * commas: links are found by their angle brackets, not by splitting on commas.
 */

export interface Link {
  /** The target as written: absolute, or relative to the request URL. */
  readonly target: string;
  /** Relation types, lower-cased (`rel="next prev"` holds two). */
  readonly rels: readonly string[];
}

const LINK = /<([^>]*)>((?:\s*;\s*[a-zA-Z*][\w*-]*\s*(?:=\s*(?:"[^"]*"|[^\s;,<]*))?)*)/g;
const REL = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,<]*))/i;

/** Every link of a header value; text that is not a link is skipped. */
export function parseLinkHeader(value: string | undefined): Link[] {
  if (value === undefined) return [];
  const links: Link[] = [];
  for (const match of value.matchAll(LINK)) {
    const rel = REL.exec(match[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter((r) => r !== '');
    links.push({ target: (match[1] ?? '').trim(), rels });
  }
  return links;
}

/** The `rel="next"` target resolved against `base`; undefined when there is none or it is not a URL. */
export function nextLink(value: string | undefined, base: URL): URL | undefined {
  const next = parseLinkHeader(value).find((link) => link.rels.includes('next'));
  if (next === undefined) return undefined;
  try {
    return new URL(next.target, base);
  } catch {
    return undefined;
  }
}
