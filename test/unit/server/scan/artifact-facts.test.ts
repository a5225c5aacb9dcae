import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../../analyzers/engine.js';
import { ARCHIVE_ANALYZERS } from '../../../../analyzers/archive/index.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { safetensorsAnalyzer } from '../../../../analyzers/safetensors/analyzer.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import type { ByteSource } from '../../../../analyzers/source.js';
import { resolveArtifact } from '../../../../server/artifact/resolve.js';
import { TarFormatError } from '../../../../analyzers/archive/tar-reader.js';
import { LimitExceededError } from '../../../../analyzers/engine-rules.js';
import { ContentDigestMismatchError, DecompressionBombError, LayerReadError } from '../../../../server/errors/artifact-errors.js';
import { BlobSizeMismatchError, DigestMismatchError, RegistryUnavailableError } from '../../../../server/errors/registry-errors.js';
import type { ScanResult } from '../../../../server/jobs/model.js';
import type { Descriptor } from '../../../../server/registry/types.js';
import { layerErrorCause } from '../../../../server/scan/artifact-facts.js';
import { scannableArtifact } from '../../../../server/scan/registry-artifact.js';
import { scanArtifact } from '../../../../server/scan/scan-files.js';
import { GOOD_SAFETENSORS } from '../../../support/model-artifacts.js';
import { tarArchive, tarEntry } from '../../../support/tar-builder.js';
import { FakeRegistry, sha256 } from '../artifact/fake-registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const REPO = 'models/facts';
const limits = makeLimits();
// The analyzers these artifacts exercise; license and pickle findings are other suites' business.
const engine = new ScanEngine({ analyzers: [safetensorsAnalyzer, ...ARCHIVE_ANALYZERS], limits, settings: DEFAULT_SETTINGS });
/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2. */
const PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));
const filepath = (path: string): { annotations: Record<string, string> } => ({ annotations: { 'org.cncf.model.filepath': path } });

function pushModelPack(registry: FakeRegistry, layers: Descriptor[], diffIds: string[]): void {
  const config = registry.blob(
    'application/vnd.cncf.model.config.v1+json',
    JSON.stringify({ descriptor: { name: 'facts' }, config: { format: 'safetensors' }, modelfs: { type: 'layers', diffIds } }),
  );
  registry.manifest(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.cncf.model.manifest.v1+json', config, layers }, 'v1');
}

async function scan(registry: FakeRegistry): Promise<ScanResult> {
  const artifact = await resolveArtifact(registry, REPO, 'v1', { limits });
  return scanArtifact(engine, scannableArtifact(artifact), { packaging: artifact.packaging, signal: new AbortController().signal });
}

const byRule = (result: ScanResult): Array<[string, string]> => result.findings.map((f) => [f.ruleId, f.file]);

describe('scannableArtifact', () => {
  it('should add no artifact findings when a ModelPack artifact is consistent', async () => {
    const registry = new FakeRegistry();
    const weights = registry.blob('application/vnd.cncf.model.weight.v1.raw', GOOD_SAFETENSORS, filepath('model.safetensors'));
    const readme = registry.blob('application/vnd.cncf.model.doc.v1.tar', tarArchive([tarEntry({ name: 'README.md' }, '# model\n')]), filepath('README.md'));
    pushModelPack(registry, [weights, readme], [weights.digest, readme.digest]);
    const result = await scan(registry);
    expect(result.findings).toEqual([]);
    expect(result.files.map((f) => f.path)).toEqual(['model.safetensors', 'README.md']);
  });

  it('should report what the layer walk and the manifest reveal about a hostile ModelPack artifact', async () => {
    const registry = new FakeRegistry();
    const weights = registry.blob('application/vnd.cncf.model.weight.v1.raw', PICKLE, filepath('model.safetensors'));
    const escaping = registry.blob('application/vnd.cncf.model.doc.v1.raw', '* * * * * root sh /tmp/x\n', filepath('../../etc/cron.d/evil'));
    const tools = registry.blob(
      'application/vnd.cncf.model.code.v1.tar',
      tarArchive([
        tarEntry({ name: 'bin/tool', mode: 0o4755 }, '#!/bin/sh\n'),
        tarEntry({ name: 'bin/creds', type: '2', linkname: '../../root/.ssh/id_rsa' }),
      ]),
      filepath('bin/'),
    );
    pushModelPack(registry, [weights, escaping, tools], [weights.digest, sha256(new TextEncoder().encode('forged')), tools.digest]);
    const found = byRule(await scan(registry));
    expect(found).toEqual(
      expect.arrayContaining([
        ['engine.content-mismatch', 'model.safetensors'],
        ['manifest.unsafe-filepath', 'etc/cron.d/evil'],
        ['manifest.diff-id-mismatch', 'etc/cron.d/evil'],
        ['archive.setuid', 'bin/tool'],
        ['archive.link-escape', 'bin/creds'],
      ]),
    );
    // The pickle behind a .safetensors name is the engine's finding alone.
    expect(found.filter(([rule]) => rule === 'manifest.layer-content-mismatch')).toEqual([]);
  });

  it('should finish the scan with a finding when a compressed layer does not match its diff ID', async () => {
    const registry = new FakeRegistry();
    const { descriptor } = registry.gzipBlob('application/vnd.cncf.model.weight.v1.tar+gzip', tarArchive([tarEntry({ name: 'model.safetensors' }, GOOD_SAFETENSORS)]), filepath('model.safetensors'));
    pushModelPack(registry, [descriptor], [sha256(new TextEncoder().encode('another tar'))]);
    const result = await scan(registry);
    expect(byRule(result)).toEqual([['manifest.diff-id-mismatch', 'model.safetensors']]);
    expect(result.files.map((f) => f.path)).toEqual(['model.safetensors']);
  });

  it('should fail the scan when the registry fails while a layer is read', async () => {
    const registry = new (class extends FakeRegistry {
      override blobSource(repository: string, descriptor: Descriptor): ByteSource {
        const inner = super.blobSource(repository, descriptor);
        if (!descriptor.mediaType.endsWith('+gzip')) return inner;
        return {
          ...inner,
          size: inner.size,
          seekable: inner.seekable,
          read: (offset, length) => inner.read(offset, length),
          stream: () => {
            throw new RegistryUnavailableError({ registry: 'http://registry' }, 'connection reset', 3);
          },
        };
      }
    })();
    const { descriptor } = registry.gzipBlob('application/vnd.cncf.model.weight.v1.tar+gzip', tarArchive([tarEntry({ name: 'a.bin' }, 'x')]));
    pushModelPack(registry, [descriptor], [sha256(new Uint8Array(0))]);
    await expect(scan(registry)).rejects.toBeInstanceOf(LayerReadError);
  });
});

describe('layerErrorCause', () => {
  const layerError = (cause: unknown): LayerReadError => new LayerReadError('sha256:aa', 'sha256:bb', cause);
  const target = { registry: 'http://registry', repository: REPO };
  const DIFF_ID = sha256(new TextEncoder().encode('uncompressed'));

  it.each([
    { name: 'a diff ID mismatch', cause: new ContentDigestMismatchError('diff ID of layer sha256:aa', DIFF_ID, 'sha256:cc'), expected: 'diff-id-mismatch' },
    { name: 'inline data that misses its digest', cause: new ContentDigestMismatchError('inline data of sha256:aa', 'sha256:aa', 'sha256:cc'), expected: 'digest-mismatch' },
    // The registry served other bytes than the manifest names: a transport failure, never a finding.
    { name: 'a blob digest mismatch wrapped by a decompressor', cause: new Error('gzip: x', { cause: new DigestMismatchError(target, 'sha256:aa', 'sha256:cc', 'blob') }), expected: undefined },
    { name: 'a blob of the wrong size', cause: new BlobSizeMismatchError(target, 'sha256:aa', 'the registry answered 416'), expected: undefined },
    { name: 'a layer decompression bomb', cause: new DecompressionBombError('expands 10 bytes to more than 5000', {}), expected: 'decompression-bomb' },
    { name: 'a malformed tar', cause: new TarFormatError('bad checksum', 512), expected: 'tar-malformed' },
    { name: 'a decompression limit', cause: new LimitExceededError('decompressed bytes', 10, 5), expected: 'limit-exceeded' },
    { name: 'a corrupt compressed stream', cause: new Error('zstd: corrupt frame'), expected: 'unreadable' },
    { name: 'a registry outage inside a decompression error', cause: new Error('gzip: read failed', { cause: new RegistryUnavailableError(target, 'reset', 2) }), expected: undefined },
  ])('should classify $name as $expected', ({ cause, expected }) => {
    expect(layerErrorCause(layerError(cause), DIFF_ID)).toBe(expected);
  });
});
