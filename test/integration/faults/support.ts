/**
 * Shared pieces of the fault-injection tests: the scanner and Harbor simulator pulling from Debian's
 * docker-registry through the fault proxy (test/support/fault-proxy.ts), and the artifacts they scan.
 */
import { expect } from 'vitest';
import { REPORT_MIME } from '../../../spec/mime.js';
import { VulnerabilityReportSchema, type VulnerabilityReport } from '../../../spec/schemas.js';
import { HarborSimulator, type ScanOutcome } from '../../harbor-sim/index.js';
import { REGISTRIES, ROBOT_USER } from '../../services/endpoints.js';
import { OCI_MANIFEST, pushArtifact, sha256Digest, type PushedArtifact } from '../../services/push.js';
import type { FaultProxy } from '../../support/fault-proxy.js';

export const FAST = { firstCheckDelayMs: 20, refreshSecondMs: 20 } as const;
export const registry = REGISTRIES.plain;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2: a Critical finding. */
export const PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));

/** A harmless pickle of exactly {@link PICKLE}'s length (protocol 2, one str), for the Range swap. */
export const BENIGN_PICKLE = (() => {
  const length = PICKLE.length - 8;
  const header = Buffer.from([0x80, 0x02, 0x58, length & 0xff, (length >> 8) & 0xff, 0, 0]);
  return new Uint8Array(Buffer.concat([header, Buffer.alloc(length, 0x61), Buffer.from([0x2e])]));
})();

export interface PushedForScan extends PushedArtifact {
  readonly repository: string;
  readonly mediaType: string;
  readonly size: number;
}

export async function pushModel(repository: string, layers: ReadonlyArray<{ mediaType: string; bytes: Uint8Array; path?: string }>): Promise<PushedForScan> {
  const config = { descriptor: { name: 'fault-model' }, config: { format: 'pickle' }, modelfs: { type: 'layers', diffIds: layers.map((l) => sha256Digest(l.bytes)) } };
  const pushed = await pushArtifact({ registry }, repository, 'v1', {
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', bytes: encode(JSON.stringify(config)) },
    layers: layers.map((l) => ({ mediaType: l.mediaType, bytes: l.bytes, ...(l.path ? { annotations: { 'org.cncf.model.filepath': l.path } } : {}) })),
  });
  return { ...pushed, repository, mediaType: OCI_MANIFEST, size: pushed.manifestBytes.length + pushed.config.size + pushed.layers.reduce((n, l) => n + l.size, 0) };
}

/** Protocol 2 `os.system('echo <words>')`, as {@link PICKLE} with other words. */
function systemPickle(words: string): Uint8Array {
  const command = Buffer.from(`echo ${words}`);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(command.length);
  return new Uint8Array(Buffer.concat([Buffer.from('800263706f7369780a73797374656d0a710058', 'hex'), length, command, Buffer.from('71018571025271032e', 'hex')]));
}

/**
 * A ModelPack whose raw weight layer `model.pkl` is a pickle calling os.system, beside a README, both
 * naming the repository: each push its own content, so no scan shares another's analysis (of the
 * artifact, or of a layer: server/scan/layer-reuse.ts).
 */
export function pushPickleModel(repository: string): Promise<PushedForScan> {
  return pushModel(repository, [
    { mediaType: 'application/vnd.cncf.model.weight.v1.raw', bytes: systemPickle(repository), path: 'model.pkl' },
    { mediaType: 'application/vnd.cncf.model.doc.v1.raw', bytes: encode(`# ${repository}\n`), path: 'README.md' },
  ]);
}

/** Scans `artifact` as Harbor does, with the registry URL pointing at the fault proxy. */
export function scanThrough(scannerUrl: string, proxy: FaultProxy, artifact: { repository: string; digest: string; mediaType: string; size: number }): Promise<ScanOutcome> {
  const harbor = new HarborSimulator({ url: scannerUrl, timing: FAST });
  return harbor.scan({
    artifact: { repository: artifact.repository, digest: artifact.digest, tag: 'v1', manifestMediaType: artifact.mediaType, size: artifact.size, harborType: 'IMAGE' },
    registry: { url: proxy.url, robot: { name: ROBOT_USER.username, secret: ROBOT_USER.password } },
  });
}

export function vulnerabilityReport(outcome: ScanOutcome): VulnerabilityReport {
  expect(outcome.error).toBeUndefined();
  const report = outcome.reports.find((r) => r.mimeType === REPORT_MIME.vulnerabilityV1_1);
  return VulnerabilityReportSchema.parse(JSON.parse(report?.body ?? 'null'));
}

/** Blob path of a descriptor, for fault rules. */
export const blobPath = (digest: string): string => `/blobs/${digest}`;
