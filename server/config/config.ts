/**
 * The one configuration tree, built once from `SCANNER_*` environment variables and checked at start.
 * Only this module reads `process.env`; constructors receive their slice. A bad value stops the service
 * with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AnalyzerLimits } from '../../analyzers/limits.js';
import type { AnalyzerSettings } from '../../analyzers/settings.js';
import type { ApiAuthSettings, ApiCredentials } from '../http/auth.js';
import type { TlsSettings } from '../http/tls.js';
import type { TelemetrySettings } from '../observability/otel.js';
import { WEBHOOK_SCOPES, type HarborModeSettings } from '../harbor/settings.js';
import {
  ANALYSIS_VARIABLES,
  analysisConfig,
  booleanValue,
  durationValue,
  httpUrlValue,
  integerValue,
  type RegistrySettings,
  type ValueParser,
  type VariableDefinition,
} from './analysis.js';
import { parseByteSize, parseDuration } from './duration.js';
import { ConfigError } from './errors.js';

export { ConfigError };
export { loadAnalysisConfig, loadPolicyFile, type AnalysisConfig } from './analysis.js';

/** A schema for a variable whose syntax analysis.ts defines (shared with the CLI, which loads no zod). */
function parsed<T>(parse: ValueParser<T>) {
  return z.string().transform((raw, ctx): T => {
    const result = parse(raw);
    if ('value' in result) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  });
}

function analysisVariable<T>({ parse, ...rest }: VariableDefinition<T>) {
  return { schema: parsed(parse), ...rest };
}

const bool = parsed(booleanValue);
const duration = parsed(durationValue);
const positiveInt = parsed(integerValue(1));

/** Comma-separated list; empty items dropped. */
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** Listen address `host:port` or `:port` (Harbor's reference adapter uses `:8080`). */
const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:]*):\d{1,5}$/, 'expected host:port or :port')
  .transform((v) => {
    const i = v.lastIndexOf(':');
    const host = v.slice(0, i).replace(/^\[|\]$/g, '');
    return { host: host === '' ? '0.0.0.0' : host, port: Number(v.slice(i + 1)) };
  });

/** Each variable: schema and default, in one table so the README's configuration table matches the code. */
export const VARIABLES = {
  SCANNER_API_SERVER_ADDR: { schema: listenAddress, default: ':8080', help: 'Listen address (host:port or :port).' },
  SCANNER_API_SERVER_TLS_CERTIFICATE: {
    schema: z.string(),
    default: '',
    help: 'PEM certificate (chain) file: with SCANNER_API_SERVER_TLS_KEY the API is served over HTTPS (TLS 1.2+), reloaded on SIGHUP and when the files change.',
  },
  SCANNER_API_SERVER_TLS_KEY: { schema: z.string(), default: '', help: 'PEM private key file of SCANNER_API_SERVER_TLS_CERTIFICATE.' },
  SCANNER_API_SERVER_CLIENT_CAS: {
    schema: list,
    default: '',
    help: 'Comma-separated PEM files of CAs for client certificates: enables mTLS (a client without a certificate they signed is refused).',
  },
  SCANNER_API_SERVER_METRICS_ENABLED: { schema: bool, default: 'true', help: 'Serve Prometheus metrics on GET /metrics.' },
  SCANNER_API_AUTH: {
    schema: z.string().trim().toLowerCase().pipe(z.enum(['none', 'basic', 'bearer', 'apikey'])),
    default: 'none',
    help: "Credentials Harbor must send, as the scanner registration's authorization type: none, basic, bearer or apikey (X-ScannerAdapter-API-Key).",
  },
  SCANNER_API_AUTH_USERNAME: { schema: z.string(), default: '', help: 'User name for SCANNER_API_AUTH=basic.' },
  SCANNER_API_AUTH_PASSWORD: { schema: z.string(), default: '', help: 'Password for SCANNER_API_AUTH=basic.' },
  SCANNER_API_AUTH_PASSWORD_FILE: { schema: z.string(), default: '', help: 'File holding SCANNER_API_AUTH_PASSWORD (read at start).' },
  SCANNER_API_AUTH_TOKEN: { schema: z.string(), default: '', help: 'Token for SCANNER_API_AUTH=bearer.' },
  SCANNER_API_AUTH_TOKEN_FILE: { schema: z.string(), default: '', help: 'File holding SCANNER_API_AUTH_TOKEN (read at start).' },
  SCANNER_API_KEY: { schema: z.string(), default: '', help: 'Key for SCANNER_API_AUTH=apikey.' },
  SCANNER_API_KEY_FILE: { schema: z.string(), default: '', help: 'File holding SCANNER_API_KEY (read at start).' },
  SCANNER_API_AUTH_PROTECT_PROBES: { schema: bool, default: 'false', help: 'Require the credentials on /probe/healthy and /probe/ready too.' },
  SCANNER_API_AUTH_PROTECT_METRICS: { schema: bool, default: 'false', help: 'Require the credentials on /metrics too.' },
  SCANNER_DATA_DIR: { schema: z.string().min(1), default: './data', help: 'Directory of the embedded job and report store (SQLite).' },
  SCANNER_LAYER_CACHE_BYTES: {
    schema: z
      .string()
      .refine((v) => parseByteSize(v) !== undefined, 'expected a size in bytes such as 268435456, 256MiB or 1GB, or 0')
      .transform((v) => parseByteSize(v)!),
    default: '256MiB',
    help: 'Budget of the layer result cache (analyses of layers already read, reused by every artifact, tag, repository and replica that has the layer): in SQLite under SCANNER_DATA_DIR, in Redis in Redis mode; least recently used entries are evicted. 0: off.',
  },
  SCANNER_LOG_LEVEL: {
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    default: 'info',
    help: 'Log level (JSON logs on stdout).',
  },
  SCANNER_STORE_KEY: {
    schema: z
      .string()
      .refine((v) => v === '' || Buffer.from(v, 'base64').length === 32, 'expected 32 bytes, base64-encoded (openssl rand -base64 32)'),
    default: '',
    help: 'Key sealing registry credentials of pending scans so they resume after a restart; unset: a per-process key, pending scans fail after a restart.',
  },
  SCANNER_REDIS_URL: {
    schema: z.string().trim().refine((v) => v === '' || isRedisUrl(v), 'expected redis://[user:password@]host[:port][/db] or rediss://…'),
    default: '',
    help: 'Redis mode: jobs, reports and the scan queue in this Redis, shared by all replicas (e.g. redis://redis:6379/0; needs SCANNER_STORE_KEY). Unset: embedded SQLite store and in-process queue.',
  },
  SCANNER_REDIS_NAMESPACE: {
    schema: z.string().regex(/^[A-Za-z0-9._:-]+$/, 'expected letters, digits, ".", "_", ":" or "-"'),
    default: 'harbor-scanner-models',
    help: 'Prefix of every Redis key; the replicas of one deployment share it.',
  },
  SCANNER_REDIS_JOB_LOCK: {
    schema: duration.refine((ms) => ms >= 1_000, 'expected at least 1s'),
    default: '30s',
    help: 'Redis mode: lock a replica renews (every half period) on each scan it runs; once it lapses (replica died, hung, cut off) another replica takes the scan over, within one to three periods.',
  },
  SCANNER_REDIS_MAX_INTERRUPTIONS: {
    schema: z.coerce.number().int().min(0).max(10),
    default: '2',
    help: 'Redis mode: how many times a scan whose replica stopped is taken over by another; one interruption more fails it.',
  },
  SCANNER_JOB_WORKERS: { schema: positiveInt, default: '2', help: 'Scans run in parallel by this process, each on its own analysis thread (the API never waits for one); more than the CPUs available to the process brings nothing.' },
  SCANNER_SCAN_TIMEOUT: { schema: duration, default: '60m', help: 'Time limit of one scan; a scan over it fails with a timeout error.' },
  SCANNER_SHUTDOWN_GRACE: {
    schema: duration,
    default: '25s',
    help: 'On SIGTERM, how long polls are still answered while running scans finish; unfinished ones resume in the next process (keep it below Kubernetes terminationGracePeriodSeconds).',
  },
  SCANNER_REPORT_TTL: { schema: duration, default: '24h', help: 'How long finished reports are kept for Harbor to collect.' },
  SCANNER_PROGRESS_LOG_INTERVAL: {
    schema: z.string().refine((v) => v.trim() === '0' || parseDuration(v) !== undefined, 'expected a duration such as 30s, or 0').transform((v) => parseDuration(v) ?? 0),
    default: '30s',
    help: 'Interval of "scan in progress" log lines (files and bytes done) while a scan runs; 0: none.',
  },
  SCANNER_REFRESH_AFTER: {
    schema: z.coerce.number().int().min(1).max(127),
    default: '2',
    help: 'Seconds Harbor is told to wait between polls (Refresh-After; Harbor parses it as int8, so 1..127).',
  },
  SCANNER_MODEL_SECURITY: {
    schema: bool,
    default: 'false',
    help: 'Advertise the model-security capability (only for Harbor builds with model scanning; upstream Harbor rejects it).',
  },
  SCANNER_REGISTRY_AUTHORIZATION_TYPE: {
    schema: z.enum(['Basic', 'Bearer']),
    default: 'Basic',
    help: 'What Harbor should send in registry.authorization: robot Basic credentials (we do the token exchange) or a Bearer token Harbor obtained.',
  },
  SCANNER_REGISTRY_CA_FILE: analysisVariable(ANALYSIS_VARIABLES.SCANNER_REGISTRY_CA_FILE),
  SCANNER_REGISTRY_INSECURE_SKIP_VERIFY: analysisVariable(ANALYSIS_VARIABLES.SCANNER_REGISTRY_INSECURE_SKIP_VERIFY),
  SCANNER_REGISTRY_TIMEOUT: analysisVariable(ANALYSIS_VARIABLES.SCANNER_REGISTRY_TIMEOUT),
  SCANNER_REGISTRY_RETRIES: analysisVariable(ANALYSIS_VARIABLES.SCANNER_REGISTRY_RETRIES),
  SCANNER_VERIFY_BLOBS: analysisVariable(ANALYSIS_VARIABLES.SCANNER_VERIFY_BLOBS),
  SCANNER_POLICY_FILE: analysisVariable(ANALYSIS_VARIABLES.SCANNER_POLICY_FILE),
  SCANNER_MAX_DEPTH: analysisVariable(ANALYSIS_VARIABLES.SCANNER_MAX_DEPTH),
  SCANNER_MAX_COMPRESSION_RATIO: analysisVariable(ANALYSIS_VARIABLES.SCANNER_MAX_COMPRESSION_RATIO),
  SCANNER_DOCS_URL: analysisVariable(ANALYSIS_VARIABLES.SCANNER_DOCS_URL),
  SCANNER_HARBOR_URL: {
    schema: parsed(httpUrlValue),
    default: '',
    help: "Webhook mode: Harbor's URL (REST API and registry). Set, it enables POST /api/v1/webhooks/harbor, POST /api/v1/backfill and results attached to artifacts.",
  },
  SCANNER_HARBOR_ROBOT_NAME: { schema: z.string(), default: '', help: 'Webhook mode: robot account name (robot$…) with pull, push and label permissions.' },
  SCANNER_HARBOR_ROBOT_SECRET: { schema: z.string(), default: '', help: "Webhook mode: the robot account's secret." },
  SCANNER_HARBOR_ROBOT_SECRET_FILE: { schema: z.string(), default: '', help: 'File holding SCANNER_HARBOR_ROBOT_SECRET (read at start).' },
  SCANNER_WEBHOOK_AUTH_HEADER: {
    schema: z.string(),
    default: '',
    help: 'Webhook mode: the exact Authorization value of the Harbor webhook policy ("Auth Header"); also guards /api/v1/backfill.',
  },
  SCANNER_WEBHOOK_AUTH_HEADER_FILE: { schema: z.string(), default: '', help: 'File holding SCANNER_WEBHOOK_AUTH_HEADER (read at start).' },
  SCANNER_WEBHOOK_SCOPE: {
    schema: z.enum(WEBHOOK_SCOPES),
    default: 'non-image',
    help: 'Webhook mode: non-image scans the model artifacts Harbor never sends to scanners (not of type IMAGE); all scans images too.',
  },
  SCANNER_BACKFILL_CONCURRENCY: { schema: positiveInt, default: '2', help: 'Webhook mode: scans a backfill keeps in flight.' },
} as const;

export type VariableName = keyof typeof VARIABLES;

export interface Config {
  readonly api: { readonly host: string; readonly port: number };
  /** HTTPS when set. */
  readonly tls?: TlsSettings;
  readonly apiAuth: ApiAuthSettings;
  readonly metrics: { readonly enabled: boolean };
  readonly telemetry: TelemetrySettings;
  readonly dataDir: string;
  /** The layer result cache (server/jobs/layer-cache.ts); `maxBytes` 0: off. */
  readonly layerCache: { readonly maxBytes: number };
  /** 32-byte key for sealing pending credentials; undefined: random per process. */
  readonly storeKey?: Uint8Array;
  /** Redis mode when set; the embedded SQLite store and in-process queue otherwise. */
  readonly redis?: RedisSettings;
  readonly logLevel: string;
  readonly jobs: {
    readonly workers: number;
    readonly scanTimeoutMs: number;
    readonly shutdownGraceMs: number;
    readonly reportTtlMs: number;
    readonly refreshAfterSeconds: number;
    readonly progressLogIntervalMs: number;
  };
  readonly harbor: { readonly modelSecurity: boolean; readonly registryAuthorizationType: 'Basic' | 'Bearer'; readonly docsUrl: string };
  readonly registry: RegistrySettings;
  readonly limits: AnalyzerLimits;
  readonly settings: AnalyzerSettings;
  /** Webhook mode (SCANNER_HARBOR_URL set): results attached to artifacts in Harbor. */
  readonly harborMode?: HarborModeSettings;
}

export interface RedisSettings {
  readonly url: string;
  readonly namespace: string;
  readonly jobLockMs: number;
  readonly maxInterruptions: number;
}

type Parsed = { [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

function parseVariables<N extends VariableName>(env: NodeJS.ProcessEnv, names: readonly N[]): Pick<Parsed, N> {
  const values = {} as Record<string, unknown>;
  for (const name of names) {
    const variable = VARIABLES[name];
    const raw = env[name] ?? variable.default;
    const result = variable.schema.safeParse(raw);
    if (!result.success)
      throw new ConfigError(`invalid ${name}=${JSON.stringify(raw)}: ${result.error.issues.map((i) => i.message).join('; ')}`);
    values[name] = result.data;
  }
  return values as Pick<Parsed, N>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = parseVariables(env, Object.keys(VARIABLES) as VariableName[]) as Parsed;
  const analysis = analysisConfig(v, env);
  const tls = tlsSettings(v);
  const redis = redisSettings(v);
  const harborMode = harborModeSettings(v);
  return {
    api: v.SCANNER_API_SERVER_ADDR,
    ...(tls ? { tls } : {}),
    apiAuth: {
      credentials: apiCredentials(v),
      protectProbes: v.SCANNER_API_AUTH_PROTECT_PROBES,
      protectMetrics: v.SCANNER_API_AUTH_PROTECT_METRICS,
    },
    metrics: { enabled: v.SCANNER_API_SERVER_METRICS_ENABLED },
    telemetry: telemetrySettings(env),
    dataDir: path.resolve(v.SCANNER_DATA_DIR),
    layerCache: { maxBytes: v.SCANNER_LAYER_CACHE_BYTES },
    ...(v.SCANNER_STORE_KEY ? { storeKey: Buffer.from(v.SCANNER_STORE_KEY, 'base64') } : {}),
    ...(redis ? { redis } : {}),
    logLevel: v.SCANNER_LOG_LEVEL,
    jobs: {
      workers: v.SCANNER_JOB_WORKERS,
      scanTimeoutMs: v.SCANNER_SCAN_TIMEOUT,
      shutdownGraceMs: v.SCANNER_SHUTDOWN_GRACE,
      reportTtlMs: v.SCANNER_REPORT_TTL,
      refreshAfterSeconds: v.SCANNER_REFRESH_AFTER,
      progressLogIntervalMs: v.SCANNER_PROGRESS_LOG_INTERVAL,
    },
    harbor: {
      modelSecurity: v.SCANNER_MODEL_SECURITY,
      registryAuthorizationType: v.SCANNER_REGISTRY_AUTHORIZATION_TYPE,
      docsUrl: analysis.docsUrl,
    },
    registry: analysis.registry,
    limits: analysis.limits,
    settings: analysis.settings,
    ...(harborMode ? { harborMode } : {}),
  };
}

function tlsSettings(v: Parsed): TlsSettings | undefined {
  const certFile = v.SCANNER_API_SERVER_TLS_CERTIFICATE;
  const keyFile = v.SCANNER_API_SERVER_TLS_KEY;
  if (certFile === '' && keyFile === '') {
    if (v.SCANNER_API_SERVER_CLIENT_CAS.length > 0)
      throw new ConfigError('SCANNER_API_SERVER_CLIENT_CAS needs TLS: set SCANNER_API_SERVER_TLS_CERTIFICATE and SCANNER_API_SERVER_TLS_KEY');
    return undefined;
  }
  if (certFile === '' || keyFile === '') throw new ConfigError('set both SCANNER_API_SERVER_TLS_CERTIFICATE and SCANNER_API_SERVER_TLS_KEY, or neither');
  return { certFile, keyFile, clientCaFiles: v.SCANNER_API_SERVER_CLIENT_CAS };
}

type SecretName =
  | 'SCANNER_API_AUTH_PASSWORD'
  | 'SCANNER_API_AUTH_TOKEN'
  | 'SCANNER_API_KEY'
  | 'SCANNER_HARBOR_ROBOT_SECRET'
  | 'SCANNER_WEBHOOK_AUTH_HEADER';

/** Which variables each SCANNER_API_AUTH mode needs; any other credential set is a mistake (fail closed). */
const AUTH_NEEDS: Record<ApiCredentials['mode'], readonly ('SCANNER_API_AUTH_USERNAME' | SecretName)[]> = {
  none: [],
  basic: ['SCANNER_API_AUTH_USERNAME', 'SCANNER_API_AUTH_PASSWORD'],
  bearer: ['SCANNER_API_AUTH_TOKEN'],
  apikey: ['SCANNER_API_KEY'],
};

/** Checks and assembles the adapter API credentials. Messages name variables, never values. */
function apiCredentials(v: Parsed): ApiCredentials {
  const mode = v.SCANNER_API_AUTH;
  const given = {
    SCANNER_API_AUTH_USERNAME: v.SCANNER_API_AUTH_USERNAME,
    SCANNER_API_AUTH_PASSWORD: secret(v, 'SCANNER_API_AUTH_PASSWORD'),
    SCANNER_API_AUTH_TOKEN: secret(v, 'SCANNER_API_AUTH_TOKEN'),
    SCANNER_API_KEY: secret(v, 'SCANNER_API_KEY'),
  };
  const needs = AUTH_NEEDS[mode];
  for (const [name, value] of Object.entries(given) as [keyof typeof given, string][]) {
    if (needs.includes(name) && value === '') throw new ConfigError(`SCANNER_API_AUTH=${mode} needs ${name}${name === 'SCANNER_API_AUTH_USERNAME' ? '' : ` or ${name}_FILE`}`);
    if (!needs.includes(name) && value !== '')
      throw new ConfigError(`${name} is set but SCANNER_API_AUTH=${mode} does not use it: set the matching SCANNER_API_AUTH or unset ${name}`);
    // Header values cannot carry control characters, and HTTP strips surrounding whitespace (RFC 9110 §5.5).
    if (value !== '' && (/[\u0000-\u001f\u007f]/.test(value) || value.trim() !== value))
      throw new ConfigError(`${name} must not contain control characters or start or end with whitespace`);
  }
  // RFC 7617 §2: the user-id cannot contain a colon (Harbor's portal joins user and password with one).
  if (given.SCANNER_API_AUTH_USERNAME.includes(':')) throw new ConfigError('SCANNER_API_AUTH_USERNAME must not contain ":"');
  switch (mode) {
    case 'none':
      return { mode };
    case 'basic':
      return { mode, username: given.SCANNER_API_AUTH_USERNAME, password: given.SCANNER_API_AUTH_PASSWORD };
    case 'bearer':
      return { mode, token: given.SCANNER_API_AUTH_TOKEN };
    case 'apikey':
      return { mode, key: given.SCANNER_API_KEY };
  }
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname);
  } catch {
    return false;
  }
}

function redisSettings(v: Parsed): RedisSettings | undefined {
  if (v.SCANNER_REDIS_URL === '') return undefined;
  // Any replica may run a scan another accepted: all must open the credentials sealed by the others.
  if (v.SCANNER_STORE_KEY === '')
    throw new ConfigError('SCANNER_REDIS_URL needs SCANNER_STORE_KEY: every replica must unseal the registry credentials of scans the others accepted (the same key on all replicas)');
  return {
    url: v.SCANNER_REDIS_URL,
    namespace: v.SCANNER_REDIS_NAMESPACE,
    jobLockMs: v.SCANNER_REDIS_JOB_LOCK,
    maxInterruptions: v.SCANNER_REDIS_MAX_INTERRUPTIONS,
  };
}

/**
 * The webhook mode, all or nothing: with SCANNER_HARBOR_URL it needs the robot account and the webhook's
 * auth header (an unauthenticated webhook would let anyone start scans and pushes); without it, setting
 * any of them is a mistake. Messages name variables, never values.
 */
function harborModeSettings(v: Parsed): HarborModeSettings | undefined {
  const given = {
    SCANNER_HARBOR_ROBOT_NAME: v.SCANNER_HARBOR_ROBOT_NAME,
    SCANNER_HARBOR_ROBOT_SECRET: secret(v, 'SCANNER_HARBOR_ROBOT_SECRET'),
    SCANNER_WEBHOOK_AUTH_HEADER: secret(v, 'SCANNER_WEBHOOK_AUTH_HEADER'),
  };
  if (v.SCANNER_HARBOR_URL === '') {
    const stray = Object.entries(given).find(([, value]) => value !== '');
    if (stray) throw new ConfigError(`${stray[0]} is set but SCANNER_HARBOR_URL is not: set SCANNER_HARBOR_URL to enable the webhook mode`);
    return undefined;
  }
  for (const [name, value] of Object.entries(given)) {
    if (value === '') throw new ConfigError(`SCANNER_HARBOR_URL needs ${name}${name === 'SCANNER_HARBOR_ROBOT_NAME' ? '' : ` or ${name}_FILE`}`);
    if (/[\u0000-\u001f\u007f]/.test(value) || value.trim() !== value)
      throw new ConfigError(`${name} must not contain control characters or start or end with whitespace`);
  }
  if (given.SCANNER_HARBOR_ROBOT_NAME.includes(':')) throw new ConfigError('SCANNER_HARBOR_ROBOT_NAME must not contain ":"');
  return {
    url: v.SCANNER_HARBOR_URL.replace(/\/+$/, ''),
    robotName: given.SCANNER_HARBOR_ROBOT_NAME,
    robotSecret: given.SCANNER_HARBOR_ROBOT_SECRET,
    webhookAuthHeader: given.SCANNER_WEBHOOK_AUTH_HEADER,
    scope: v.SCANNER_WEBHOOK_SCOPE,
    backfillConcurrency: v.SCANNER_BACKFILL_CONCURRENCY,
  };
}

/** `NAME` or the content of `NAME_FILE` (one trailing newline dropped: `echo secret > file`). */
function secret(v: Parsed, name: SecretName): string {
  const inline = v[name];
  const file = v[`${name}_FILE`];
  if (inline !== '' && file !== '') throw new ConfigError(`set ${name} or ${name}_FILE, not both`);
  if (file === '') return inline;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(`cannot read ${name}_FILE ${file}: ${(error as Error).message}`);
  }
}

/** The `OTEL_*` variables that ask for export; any set (and not `none`) starts the OpenTelemetry SDK. */
const OTEL_EXPORT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
] as const;

function telemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings {
  const disabled = env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true';
  const requested = OTEL_EXPORT_VARIABLES.some((name) => {
    const value = env[name]?.trim() ?? '';
    return value !== '' && value !== 'none';
  });
  return { enabled: requested && !disabled, serviceName: env['OTEL_SERVICE_NAME']?.trim() || 'harbor-scanner-models' };
}
