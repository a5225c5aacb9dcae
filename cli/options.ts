/** Command-line parsing and validation for `harbor-scanner-models scan` (the CLI's only edge). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isSeverity, type Severity } from '../analyzers/finding.js';

export type OutputFormat = 'table' | 'json' | 'sarif';
/** The severity at or above which the scan exits 1, or `none` (never). */
export type FailOn = Severity | 'none';
export type SbomOutputFormat = 'spdx' | 'cyclonedx';

export interface ScanOptions {
  readonly targets: readonly string[];
  readonly format: OutputFormat;
  readonly output?: string;
  readonly failOn: FailOn;
  /** Directory SARIF locations are relative to (default: the working directory). */
  readonly sarifRoot: string;
  /** Analysis limits given as flags; the same SCANNER_* variables fill the rest. */
  readonly limits: { readonly maxDepth?: number; readonly maxCompressionRatio?: number };
  readonly policyFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
  readonly insecureSkipVerify: boolean;
  readonly plainHttp: boolean;
  readonly caFile?: string;
  /** Where to write an SBOM of everything scanned, and in which format. */
  readonly sbom?: { readonly file: string; readonly format: SbomOutputFormat };
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: harbor-scanner-models scan [options] PATH|oci://HOST/REPO:TAG|oci://HOST/REPO@sha256:… ...
       harbor-scanner-models backfill [options]   (see backfill --help)

Scans model files, directories (recursively) and OCI artifacts for pickle code execution, format
integrity problems and archive hazards.

Options:
  -f, --format table|json|sarif   output format (default: table)
  -o, --output FILE           write the report to FILE instead of stdout
  --fail-on SEVERITY          exit 1 when a finding is at or above Low|Medium|High|Critical
                              (default: High); none: never exit 1 for findings
  --policy FILE               JSON policy: {"pickle": {"allow": [...], "deny": [...]},
                              "license": {"allow": [...], "deny": [...], "severities": {...}}}
  --sbom FILE                 also write an SBOM of the scanned files to FILE (local files are
                              then read whole, for their SHA-256)
  --sbom-format spdx|cyclonedx  SBOM format: SPDX 2.3 or CycloneDX 1.6 JSON (default: spdx)
  --sarif-root DIR            SARIF file locations relative to DIR (default: the working directory)
  --max-depth N               container nesting analysed (env SCANNER_MAX_DEPTH, default 6)
  --max-compression-ratio N   ratio reported as a decompression bomb (env SCANNER_MAX_COMPRESSION_RATIO, default 200)
  --username USER             registry user (env HSM_REGISTRY_USERNAME)
  --password PASS             registry password (env HSM_REGISTRY_PASSWORD)
  --token TOKEN               registry bearer token (env HSM_REGISTRY_TOKEN)
  --ca-file FILE              extra CA certificates for registry TLS
  --insecure-skip-verify      do not verify the registry's TLS certificate
  --plain-http                talk to the registry over http:// instead of https://
  -V, --version               print the version
  -h, --help                  show this help

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 the scan could not complete.`;

/** `harbor-scanner-models backfill`: the webhook mode's backfill over Harbor (cli/backfill.ts). */
export interface BackfillCliOptions {
  readonly projects?: readonly string[];
  readonly dryRun: boolean;
  readonly concurrency?: number;
}

export const BACKFILL_USAGE = `Usage: harbor-scanner-models backfill [--project NAME]... [--dry-run] [--concurrency N]

Walks Harbor's projects, repositories and artifacts (REST API) and scans the model artifacts without a
current result, attaching the report, SBOM and outcome label as the webhook mode does. Reads the
webhook mode's settings: SCANNER_HARBOR_URL, SCANNER_HARBOR_ROBOT_NAME, SCANNER_HARBOR_ROBOT_SECRET[_FILE],
SCANNER_WEBHOOK_AUTH_HEADER[_FILE], SCANNER_WEBHOOK_SCOPE.

Options:
  --project NAME       only this project (repeatable; default: every project the robot account sees)
  --dry-run            count what would be scanned, scan nothing
  --concurrency N      scans in flight (default: SCANNER_BACKFILL_CONCURRENCY)
  -h, --help           show this help

Progress goes to stderr, the final counters (JSON) to stdout.
Exit codes: 0 every selected artifact has a current result, 2 some could not be scanned or attached.`;

/** node:util's parseArgs, with its errors (`Unknown option '--x'. To specify a positional…`) said in a line. */
function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error;
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`option ${option.split(' ')[0]} needs a value`);
    throw new UsageError((error as Error).message.split('. ')[0] ?? 'invalid arguments');
  }
}

export function parseBackfillArgs(argv: readonly string[]): BackfillCliOptions | 'help' {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: {
      project: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0 && concurrency <= 64))
    throw new UsageError(`invalid --concurrency ${values.concurrency}: expected an integer from 1 to 64`);
  return {
    dryRun: values['dry-run'],
    ...(values.project ? { projects: values.project } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
}

export function parseScanArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ScanOptions | 'help' | 'version' {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f', default: 'table' },
      output: { type: 'string', short: 'o' },
      'fail-on': { type: 'string', default: 'High' },
      policy: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      token: { type: 'string' },
      'ca-file': { type: 'string' },
      sbom: { type: 'string' },
      'sbom-format': { type: 'string' },
      'sarif-root': { type: 'string' },
      'max-depth': { type: 'string' },
      'max-compression-ratio': { type: 'string' },
      'insecure-skip-verify': { type: 'boolean', default: false },
      'plain-http': { type: 'boolean', default: false },
      version: { type: 'boolean', short: 'V', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  const [command, ...targets] = positionals;
  if (command !== 'scan') throw new UsageError(command ? `unknown command ${command}` : 'missing command');
  if (targets.length === 0) throw new UsageError('missing PATH or oci:// reference to scan');
  const format = values.format;
  if (format !== 'table' && format !== 'json' && format !== 'sarif') throw new UsageError(`invalid --format ${format}: expected table, json or sarif`);
  const sbomFormat = values['sbom-format'] ?? 'spdx';
  if (sbomFormat !== 'spdx' && sbomFormat !== 'cyclonedx') throw new UsageError(`invalid --sbom-format ${sbomFormat}: expected spdx or cyclonedx`);
  if (values['sbom-format'] !== undefined && values.sbom === undefined) throw new UsageError('--sbom-format needs --sbom FILE');
  if (values['sarif-root'] !== undefined && format !== 'sarif') throw new UsageError('--sarif-root goes with --format sarif');
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const username = pick(values.username, 'HSM_REGISTRY_USERNAME');
  const password = pick(values.password, 'HSM_REGISTRY_PASSWORD');
  const token = pick(values.token, 'HSM_REGISTRY_TOKEN');
  if ((username === undefined) !== (password === undefined)) throw new UsageError('--username and --password go together');
  const maxDepth = positiveInteger(values['max-depth'], '--max-depth');
  const maxCompressionRatio = positiveInteger(values['max-compression-ratio'], '--max-compression-ratio');
  return {
    targets,
    format,
    failOn: failOnSeverity(values['fail-on']),
    sarifRoot: values['sarif-root'] ?? '.',
    limits: { ...(maxDepth ? { maxDepth } : {}), ...(maxCompressionRatio ? { maxCompressionRatio } : {}) },
    insecureSkipVerify: values['insecure-skip-verify'],
    plainHttp: values['plain-http'],
    ...(values.output ? { output: values.output } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(token ? { token } : {}),
    ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}),
    ...(values.sbom ? { sbom: { file: values.sbom, format: sbomFormat } } : {}),
  };
}

function failOnSeverity(value: string): FailOn {
  if (value.toLowerCase() === 'none') return 'none';
  const severity = value.charAt(0).toUpperCase() + value.slice(1).toLowerCase();
  if (!isSeverity(severity)) throw new UsageError(`invalid --fail-on ${value}: expected Low, Medium, High, Critical or none`);
  return severity;
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`invalid ${flag} ${value}: expected a positive integer`);
  return n;
}
