/**
 * Report bodies already rendered for finished jobs. A finished job's result never changes, but reading
 * it back (a stored result of 100,000 files is tens of MB of JSON) and rendering it takes the HTTP thread
 * hundreds of milliseconds: without this, clients polling a large report in a loop (several Harbor job
 * services, dashboards, the hostile-load benchmark) stall every other request. Bounded by bytes, least
 * recently used first out; emptied when expired reports are purged, so no purged job is served.
 */
export class RenderedReports {
  readonly #bodies = new Map<string, string>();
  #bytes = 0;

  /** `maxBytes`: budget for all bodies (UTF-16, as held); a body above a quarter of it is not kept. */
  constructor(private readonly maxBytes: number) {}

  get(jobId: string, mimeType: string, query: string): string | undefined {
    const key = keyOf(jobId, mimeType, query);
    const body = this.#bodies.get(key);
    if (body === undefined) return undefined;
    this.#bodies.delete(key);
    this.#bodies.set(key, body);
    return body;
  }

  set(jobId: string, mimeType: string, query: string, body: string): void {
    const size = 2 * body.length;
    if (size > this.maxBytes / 4) return;
    const key = keyOf(jobId, mimeType, query);
    this.#drop(key);
    this.#bodies.set(key, body);
    this.#bytes += size;
    for (const oldest of this.#bodies.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
    }
  }

  clear(): void {
    this.#bodies.clear();
    this.#bytes = 0;
  }

  #drop(key: string): void {
    const body = this.#bodies.get(key);
    if (body === undefined) return;
    this.#bodies.delete(key);
    this.#bytes -= 2 * body.length;
  }
}

const keyOf = (jobId: string, mimeType: string, query: string): string => `${jobId}\n${mimeType}\n${query}`;
