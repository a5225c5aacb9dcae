/**
 * The one configuration tree, built once from `SCANNER_*` environment variables and checked at start.
 * Only this module reads `process.env`; constructors receive their slice. A bad value stops the service
 * with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { makeLimits, type AnalyzerLimits } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS, type AnalyzerSettings } from '../../analyzers/settings.js';
import { parseDuration } from './duration.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'E_CONFIG';
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'expected true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const duration = z
  .string()
  .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 90s, 5m or 1h')
  .transform((v) => parseDuration(v)!);

const positiveInt = z.coerce.number().int().positive();

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
  SCANNER_DATA_DIR: { schema: z.string().min(1), default: './data', help: 'Directory of the embedded job and report store (SQLite).' },
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
  SCANNER_JOB_WORKERS: { schema: positiveInt, default: '2', help: 'Scans run in parallel by this process.' },
  SCANNER_SCAN_TIMEOUT: { schema: duration, default: '60m', help: 'Time limit of one scan; a scan over it fails with a timeout error.' },
  SCANNER_REPORT_TTL: { schema: duration, default: '24h', help: 'How long finished reports are kept for Harbor to collect.' },
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
  SCANNER_REGISTRY_CA_FILE: { schema: z.string(), default: '', help: 'PEM file of extra CAs trusted for registry TLS.' },
  SCANNER_REGISTRY_INSECURE_SKIP_VERIFY: { schema: bool, default: 'false', help: 'Skip registry TLS certificate verification.' },
  SCANNER_REGISTRY_TIMEOUT: { schema: duration, default: '60s', help: 'Timeout of one registry request.' },
  SCANNER_REGISTRY_RETRIES: { schema: z.coerce.number().int().min(0).max(10), default: '3', help: 'Retries on 429, 5xx and network errors.' },
  SCANNER_POLICY_FILE: {
    schema: z.string(),
    default: '',
    help: 'JSON file extending the pickle policy: {"pickle": {"allow": ["mod.name"], "deny": ["mod.*"]}}.',
  },
  SCANNER_MAX_DEPTH: { schema: positiveInt, default: '6', help: 'Container nesting depth analysed (zip in tar in gzip…).' },
  SCANNER_MAX_COMPRESSION_RATIO: { schema: positiveInt, default: '200', help: 'Decompressed/compressed ratio reported as a bomb.' },
  SCANNER_DOCS_URL: {
    schema: z.string().url(),
    default: 'https://github.com/harbor-scanner-models/harbor-scanner-models/blob/main/docs/rules.md',
    help: 'Base URL of the rule catalogue linked from reports.',
  },
} as const;

export type VariableName = keyof typeof VARIABLES;

const policyFileSchema = z
  .object({
    pickle: z
      .object({ allow: z.array(z.string().min(1)).default([]), deny: z.array(z.string().min(1)).default([]) })
      .strict()
      .optional(),
  })
  .strict();

export interface Config {
  readonly api: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  /** 32-byte key for sealing pending credentials; undefined: random per process. */
  readonly storeKey?: Uint8Array;
  readonly logLevel: string;
  readonly jobs: { readonly workers: number; readonly scanTimeoutMs: number; readonly reportTtlMs: number; readonly refreshAfterSeconds: number };
  readonly harbor: { readonly modelSecurity: boolean; readonly registryAuthorizationType: 'Basic' | 'Bearer'; readonly docsUrl: string };
  readonly registry: { readonly caFile?: string; readonly insecureSkipVerify: boolean; readonly timeoutMs: number; readonly retries: number };
  readonly limits: AnalyzerLimits;
  readonly settings: AnalyzerSettings;
}

type Parsed = { [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values = {} as Record<string, unknown>;
  for (const [name, variable] of Object.entries(VARIABLES)) {
    const raw = env[name] ?? variable.default;
    const result = variable.schema.safeParse(raw);
    if (!result.success)
      throw new ConfigError(`invalid ${name}=${JSON.stringify(raw)}: ${result.error.issues.map((i) => i.message).join('; ')}`);
    values[name] = result.data;
  }
  const v = values as Parsed;
  return {
    api: v.SCANNER_API_SERVER_ADDR,
    dataDir: path.resolve(v.SCANNER_DATA_DIR),
    ...(v.SCANNER_STORE_KEY ? { storeKey: Buffer.from(v.SCANNER_STORE_KEY, 'base64') } : {}),
    logLevel: v.SCANNER_LOG_LEVEL,
    jobs: {
      workers: v.SCANNER_JOB_WORKERS,
      scanTimeoutMs: v.SCANNER_SCAN_TIMEOUT,
      reportTtlMs: v.SCANNER_REPORT_TTL,
      refreshAfterSeconds: v.SCANNER_REFRESH_AFTER,
    },
    harbor: {
      modelSecurity: v.SCANNER_MODEL_SECURITY,
      registryAuthorizationType: v.SCANNER_REGISTRY_AUTHORIZATION_TYPE,
      docsUrl: v.SCANNER_DOCS_URL,
    },
    registry: {
      ...(v.SCANNER_REGISTRY_CA_FILE ? { caFile: v.SCANNER_REGISTRY_CA_FILE } : {}),
      insecureSkipVerify: v.SCANNER_REGISTRY_INSECURE_SKIP_VERIFY,
      timeoutMs: v.SCANNER_REGISTRY_TIMEOUT,
      retries: v.SCANNER_REGISTRY_RETRIES,
    },
    limits: makeLimits({ maxDepth: v.SCANNER_MAX_DEPTH, maxCompressionRatio: v.SCANNER_MAX_COMPRESSION_RATIO }),
    settings: v.SCANNER_POLICY_FILE ? loadPolicyFile(v.SCANNER_POLICY_FILE) : DEFAULT_SETTINGS,
  };
}

/** Reads the policy file named by SCANNER_POLICY_FILE (also used by the CLI's --policy). */
export function loadPolicyFile(file: string): AnalyzerSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid SCANNER_POLICY_FILE ${file}: ${(error as Error).message}`);
  }
  const result = policyFileSchema.safeParse(parsed);
  if (!result.success)
    throw new ConfigError(`invalid SCANNER_POLICY_FILE ${file}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { pickle: result.data.pickle ?? DEFAULT_SETTINGS.pickle };
}
