/**
 * Report bodies already rendered for finished jobs. A finished job's result never changes, but rendering
 * it again (a stored result of 100,000 files is tens of MB of JSON) costs the report thread hundreds of
 * milliseconds per poll: clients polling a large report in a loop (several Harbor job services,
 * dashboards, the hostile-load benchmark) would queue behind each other. Polls that arrive while a body
 * is being rendered share that render, and wait for it only briefly: the API answers "not ready" (302,
 * Harbor polls again) rather than hold a request for a long render. Bounded by bytes, least recently used
 * first out; emptied when expired reports are purged, so no purged job is served.
 */
export class RenderedReports {
  readonly #bodies = new Map<string, Uint8Array>();
  readonly #rendering = new Map<string, Rendering>();
  /** Reports whose body did not fit the budget: the next request waits for its render. */
  readonly #tooLarge = new Set<string>();
  #bytes = 0;

  /** `maxBytes`: budget for all bodies; a body already served is not kept above a quarter of it. */
  constructor(private readonly maxBytes: number) {}

  get(jobId: string, mimeType: string, query: string): Uint8Array | undefined {
    const key = keyOf(jobId, mimeType, query);
    const body = this.#bodies.get(key);
    if (body === undefined) return undefined;
    this.#bodies.delete(key);
    this.#bodies.set(key, body);
    return body;
  }

  /**
   * The body `render` makes (or the render already under way for the same report makes) if it is ready
   * within `waitMs`; otherwise undefined, and the body is kept for the next request when it comes. A body
   * too large to keep is waited for in full the next time, so every report is served eventually.
   */
  async rendered(jobId: string, mimeType: string, query: string, render: () => Promise<Uint8Array>, waitMs: number): Promise<Uint8Array | undefined> {
    const key = keyOf(jobId, mimeType, query);
    let running = this.#rendering.get(key);
    if (!running) {
      const entry: Rendering = { body: render(), waiting: 0 };
      // Runs before any waiter resumes: `waiting` counts those who will receive this body.
      entry.body
        .then((body) => this.#keep(key, body, entry.waiting > 0), () => undefined)
        .finally(() => this.#rendering.delete(key));
      this.#rendering.set(key, entry);
      running = entry;
    }
    const entry = running;
    const wait = this.#tooLarge.has(key) ? Number.POSITIVE_INFINITY : waitMs;
    entry.waiting++;
    const body = await (wait === Number.POSITIVE_INFINITY ? entry.body : Promise.race([entry.body, sleep(wait)]));
    if (!body) entry.waiting--;
    return body;
  }

  clear(): void {
    this.#bodies.clear();
    this.#tooLarge.clear();
    this.#bytes = 0;
  }

  /** A body nobody has received yet is kept if it fits at all; one already served only within a quarter. */
  #keep(key: string, body: Uint8Array, served: boolean): void {
    if (body.byteLength > (served ? this.maxBytes / 4 : this.maxBytes)) {
      if (!served) this.#tooLarge.add(key);
      return;
    }
    this.#tooLarge.delete(key);
    this.#drop(key);
    this.#bodies.set(key, body);
    this.#bytes += body.byteLength;
    for (const oldest of this.#bodies.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
    }
  }

  #drop(key: string): void {
    const body = this.#bodies.get(key);
    if (body === undefined) return;
    this.#bodies.delete(key);
    this.#bytes -= body.byteLength;
  }
}

interface Rendering {
  readonly body: Promise<Uint8Array>;
  /** Requests waiting for this body now (not those told to come back). */
  waiting: number;
}

const sleep = (ms: number): Promise<undefined> => new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());

const keyOf = (jobId: string, mimeType: string, query: string): string => `${jobId}\n${mimeType}\n${query}`;
