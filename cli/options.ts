/** Command-line parsing and validation for `harbor-scanner-models scan` (the CLI's only edge). */
import { parseArgs } from 'node:util';
import { isSeverity, type Severity } from '../analyzers/finding.js';

export type OutputFormat = 'table' | 'json' | 'sarif';
export type SbomOutputFormat = 'spdx' | 'cyclonedx';

export interface ScanOptions {
  readonly targets: readonly string[];
  readonly format: OutputFormat;
  readonly output?: string;
  readonly failOn?: Severity;
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
  --format table|json|sarif   output format (default: table)
  --output FILE               write the report to FILE instead of stdout
  --fail-on SEVERITY          exit 1 when a finding is at or above Low|Medium|High|Critical
  --policy FILE               JSON policy: {"pickle": {"allow": [...], "deny": [...]},
                              "license": {"allow": [...], "deny": [...], "severities": {...}}}
  --sbom FILE                 also write an SBOM of the scanned files to FILE (local files are
                              then read whole, for their SHA-256)
  --sbom-format spdx|cyclonedx  SBOM format: SPDX 2.3 or CycloneDX 1.6 JSON (default: spdx)
  --username USER             registry user (env HSM_REGISTRY_USERNAME)
  --password PASS             registry password (env HSM_REGISTRY_PASSWORD)
  --token TOKEN               registry bearer token (env HSM_REGISTRY_TOKEN)
  --ca-file FILE              extra CA certificates for registry TLS
  --insecure-skip-verify      do not verify the registry's TLS certificate
  --plain-http                talk to the registry over http:// instead of https://
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

export function parseBackfillArgs(argv: readonly string[]): BackfillCliOptions | 'help' {
  const { values, positionals } = parseArgs({
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

export function parseScanArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ScanOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'table' },
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      policy: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      token: { type: 'string' },
      'ca-file': { type: 'string' },
      sbom: { type: 'string' },
      'sbom-format': { type: 'string' },
      'insecure-skip-verify': { type: 'boolean', default: false },
      'plain-http': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const [command, ...targets] = positionals;
  if (command !== 'scan') throw new UsageError(command ? `unknown command ${command}` : 'missing command');
  if (targets.length === 0) throw new UsageError('missing PATH or oci:// reference to scan');
  const format = values.format;
  if (format !== 'table' && format !== 'json' && format !== 'sarif') throw new UsageError(`invalid --format ${format}: expected table, json or sarif`);
  const sbomFormat = values['sbom-format'] ?? 'spdx';
  if (sbomFormat !== 'spdx' && sbomFormat !== 'cyclonedx') throw new UsageError(`invalid --sbom-format ${sbomFormat}: expected spdx or cyclonedx`);
  if (values['sbom-format'] !== undefined && values.sbom === undefined) throw new UsageError('--sbom-format needs --sbom FILE');
  const failOn = values['fail-on'];
  const severity = failOn === undefined ? undefined : failOn.charAt(0).toUpperCase() + failOn.slice(1).toLowerCase();
  if (severity !== undefined && !isSeverity(severity)) throw new UsageError(`invalid --fail-on ${failOn}: expected Low, Medium, High or Critical`);
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const username = pick(values.username, 'HSM_REGISTRY_USERNAME');
  const password = pick(values.password, 'HSM_REGISTRY_PASSWORD');
  const token = pick(values.token, 'HSM_REGISTRY_TOKEN');
  if ((username === undefined) !== (password === undefined)) throw new UsageError('--username and --password go together');
  return {
    targets,
    format,
    insecureSkipVerify: values['insecure-skip-verify'],
    plainHttp: values['plain-http'],
    ...(values.output ? { output: values.output } : {}),
    ...(severity ? { failOn: severity as Severity } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(token ? { token } : {}),
    ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}),
    ...(values.sbom ? { sbom: { file: values.sbom, format: sbomFormat } } : {}),
  };
}
