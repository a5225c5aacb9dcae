/**
 * Open one layer the cheapest way its content allows. The declared encoding is only a hint: a layer
 * declared as tar is sniffed first (ORAS and others label raw files `…layer.v1.tar`, oci-model-formats.md
 * §3.3), then read as
 * - raw: the blob is the file, read by Range;
 * - tar: headers read by Range, members are slices of the blob (random access, no download of weights);
 *   the blob source reads ahead in windows that grow while the walk goes forward, so runs of small members
 *   cost a few requests, and a layer so read front to back is digest-verified (server/registry/blob-source.ts);
 * - tar+gzip / tar+zstd: streamed once through the decompressor, members forward-only; the blob is read
 *   to its end (so the client verifies its digest) and the uncompressed bytes are checked against the
 *   config's diff ID; the bomb limits of compressed files (ratio, absolute size) apply.
 */
import { decompress } from '../../analyzers/archive/decompress.js';
import { isRatioBomb } from '../../analyzers/archive/zip-analyzer.js';
import { LimitExceededError } from '../../analyzers/engine-rules.js';
import { DecompressionBombError } from '../errors/artifact-errors.js';
import { readTar, type TarEntry, type TarEntryType } from '../../analyzers/archive/tar-reader.js';
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { ForwardSource, type ByteSource } from '../../analyzers/source.js';
import type { RegistryClient, VerifiableSource } from '../registry/types.js';
import { descriptorSource } from './config.js';
import { HashingTap } from './digest.js';
import type { LayerEncoding, LayerPlan } from './media-types.js';
import type { FileAnalysis } from './types.js';

const BLOCK = 512;

/** A file or special entry of a layer, before path normalisation. */
export interface LayerItem {
  readonly type: TarEntryType;
  readonly rawPath: string;
  readonly size: number | undefined;
  /** Set for regular files. */
  readonly source?: ByteSource;
  /** Members of streamed layers: `ModelFile.streamedDigest` (./types.ts). */
  readonly streamedDigest?: () => string | undefined;
  readonly mode?: number;
  readonly linkname?: string;
  /** A layer replayed from the layer result cache: the file's recorded analysis (./types.ts ModelFile.analysis). */
  readonly analysis?: FileAnalysis;
}

export interface OpenedLayer {
  /** How the layer is read, after sniffing. */
  readonly encoding: LayerEncoding;
  readonly items: AsyncIterable<LayerItem>;
  /**
   * Layers read by Range, when the client verifies blobs (SCANNER_VERIFY_BLOBS): once the items have
   * been analysed, proves that every byte served was the blob's (server/registry/types.ts VerifiableSource).
   */
  readonly verify?: () => Promise<void>;
  /** Whether every byte this reading used has been checked against the blob's digest so far. */
  readonly verified: () => boolean;
}

export interface LayerReadContext {
  readonly client: RegistryClient;
  readonly repository: string;
  readonly limits: AnalyzerLimits;
  /** Path of the file when the layer turns out to be raw (annotation or config path, else the digest). */
  readonly rawPath: string;
  /** Digest of the uncompressed layer from the config, verified for streamed layers. */
  readonly diffId?: string;
}

export async function openLayer(plan: LayerPlan, context: LayerReadContext): Promise<OpenedLayer> {
  const source = descriptorSource(context.client, context.repository, plan.descriptor);
  if (plan.encoding === 'raw') return rawLayer(source, plan, context);
  const head = await source.read(0, BLOCK);
  if (looksLikeTar(head)) return { encoding: 'tar', items: tarItems(readTar(source, context.limits)), ...verification(source) };
  if (head[0] === 0x1f && head[1] === 0x8b) return compressedLayer('gzip', source, plan, context);
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return compressedLayer('zstd', source, plan, context);
  return rawLayer(source, plan, context);
}

/** ustar magic at 257 (POSIX and GNU), or a zero block / nothing at all: an empty archive. */
function looksLikeTar(head: Uint8Array): boolean {
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return true;
  return head.every((byte) => byte === 0);
}

function rawLayer(source: ByteSource & Partial<VerifiableSource>, plan: LayerPlan, context: LayerReadContext): OpenedLayer {
  const item: LayerItem = { type: 'file', rawPath: context.rawPath, size: plan.descriptor.size, source };
  return { encoding: 'raw', items: (async function* () {
    yield item;
  })(), ...verification(source) };
}

/**
 * Layers read by Range: provable after the fact with SCANNER_VERIFY_BLOBS (`verify`); verified as read
 * when the reading went front to back (the blob source hashed it all).
 */
function verification(source: ByteSource & Partial<VerifiableSource>): Pick<OpenedLayer, 'verify' | 'verified'> {
  const { verifyServed } = source;
  return { ...(verifyServed ? { verify: () => verifyServed.call(source) } : {}), verified: () => verifyServed !== undefined || source.wholeVerified === true };
}

async function compressedLayer(
  format: 'gzip' | 'zstd',
  blob: ByteSource,
  plan: LayerPlan,
  context: LayerReadContext,
): Promise<OpenedLayer> {
  const { digest } = plan.descriptor;
  // No hash here: the registry client verifies a blob streamed whole; draining it below makes that happen.
  const compressed = new HashingTap(blob.stream(), undefined, `layer ${digest}`);
  const output = bombGuarded(
    decompress(format, compressed, { maxOutputBytes: context.limits.maxBytesPerFile }),
    () => compressed.bytesSeen,
    context.limits,
  );
  const decompressed = new HashingTap(output, context.diffId, `diff ID of layer ${digest}`);
  const tar = new ForwardSource(decompressed);
  const closeAll = async (): Promise<void> => {
    await decompressed.close();
    await compressed.close();
  };
  /**
   * Corrupt compressed data is first a question of transport: read the blob to its end so a byte the
   * registry (or a proxy) changed is reported as the digest mismatch it is, not as a malformed archive.
   * A bomb is not read on: its size is the attack.
   */
  const verifiedFailure = async (reported: unknown): Promise<unknown> => {
    // A reader above the stream may have turned its failure into "truncated": the stream's own error wins.
    const error = decompressed.failed ?? reported;
    if (error instanceof DecompressionBombError) return error;
    try {
      await compressed.drain();
    } catch (transport) {
      return transport;
    }
    return error;
  };
  let head: Uint8Array;
  try {
    head = await tar.read(0, BLOCK);
  } catch (error) {
    const failure = await verifiedFailure(error);
    await closeAll();
    throw failure;
  }
  if (!looksLikeTar(head)) {
    // A compressed file that is not an archive: hand the blob over whole; content sniffing opens it.
    await closeAll();
    return rawLayer(blob, plan, context);
  }
  async function* items(): AsyncGenerator<LayerItem> {
    try {
      // The stream passes every byte anyway: hashing members gives each file a digest of its own.
      yield* tarItems(readTar(tar, context.limits, { hashMembers: true }));
      await decompressed.drain();
      await compressed.drain();
    } catch (error) {
      throw await verifiedFailure(error);
    } finally {
      await closeAll();
    }
  }
  // Streamed whole: the blob digest (and the diff ID) are checked as the stream ends.
  return { encoding: format === 'gzip' ? 'tar+gzip' : 'tar+zstd', items: items(), verified: () => true };
}

/**
 * The limits a compressed file gets (analyzers/archive/compressed-analyzer.ts) applied to a compressed
 * layer: more than `maxCompressionRatio` times the compressed bytes read so far, or more than
 * `maxBytesPerFile` in all, ends the layer with {@link DecompressionBombError}.
 */
async function* bombGuarded(output: AsyncIterable<Uint8Array>, compressedBytes: () => number, limits: AnalyzerLimits): AsyncGenerator<Uint8Array> {
  let produced = 0;
  try {
    for await (const chunk of output) {
      produced += chunk.length;
      if (isRatioBomb(produced, compressedBytes(), limits.maxCompressionRatio))
        throw new DecompressionBombError(
          `expands ${compressedBytes()} compressed bytes to more than ${produced} (over ${limits.maxCompressionRatio}× the compressed size)`,
          { compressedBytes: compressedBytes(), decompressedBytes: produced, maxRatio: limits.maxCompressionRatio },
        );
      yield chunk;
    }
  } catch (error) {
    if (error instanceof LimitExceededError)
      throw new DecompressionBombError(`decompressed data passed a limit: ${error.message}`, { limit: error.limit, value: error.value, max: error.max });
    throw error;
  }
}

/** `sha256:<hex>` once the member has been hashed. */
function sha256Digest(sha256: () => string | undefined): () => string | undefined {
  return () => {
    const hex = sha256();
    return hex === undefined ? undefined : `sha256:${hex}`;
  };
}

async function* tarItems(entries: AsyncIterable<TarEntry>): AsyncGenerator<LayerItem> {
  for await (const entry of entries)
    yield {
      type: entry.type,
      rawPath: entry.name,
      size: entry.size,
      mode: entry.mode,
      ...(entry.type === 'file' ? { source: entry.source } : {}),
      ...(entry.type === 'file' && entry.sha256 ? { streamedDigest: sha256Digest(entry.sha256) } : {}),
      ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
    };
}
