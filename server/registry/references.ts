/**
 * Repository names and references as the OCI distribution spec defines them (oci-model-formats.md §5.1).
 * Checked before they become URL path segments, so a name like `../x` never reaches the registry.
 */
import { InvalidReferenceError } from '../errors/registry-errors.js';
import { isDigest } from './digest.js';

const REPOSITORY = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// distribution rejects longer names (`reference.NameTotalLengthMax`).
const MAX_REPOSITORY_LENGTH = 255;

/** Returns `name` when it is a valid repository name; throws {@link InvalidReferenceError} otherwise. */
export function checkRepository(name: string): string {
  if (name.length > MAX_REPOSITORY_LENGTH || !REPOSITORY.test(name)) throw new InvalidReferenceError('repository', name);
  return name;
}

/** Returns `reference` when it is a tag or a sha256/sha512 digest; throws otherwise. */
export function checkReference(reference: string): string {
  if (!TAG.test(reference) && !isDigest(reference)) throw new InvalidReferenceError('reference', reference);
  return reference;
}
