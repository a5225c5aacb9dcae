import { describe, expect, it } from 'vitest';
import { decideScope } from '../../../../server/harbor/scope.js';
import type { WebhookScope } from '../../../../server/harbor/settings.js';
import { digestOf } from '../../../../server/registry/digest.js';
import type { FetchedManifest } from '../../../../server/registry/types.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const blob = (mediaType: string, extra: object = {}) => ({ mediaType, digest: digestOf(new TextEncoder().encode(mediaType)), size: 10, ...extra });

function manifest(body: Record<string, unknown>, mediaType = OCI_MANIFEST): FetchedManifest {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return { mediaType, digest: digestOf(bytes), bytes, body };
}

const modelPack = manifest({
  artifactType: 'application/vnd.cncf.model.manifest.v1+json',
  config: blob('application/vnd.cncf.model.config.v1+json'),
  layers: [blob('application/vnd.cncf.model.weight.v1.raw')],
});
const legacyModelPack = manifest({ config: blob('application/vnd.cnai.model.config.v1+json'), layers: [blob('application/vnd.cnai.model.weight.v1.tar')] });
const kitops = manifest({ config: blob('application/vnd.kitops.modelkit.config.v1+json'), layers: [blob('application/vnd.kitops.modelkit.model.v1.tar')] });
const dockerModel = manifest({ config: blob('application/vnd.docker.ai.model.config.v0.1+json'), layers: [blob('application/vnd.docker.ai.gguf.v3')] });
const image = manifest({ config: blob('application/vnd.oci.image.config.v1+json'), layers: [blob('application/vnd.oci.image.layer.v1.tar+gzip')] });
const imageIndex = manifest({ manifests: [blob(OCI_MANIFEST)] }, OCI_INDEX);
const kitopsIndex = manifest({ artifactType: 'application/vnd.kitops.modelkit.index.v1+json', manifests: [blob(OCI_MANIFEST)] }, OCI_INDEX);
const helmChart = manifest({ config: blob('application/vnd.cncf.helm.config.v1+json'), layers: [blob('application/vnd.cncf.helm.chart.content.v1.tar+gzip')] });
const ourReport = manifest({
  artifactType: 'application/vnd.harbor-scanner-models.report.v1+json',
  config: blob('application/vnd.oci.empty.v1+json'),
  layers: [blob('application/json')],
  subject: blob(OCI_MANIFEST),
});
const signature = manifest({ config: blob('application/vnd.oci.image.config.v1+json'), layers: [blob('application/vnd.oci.image.layer.v1.tar')], subject: blob(OCI_MANIFEST) });

describe('decideScope', () => {
  it.each<[string, FetchedManifest, WebhookScope, boolean]>([
    ['a ModelPack (Harbor type CNAI)', modelPack, 'non-image', true],
    ['a legacy ModelPack (Harbor type MODEL)', legacyModelPack, 'non-image', true],
    ['a KitOps ModelKit (MODELKIT)', kitops, 'non-image', true],
    ['a Docker model artifact (UNKNOWN)', dockerModel, 'non-image', true],
    ['a KitOps index', kitopsIndex, 'non-image', true],
    ['a container image under non-image', image, 'non-image', false],
    ['a container image under all', image, 'all', true],
    ['an image index under non-image', imageIndex, 'non-image', false],
    ['an image index under all', imageIndex, 'all', true],
    ['a Helm chart', helmChart, 'all', false],
    ['our own report artifact', ourReport, 'all', false],
    ['a signature with a subject', signature, 'all', false],
  ])('should decide %s under its scope', (_name, fetched, scope, take) => {
    expect(decideScope(fetched, scope).take).toBe(take);
  });

  it('should say why an image is left out', () => {
    expect(decideScope(image, 'non-image')).toEqual({ take: false, reason: expect.stringMatching(/IMAGE/) });
  });
});
