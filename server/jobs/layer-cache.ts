/**
 * Where per-layer analysis results live (issue 17 item 4): the store the deployment already has, the
 * embedded SQLite one (a sibling file of the job store under SCANNER_DATA_DIR) or, in Redis mode, Redis
 * shared by every replica. Both hold opaque values under hex keys (server/scan/layer-reuse.ts encodes
 * them) within a byte budget (SCANNER_LAYER_CACHE_BYTES), evicting the least recently used entries.
 *
 * The factory (./backend.ts createLayerResultCache) needs the serialisable Config only, so a scan running
 * in a worker thread opens its own SQLite connection or Redis client.
 */
export interface LayerResultCache {
  /** The value stored under `key`, marked as just used; undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Stores `value` under `key`, evicting the least recently used entries beyond the budget; a value over {@link maxEntryBytes} is dropped. */
  put(key: string, value: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The largest entry a budget takes: a quarter of it, so one layer never flushes the rest. */
export function maxEntryBytes(budget: number): number {
  return Math.floor(budget / 4);
}
