/** At most `concurrency` tasks at once; `acquire` waits for a free slot (back-pressure for a producer). */
export class ConcurrencyLimiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  /** Resolves once a slot is free; the caller must `release()` it. */
  acquire(): Promise<void> {
    if (this.#running < this.concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }

  /** Runs `task` in a slot. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Resolves when no task holds a slot. */
  async idle(): Promise<void> {
    for (let i = 0; i < this.concurrency; i++) await this.acquire();
    for (let i = 0; i < this.concurrency; i++) this.release();
  }
}
