/**
 * An in-memory RegistryClient for resolver tests: content-addressed blobs and manifests, tags, and a log
 * of how each blob was read (Range reads vs whole streams) so tests can show what was not downloaded.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BufferSource, type ByteSource } from '../../../../analyzers/source.js';
import type { Descriptor, FetchedManifest, RegistryClient } from '../../../../server/registry/types.js';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface BlobAccess {
  /** Bytes returned by `read` calls. */
  rangeBytes: number;
  /** Number of `stream()` calls. */
  streams: number;
}

export class FakeRegistry implements RegistryClient {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly manifests = new Map<string, { mediaType: string; bytes: Uint8Array }>();
  private readonly tags = new Map<string, string>();
  readonly access = new Map<string, BlobAccess>();
  readonly manifestRequests: string[] = [];
  bytesFetched = 0;

  /** Store a blob and return its descriptor. */
  blob(mediaType: string, content: Uint8Array | string, extra: Partial<Descriptor> = {}): Descriptor {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  /** Store a gzip-compressed blob; returns its descriptor and the diff ID of the uncompressed bytes. */
  gzipBlob(mediaType: string, content: Uint8Array, extra: Partial<Descriptor> = {}): { descriptor: Descriptor; diffId: string } {
    return { descriptor: this.blob(mediaType, gzipSync(content), extra), diffId: sha256(content) };
  }

  /** Store a manifest or index (JSON body) under its digest and, optionally, a tag. */
  manifest(mediaType: string, body: Record<string, unknown>, tag?: string): Descriptor {
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const digest = sha256(bytes);
    this.manifests.set(digest, { mediaType, bytes });
    if (tag) this.tags.set(tag, digest);
    return { mediaType, digest, size: bytes.length };
  }

  accessOf(digest: string): BlobAccess {
    return this.access.get(digest) ?? { rangeBytes: 0, streams: 0 };
  }

  async getManifest(_repository: string, reference: string): Promise<FetchedManifest> {
    this.manifestRequests.push(reference);
    const digest = this.tags.get(reference) ?? reference;
    const stored = this.manifests.get(digest);
    if (!stored) throw new Error(`manifest unknown: ${reference}`);
    return {
      mediaType: stored.mediaType,
      digest,
      bytes: stored.bytes,
      body: JSON.parse(new TextDecoder().decode(stored.bytes)) as Record<string, unknown>,
    };
  }

  async getBlob(_repository: string, descriptor: Descriptor, maxBytes: number): Promise<Uint8Array> {
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes) throw new Error(`blob unknown: ${descriptor.digest}`);
    if (bytes.length > maxBytes) throw new Error(`blob too large: ${bytes.length} > ${maxBytes}`);
    this.bytesFetched += bytes.length;
    return bytes;
  }

  blobSource(_repository: string, descriptor: Descriptor): ByteSource {
    const bytes = this.blobs.get(descriptor.digest);
    if (!bytes) throw new Error(`blob unknown: ${descriptor.digest}`);
    const access = this.access.get(descriptor.digest) ?? { rangeBytes: 0, streams: 0 };
    this.access.set(descriptor.digest, access);
    const inner = new BufferSource(bytes);
    const registry = this;
    return {
      seekable: true,
      size: bytes.length,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const out = await inner.read(offset, length);
        access.rangeBytes += out.length;
        registry.bytesFetched += out.length;
        return out;
      },
      async *stream(offset?: number, end?: number): AsyncIterable<Uint8Array> {
        access.streams += 1;
        for await (const chunk of inner.stream(offset, end)) {
          registry.bytesFetched += chunk.length;
          // Small chunks so decompression and tar parsing cross chunk boundaries.
          for (let at = 0; at < chunk.length; at += 1000) yield chunk.subarray(at, at + 1000);
        }
      },
    };
  }
}
