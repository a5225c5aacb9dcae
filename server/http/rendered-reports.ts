/**
 * Report bodies already rendered for finished jobs. A finished job's result never changes, but rendering
 * it again (a stored result of 100,000 files is tens of MB of JSON) costs the report thread hundreds of
 * milliseconds per poll: clients polling a large report in a loop (several Harbor job services,
 * dashboards, the hostile-load benchmark) would queue behind each other. Polls that arrive while a body
 * is being rendered wait for that render. Bounded by bytes, least recently used first out; emptied when
 * expired reports are purged, so no purged job is served.
 */
export class RenderedReports {
  readonly #bodies = new Map<string, Uint8Array>();
  readonly #rendering = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;

  /** `maxBytes`: budget for all bodies; a body above a quarter of it is not kept. */
  constructor(private readonly maxBytes: number) {}

  get(jobId: string, mimeType: string, query: string): Uint8Array | undefined {
    const key = keyOf(jobId, mimeType, query);
    const body = this.#bodies.get(key);
    if (body === undefined) return undefined;
    this.#bodies.delete(key);
    this.#bodies.set(key, body);
    return body;
  }

  /** The body `render` makes, or the one a render already under way for the same report makes. */
  rendered(jobId: string, mimeType: string, query: string, render: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const key = keyOf(jobId, mimeType, query);
    const running = this.#rendering.get(key);
    if (running) return running;
    const rendering = render()
      .then((body) => {
        this.#keep(key, body);
        return body;
      })
      .finally(() => this.#rendering.delete(key));
    this.#rendering.set(key, rendering);
    return rendering;
  }

  clear(): void {
    this.#bodies.clear();
    this.#bytes = 0;
  }

  #keep(key: string, body: Uint8Array): void {
    if (body.byteLength > this.maxBytes / 4) return;
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

const keyOf = (jobId: string, mimeType: string, query: string): string => `${jobId}\n${mimeType}\n${query}`;
