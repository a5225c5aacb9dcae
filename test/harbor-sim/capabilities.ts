/**
 * How Harbor reads a registration's metadata when it schedules a scan (`src/pkg/scan/dao/scanner/
 * model.go`, `src/controller/scan/checker.go`; ../shared/reference/harbor-scanner-api.md §3.5, §3.7,
 * §3.8). MIME types are compared as exact strings, as Harbor does.
 */
import type { HarborMetadata } from './metadata-validation.js';

/** The property that switches Harbor to exchanging the robot credentials for a token itself. */
export const REGISTRY_AUTHORIZATION_TYPE = 'harbor.scanner-adapter/registry-authorization-type';

/** `Registration.HasCapability`: some capability consumes the artifact's manifest MIME type. */
export function hasCapability(md: HarborMetadata, manifestMimeType: string): boolean {
  return (md.capabilities ?? []).some((c) => (c?.consumes_mime_types ?? []).includes(manifestMimeType));
}

/**
 * `Registration.GetProducesMimeTypes`: the report types of the FIRST capability whose type matches
 * (absent or empty counts as `vulnerability`) and that consumes the artifact's MIME type. Harbor makes
 * one report placeholder, and later one poller, per entry.
 */
export function producesMimeTypes(md: HarborMetadata, manifestMimeType: string, scanType: string): readonly string[] {
  for (const capability of md.capabilities ?? []) {
    const type = capability?.type || 'vulnerability';
    if (type === scanType && (capability?.consumes_mime_types ?? []).includes(manifestMimeType))
      return capability?.produces_mime_types ?? [];
  }
  return [];
}

/** `Registration.GetRegistryAuthorizationType`: `Bearer` only when the property says exactly that. */
export function registryAuthorizationType(md: HarborMetadata): 'Basic' | 'Bearer' {
  return md.properties?.[REGISTRY_AUTHORIZATION_TYPE] === 'Bearer' ? 'Bearer' : 'Basic';
}
