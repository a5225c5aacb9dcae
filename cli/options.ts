/** Command-line parsing and validation for `harbor-scanner-models scan` (the CLI's only edge). */
import { parseArgs } from 'node:util';
import { isSeverity, type Severity } from '../analyzers/finding.js';

export type OutputFormat = 'table' | 'json' | 'sarif';

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
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: harbor-scanner-models scan [options] PATH|oci://HOST/REPO:TAG|oci://HOST/REPO@sha256:… ...

Scans model files, directories (recursively) and OCI artifacts for pickle code execution, format
integrity problems and archive hazards.

Options:
  --format table|json|sarif   output format (default: table)
  --output FILE               write the report to FILE instead of stdout
  --fail-on SEVERITY          exit 1 when a finding is at or above Low|Medium|High|Critical
  --policy FILE               JSON policy: {"pickle": {"allow": [...], "deny": [...]}}
  --username USER             registry user (env HSM_REGISTRY_USERNAME)
  --password PASS             registry password (env HSM_REGISTRY_PASSWORD)
  --token TOKEN               registry bearer token (env HSM_REGISTRY_TOKEN)
  --ca-file FILE              extra CA certificates for registry TLS
  --insecure-skip-verify      do not verify the registry's TLS certificate
  --plain-http                talk to the registry over http:// instead of https://
  -h, --help                  show this help

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 the scan could not complete.`;

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
  };
}
