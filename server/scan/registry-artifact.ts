/**
 * Opens a Harbor scan target in the registry: parses the credentials Harbor sent, resolves the manifest
 * (index → manifests → layers → files), hands the files to the scan as engine inputs and, once they are
 * scanned, the manifests and layer walk to the manifest analyzer.
 */
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { packagingFacts } from '../../analyzers/license/packaging.js';
import { analyzeArtifact } from '../../analyzers/manifest/analyze.js';
import { resolveArtifact } from '../artifact/resolve.js';
import type { LayerReuse, ModelFile, ResolvedArtifact } from '../artifact/types.js';
import type { ProxySettings } from '../config/proxy.js';
import { createRegistryClient } from '../registry/client.js';
import { parseRegistryAuthorization } from '../registry/credentials.js';
import type { RegistryLogger } from '../registry/types.js';
import type { ArtifactOpener } from './controller.js';
import { ArtifactFactsRecorder } from './artifact-facts.js';
import { CachedLayers, type LayerResults } from './layer-reuse.js';
import type { ModelFileInput, ScannableArtifact } from './scan-files.js';
import { TransportWatch } from './transport-watch.js';

export interface RegistryAccess {
  readonly caFile?: string;
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly proxy?: ProxySettings;
  /** SCANNER_VERIFY_BLOBS: layers read by Range are read again in full and compared (RegistryClientOptions.verifyBlobs). */
  readonly verifyBlobs?: boolean;
  readonly limits: AnalyzerLimits;
  readonly logger?: RegistryLogger;
  /** Layer-level reuse (./layer-reuse.ts): absent, every layer is read. */
  readonly layerResults?: LayerResults;
}

export function registryArtifactOpener(access: RegistryAccess): ArtifactOpener {
  return async (target, authorization, signal) => {
    const client = createRegistryClient({
      url: target.registryUrl,
      credentials: parseRegistryAuthorization(authorization),
      timeoutMs: access.timeoutMs,
      maxRetries: access.retries,
      insecureSkipVerify: access.insecureSkipVerify,
      // The scan's deadline reaches every request, body read and backoff the client makes.
      signal,
      verifyBlobs: access.verifyBlobs ?? false,
      ...(access.caFile ? { caFile: access.caFile } : {}),
      ...(access.proxy ? { proxy: access.proxy } : {}),
      ...(access.logger ? { logger: access.logger } : {}),
    });
    try {
      const artifact = await resolveArtifact(client, target.repository, target.digest, { limits: access.limits });
      const layers = access.layerResults
        ? new CachedLayers(access.layerResults, {
            canRead: (digest) => client.headBlob(target.repository, digest),
            signal,
            ...(access.logger ? { logger: access.logger } : {}),
          })
        : undefined;
      return {
        packaging: artifact.packaging,
        ...scannableArtifact(artifact, signal, layers),
        bytesFetched: () => client.bytesFetched,
        close: async () => {
          if (layers && (layers.counts.reused > 0 || layers.counts.recorded > 0))
            access.logger?.debug(
              { layers_reused: layers.counts.reused, bytes_not_fetched: layers.counts.bytesNotFetched, layers_recorded: layers.counts.recorded },
              'layer result cache',
            );
          await client.close();
        },
      };
    } catch (error) {
      await client.close();
      throw error;
    }
  };
}

/**
 * The scan's view of a resolved artifact: its files as engine inputs, and the manifest analyzer's findings
 * about the walk that produced them. A layer broken by its content becomes a finding and the walk goes on;
 * a registry failure still fails the scan.
 */
export function scannableArtifact(artifact: ResolvedArtifact, signal?: AbortSignal, layers?: LayerReuse): ScannableArtifact {
  let recorder: ArtifactFactsRecorder | undefined;
  const transport = new TransportWatch(signal);
  return {
    transport,
    files: () => {
      const current = new ArtifactFactsRecorder(artifact);
      recorder = current;
      const options = { onLayerError: current.onLayerError, ...(signal ? { signal } : {}), ...(layers ? { layers } : {}) };
      return toEngineInputs(artifact.files(options), current, transport);
    },
    artifactFindings: (scanned) => (recorder ? analyzeArtifact(recorder.facts(scanned)) : []),
    packagingFacts: () =>
      artifact.manifests.flatMap((m) => packagingFacts(m.config.json, m.annotations, { config: m.config.descriptor.digest, manifest: m.digest })),
  };
}

async function* toEngineInputs(files: AsyncIterable<ModelFile>, recorder: ArtifactFactsRecorder, transport: TransportWatch): AsyncIterable<ModelFileInput> {
  for await (const file of files) {
    recorder.record(file);
    yield {
      path: file.path,
      size: file.size,
      source: transport.watch(file.path, file.source),
      layerDigest: file.layerDigest,
      ...(file.digest ? { digest: file.digest } : {}),
      ...(file.streamedDigest ? { streamedDigest: file.streamedDigest } : {}),
      ...(file.mediaType ? { mediaType: file.mediaType } : {}),
      ...(file.analysis ? { analysis: file.analysis } : {}),
      ...(file.recordAnalysis ? { recordAnalysis: file.recordAnalysis } : {}),
    };
  }
}
