/** `oci://host[:port]/repository[:tag][@digest]` as the CLI accepts it. */
export interface OciReference {
  readonly registry: string;
  readonly repository: string;
  /** Tag or digest to resolve; a digest wins when both are given. */
  readonly reference: string;
}

const PATTERN = /^oci:\/\/([^/]+)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}))?$/;

export function isOciReference(target: string): boolean {
  return target.startsWith('oci://');
}

/** Parses a reference; undefined when it is malformed. A reference without tag or digest means `latest`. */
export function parseOciReference(target: string): OciReference | undefined {
  const m = PATTERN.exec(target);
  if (!m) return undefined;
  return { registry: m[1]!, repository: m[2]!, reference: m[4] ?? m[3] ?? 'latest' };
}
