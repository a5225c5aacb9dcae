/**
 * Opens a Harbor scan target in the registry: parses the credentials Harbor sent, resolves the manifest
 * (index → manifests → layers → files) and hands the files to the scan as engine inputs.
 */
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import { resolveArtifact } from '../artifact/resolve.js';
import type { ModelFile } from '../artifact/types.js';
import { createRegistryClient } from '../registry/client.js';
import { parseRegistryAuthorization } from '../registry/credentials.js';
import type { RegistryLogger } from '../registry/types.js';
import type { ArtifactOpener } from './controller.js';
import type { ModelFileInput } from './scan-files.js';

export interface RegistryAccess {
  readonly caFile?: string;
  readonly insecureSkipVerify: boolean;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly limits: AnalyzerLimits;
  readonly logger?: RegistryLogger;
}

export function registryArtifactOpener(access: RegistryAccess): ArtifactOpener {
  return async (target, authorization) => {
    const client = createRegistryClient({
      url: target.registryUrl,
      credentials: parseRegistryAuthorization(authorization),
      timeoutMs: access.timeoutMs,
      maxRetries: access.retries,
      insecureSkipVerify: access.insecureSkipVerify,
      ...(access.caFile ? { caFile: access.caFile } : {}),
      ...(access.logger ? { logger: access.logger } : {}),
    });
    try {
      const artifact = await resolveArtifact(client, target.repository, target.digest, { limits: access.limits });
      return {
        packaging: artifact.packaging,
        files: () => toEngineInputs(artifact.files()),
        bytesFetched: () => client.bytesFetched,
        close: () => client.close(),
      };
    } catch (error) {
      await client.close();
      throw error;
    }
  };
}

async function* toEngineInputs(files: AsyncIterable<ModelFile>): AsyncIterable<ModelFileInput> {
  for await (const file of files)
    yield {
      path: file.path,
      size: file.size,
      source: file.source,
      layerDigest: file.layerDigest,
      ...(file.digest ? { digest: file.digest } : {}),
      ...(file.mediaType ? { mediaType: file.mediaType } : {}),
    };
}
