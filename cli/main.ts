/**
 * `harbor-scanner-models scan PATH|oci://…`: the service's engine, analyzers, limits and policy on local
 * files and registry artifacts, for CI pipelines. `main(argv)` returns the exit code (see exit-codes.ts).
 */
import { writeFile } from 'node:fs/promises';
import { ALL_ANALYZERS, ARTIFACT_RULES } from '../analyzers/index.js';
import type { Fact } from '../analyzers/analyzer.js';
import { ScanEngine } from '../analyzers/engine.js';
import { severityRank, type Finding } from '../analyzers/finding.js';
import { DEFAULT_LIMITS } from '../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../analyzers/settings.js';
import { loadConfig, loadPolicyFile } from '../server/config/config.js';
import { SCANNER } from '../server/http/scanner-info.js';
import { ruleDocLink } from '../server/report/rule-links.js';
import { toSarif } from '../server/report/sarif.js';
import { buildSbomModel } from '../server/report/sbom-model.js';
import { renderSbom } from '../server/report/sbom-report.js';
import type { ScannedFile } from '../server/jobs/model.js';
import { SBOM_FORMAT } from '../spec/mime.js';
import { basicAuthorization } from '../server/registry/credentials.js';
import { registryArtifactOpener } from '../server/scan/registry-artifact.js';
import { scanArtifact, type ScannableArtifact, type ScanProgress } from '../server/scan/scan-files.js';
import { backfillCommand } from './backfill.js';
import { EXIT } from './exit-codes.js';
import { toCliReport } from './json-report.js';
import { localFiles, type SkippedPath } from './local-files.js';
import { isOciReference, parseOciReference } from './oci-reference.js';
import { parseScanArgs, USAGE, UsageError, type ScanOptions } from './options.js';
import { toTable } from './table-report.js';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] === 'backfill') return backfillCommand(argv.slice(1), env);
  let options: ScanOptions | 'help';
  try {
    options = parseScanArgs(argv, env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.clean;
  }
  try {
    return await scan(options, env);
  } catch (error) {
    process.stderr.write(`harbor-scanner-models: scan could not complete: ${(error as Error).message}\n`);
    return EXIT.error;
  }
}

async function scan(options: ScanOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const settings = options.policyFile ? loadPolicyFile(options.policyFile) : DEFAULT_SETTINGS;
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings });
  const signal = new AbortController().signal;
  const progress = process.stderr.isTTY ? progressLine() : undefined;
  const findings: Finding[] = [];
  const facts: Fact[] = [];
  const files: ScannedFile[] = [];
  const counts = { filesScanned: 0, bytesScanned: 0 };
  const skipped: SkippedPath[] = [];

  for (const target of options.targets) {
    const opened = await openTarget(target, options, env, skipped);
    try {
      const prefix = options.targets.length > 1 && !isOciReference(target) ? `${target.replace(/\/+$/, '')}/` : '';
      const result = await scanArtifact(engine, opened, { packaging: opened.packaging, signal, ...(progress ? { onFile: progress } : {}) });
      counts.filesScanned += result.filesScanned;
      counts.bytesScanned += result.bytesScanned;
      findings.push(...result.findings.map((f) => (prefix ? { ...f, file: prefix + f.file } : f)));
      facts.push(...(result.facts ?? []).map((f) => (prefix ? { ...f, file: prefix + f.file } : f)));
      files.push(...result.files.map((f) => (prefix ? { ...f, path: prefix + f.path } : f)));
    } finally {
      await opened.close();
    }
  }
  if (progress) process.stderr.write('\r\x1b[K');
  for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);

  const report = toCliReport({ name: SCANNER.name, version: SCANNER.version }, options.targets, counts, findings, facts);
  if (options.sbom) {
    const model = buildSbomModel({
      subject: { name: options.targets.length === 1 ? targetName(options.targets[0]!) : 'models' },
      tool: SCANNER,
      generatedAt: new Date(),
      packaging: options.targets.some(isOciReference) ? 'oci' : 'local',
      files,
      facts,
    });
    const format = options.sbom.format === 'spdx' ? SBOM_FORMAT.spdx : SBOM_FORMAT.cyclonedx;
    await writeFile(options.sbom.file, JSON.stringify(renderSbom(model, format), null, 2) + '\n');
  }
  const docsUrl = loadConfig(env).harbor.docsUrl;
  const output =
    options.format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : options.format === 'sarif'
        ? JSON.stringify(
            toSarif(findings, [...engine.rules(), ...ARTIFACT_RULES], {
              toolName: SCANNER.name,
              toolVersion: SCANNER.version,
              informationUri: docsUrl,
              ruleLink: (id) => ruleDocLink(id, docsUrl),
            }),
            null,
            2,
          ) + '\n'
        : toTable(report);
  if (options.output) await writeFile(options.output, output);
  else process.stdout.write(output);

  const failOn = options.failOn;
  return failOn && findings.some((f) => severityRank(f.severity) >= severityRank(failOn)) ? EXIT.findings : EXIT.clean;
}

interface OpenedTarget extends ScannableArtifact {
  readonly packaging: string;
  close(): Promise<void>;
}

async function openTarget(target: string, options: ScanOptions, env: NodeJS.ProcessEnv, skipped: SkippedPath[]): Promise<OpenedTarget> {
  if (!isOciReference(target))
    return { packaging: 'local', files: () => localFiles(target, skipped, { hash: options.sbom !== undefined }), close: async () => undefined };
  const ref = parseOciReference(target);
  if (!ref) throw new UsageError(`invalid OCI reference ${target}: expected oci://host/repository[:tag][@sha256:…]`);
  const registry = loadConfig(env).registry;
  const open = registryArtifactOpener({
    ...registry,
    insecureSkipVerify: options.insecureSkipVerify,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    limits: DEFAULT_LIMITS,
  });
  const authorization = options.token
    ? `Bearer ${options.token}`
    : options.username && options.password
      ? basicAuthorization(options.username, options.password)
      : undefined;
  const artifact = await open(
    { registryUrl: `${options.plainHttp ? 'http' : 'https'}://${ref.registry}`, repository: ref.repository, digest: ref.reference },
    authorization,
    new AbortController().signal,
  );
  return artifact;
}

/** A target's last path segment or repository name, without a tag or digest. */
function targetName(target: string): string {
  const last = target.replace(/\/+$/, '').split('/').pop() || target;
  return last.replace(/[@:].*$/, '') || last;
}

function progressLine(): ScanProgress {
  return ({ files, bytes, path }) => {
    const line = `scanned ${files} files, ${(bytes / 1e6).toFixed(1)} MB: ${path}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
  };
}
