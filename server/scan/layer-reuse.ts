/**
 * Layer-level reuse (issue 17 item 4). Per-file analyses are cached per layer blob: a layer read to its
 * end and verified is recorded (every entry in order, each regular file with its format, findings and
 * facts) under its digest and the engine fingerprint (rule-set version, policy, limits), in the store the
 * deployment already has (server/jobs/layer-cache.ts). A later scan of any artifact, tag, repository or
 * replica holding that layer replays the recording instead of fetching the blob, once a `HEAD` of the
 * blob with the job's own credentials answered 200. The checks that span files (licence conclusions, the
 * manifest analyzer's layer walk and config checks) are not cached: each scan recomputes them from the
 * replayed and fresh per-file results, so a replayed scan reports what a cold one does.
 *
 * What is never recorded: layers read by Range without SCANNER_VERIFY_BLOBS (bytes not checked against the
 * digest), inline descriptor data, layers that ended in an error, layers of a scan a transport failure
 * touched (the scan fails before the layer completes: ./transport-watch.ts), and layers where an analysis
 * hit the per-file time limit (a matter of load, not content). A limit or analysis failure that the bytes
 * cause is content and is recorded like any finding.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ENGINE_RULES } from '../../analyzers/engine-rules.js';
import type { LayerEncoding } from '../artifact/media-types.js';
import type {
  FileAnalysis,
  LayerIdentity,
  LayerReading,
  LayerRecording,
  LayerReuse,
  RecordedEntry,
} from '../artifact/types.js';
import type { LayerResultCache } from '../jobs/layer-cache.js';
import type { RegistryLogger } from '../registry/types.js';

/** Bumped when the recorded form changes: older entries are then never read. */
const FORMAT = 1;

const ENCODINGS: ReadonlySet<LayerEncoding> = new Set(['raw', 'tar', 'tar+gzip', 'tar+zstd']);

/** Where recordings are kept, and which engine made them. */
export interface LayerResults {
  readonly cache: LayerResultCache;
  /** `analysisFingerprint()` of the engine (./analysis-key.ts): another rule set or policy never reuses a recording. */
  readonly fingerprint: string;
}

export interface ReuseAccess {
  /** Whether the job's own credentials may read the blob (`HEAD` answered 200); throwing counts as no. */
  canRead(digest: string): Promise<boolean>;
  readonly signal?: AbortSignal;
  readonly logger?: RegistryLogger;
}

/** What one scan did with the cache. */
export interface ReuseCounts {
  /** Layers replayed instead of read. */
  reused: number;
  /** Their compressed sizes: bytes not fetched. */
  bytesNotFetched: number;
  /** Layers recorded for later scans. */
  recorded: number;
}

/** The key of a layer's recording (hex). */
export function layerResultKey(fingerprint: string, layer: LayerIdentity): string {
  const { descriptor, encoding } = layer.plan;
  // A layer declared raw is read as one file named by the manifest; others are sniffed, and their file
  // names come from the archive (a tar that turns out raw is checked against its recorded name on replay).
  const declaredRaw = encoding === 'raw';
  const identity = [FORMAT, fingerprint, descriptor.digest, descriptor.size, declaredRaw, layer.diffId ?? ''];
  if (declaredRaw) identity.push(layer.rawPath, descriptor.mediaType);
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The reuse of one scan (one registry client, one job's credentials). */
export class CachedLayers implements LayerReuse {
  readonly counts: ReuseCounts = { reused: 0, bytesNotFetched: 0, recorded: 0 };
  readonly #readable = new Map<string, Promise<boolean>>();
  /** Readings found that did not cover what this walk hands out, by key. */
  readonly #partial = new Map<string, LayerReading>();

  constructor(
    private readonly results: LayerResults,
    private readonly access: ReuseAccess,
  ) {}

  async find(layer: LayerIdentity, covers: (reading: LayerReading) => boolean): Promise<LayerReading | undefined> {
    const { descriptor } = layer.plan;
    if (descriptor.data !== undefined) return undefined;
    const key = layerResultKey(this.results.fingerprint, layer);
    let stored: Uint8Array | undefined;
    try {
      stored = await this.results.cache.get(key, this.access.signal);
    } catch (error) {
      this.access.logger?.warn({ digest: descriptor.digest, err: (error as Error).message }, 'layer result cache unavailable; reading the layer');
      return undefined;
    }
    const reading = stored && decodeReading(stored, layer);
    if (!reading) return undefined;
    if (!covers(reading)) {
      // Recorded where upper layers hid some of its files: read it, and keep what the recording knew.
      this.#partial.set(key, reading);
      return undefined;
    }
    // Sharing is earned, as for whole analyses: the job's own credentials must reach the blob.
    if (!(await this.#mayRead(descriptor.digest))) return undefined;
    this.counts.reused++;
    this.counts.bytesNotFetched += descriptor.size;
    this.access.logger?.debug({ digest: descriptor.digest, entries: reading.entries.length }, 'layer replayed from the layer result cache');
    return reading;
  }

  record(layer: LayerIdentity, encoding: LayerEncoding, verified: () => boolean): LayerRecording | undefined {
    if (layer.plan.descriptor.data !== undefined) return undefined;
    const key = layerResultKey(this.results.fingerprint, layer);
    return new Recording(layer, encoding, this.#partial.get(key), verified, async (value) => {
      try {
        await this.results.cache.put(key, value);
        this.counts.recorded++;
      } catch (error) {
        this.access.logger?.warn({ digest: layer.plan.descriptor.digest, err: (error as Error).message }, 'layer result cache: recording not stored');
      }
    });
  }

  #mayRead(digest: string): Promise<boolean> {
    let readable = this.#readable.get(digest);
    if (!readable) {
      readable = this.access.canRead(digest).catch(() => false);
      this.#readable.set(digest, readable);
    }
    return readable;
  }
}

interface Slot {
  readonly entry: RecordedEntry;
  readonly streamedDigest?: () => string | undefined;
  analysis?: FileAnalysis;
}

class Recording implements LayerRecording {
  readonly #slots: Slot[] = [];

  constructor(
    private readonly layer: LayerIdentity,
    private readonly encoding: LayerEncoding,
    private readonly previous: LayerReading | undefined,
    private readonly verified: () => boolean,
    private readonly store: (value: Uint8Array) => Promise<void>,
  ) {}

  entry(item: RecordedEntry & { readonly streamedDigest?: () => string | undefined }): ((analysis: FileAnalysis) => void) | undefined {
    const { streamedDigest, ...entry } = item;
    const slot: Slot = { entry, ...(streamedDigest ? { streamedDigest } : {}) };
    this.#slots.push(slot);
    if (entry.type !== 'file') return undefined;
    return (analysis) => {
      slot.analysis = analysis;
    };
  }

  async complete(): Promise<void> {
    if (!this.verified()) return;
    const previous = this.previous?.entries.length === this.#slots.length ? this.previous.entries : undefined;
    const entries: RecordedEntry[] = [];
    for (const [i, slot] of this.#slots.entries()) {
      const digest = slot.streamedDigest?.();
      const before = previous?.[i];
      const analysis = slot.analysis ?? (before && before.type === slot.entry.type && before.rawPath === slot.entry.rawPath ? before.analysis : undefined);
      if (analysis && analysis.findings.some(isTimeLimit)) return;
      entries.push({ ...slot.entry, ...(digest === undefined ? {} : { digest }), ...(analysis ? { analysis } : {}) });
    }
    const { plan, rawPath } = this.layer;
    const stored: StoredReading = {
      format: FORMAT,
      digest: plan.descriptor.digest,
      encoding: this.encoding,
      ...(this.encoding === 'raw' ? { rawPath, mediaType: plan.descriptor.mediaType } : {}),
      entries,
    };
    let value: Uint8Array;
    try {
      value = gzipSync(JSON.stringify(stored));
    } catch {
      return; // a recording too large to encode is not kept
    }
    await this.store(value);
  }
}

/** A recording as it is stored (gzip-compressed JSON). */
interface StoredReading extends LayerReading {
  readonly format: number;
  readonly digest: string;
  /** Raw readings: the file's name and media type, which its analysis depends on. */
  readonly rawPath?: string;
  readonly mediaType?: string;
}

/** The recording in `bytes`, when it is one of this layer as this walk names it; undefined otherwise. */
function decodeReading(bytes: Uint8Array, layer: LayerIdentity): LayerReading | undefined {
  let stored: StoredReading;
  try {
    stored = JSON.parse(gunzipSync(bytes).toString('utf8')) as StoredReading;
  } catch {
    return undefined;
  }
  const { descriptor } = layer.plan;
  if (stored?.format !== FORMAT || stored.digest !== descriptor.digest || !ENCODINGS.has(stored.encoding) || !Array.isArray(stored.entries)) return undefined;
  if (stored.encoding === 'raw' && (stored.rawPath !== layer.rawPath || stored.mediaType !== descriptor.mediaType)) return undefined;
  if (!stored.entries.every(isEntry)) return undefined;
  return { encoding: stored.encoding, entries: stored.entries };
}

function isEntry(entry: RecordedEntry): boolean {
  if (typeof entry !== 'object' || entry === null || typeof entry.type !== 'string' || typeof entry.rawPath !== 'string') return false;
  const { analysis } = entry;
  return analysis === undefined || (typeof analysis.format === 'string' && Array.isArray(analysis.findings) && Array.isArray(analysis.facts));
}

/** The engine's per-file time limit (analyzers/engine.ts withTimeout): depends on the machine's load, not the bytes. */
function isTimeLimit(finding: FileAnalysis['findings'][number]): boolean {
  return finding.ruleId === ENGINE_RULES.limitExceeded.id && finding.details?.['limit'] === 'time (ms)';
}
