/**
 * OCI content digests (opencontainers/image-spec `descriptor.md` "Digests"): parse, compute, verify.
 * Only the registered algorithms sha256 and sha512 can be verified; anything else is refused (fail closed).
 */
import { createHash, type Hash } from 'node:crypto';
import { InvalidReferenceError } from '../errors/registry-errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** `<algorithm>:<hex>` as written in manifests and URLs. */
  readonly text: string;
}

const REGISTERED = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** True for a digest this client can verify. */
export function isDigest(text: string): boolean {
  return REGISTERED.test(text);
}

/** Parses a sha256/sha512 digest; throws {@link InvalidReferenceError} for anything else. */
export function parseDigest(text: string): ParsedDigest {
  if (!REGISTERED.test(text)) throw new InvalidReferenceError('digest', text);
  const colon = text.indexOf(':');
  return { algorithm: text.slice(0, colon) as DigestAlgorithm, hex: text.slice(colon + 1), text };
}

/** The digest of `bytes` with `algorithm` (sha256 unless told). */
export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Incremental digest check over streamed chunks. */
export class DigestVerifier {
  readonly #hash: Hash;
  constructor(readonly expected: ParsedDigest) {
    this.#hash = createHash(expected.algorithm);
  }
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  /** The digest of everything seen; call once, at the end. */
  actual(): string {
    return `${this.expected.algorithm}:${this.#hash.digest('hex')}`;
  }
}
