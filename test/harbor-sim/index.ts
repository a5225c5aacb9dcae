/** Harbor simulator for end-to-end tests: see ./simulator.ts. */
export { HarborSimulator, HARBOR_TIMING } from './simulator.js';
export type {
  ArtifactToScan,
  HarborArtifactType,
  HarborFlavor,
  HarborSimulatorOptions,
  HarborTiming,
  PollRecord,
  RegistryAccess,
  ReportOutcome,
  ScanOutcome,
  ScanTask,
} from './simulator.js';
export { HarborAdapterClient, HarborError, ReportNotReadyError } from './harbor-client.js';
export type { SentRequest } from './harbor-client.js';
export { validateMetadataModelSecurity, validateMetadataUpstream } from './metadata-validation.js';
export type { HarborMetadata } from './metadata-validation.js';
export { DEFAULT_REFRESH_SECONDS, parseGoInt, refreshAfterSeconds } from './go-int.js';
export type { AdapterAuth } from './registration.js';
export { HarborReportStore } from './report-store.js';
export type { StoredRecord } from './report-store.js';
export type { RobotAccount, HarborScanRequest } from './scan-request.js';
