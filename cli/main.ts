/**
 * `harbor-scanner-models scan PATH|oci://…`: the service's engine, analyzers, limits and policy on local
 * files and registry artifacts, for CI pipelines. `main(argv)` returns the exit code (see exit-codes.ts).
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_ANALYZERS, ARTIFACT_RULES } from '../analyzers/index.js';
import type { Fact } from '../analyzers/analyzer.js';
import { ScanEngine } from '../analyzers/engine.js';
import { unlicensedRoots } from '../analyzers/license/policy.js';
import { severityRank, type Finding } from '../analyzers/finding.js';
import { makeLimits } from '../analyzers/limits.js';
import { loadAnalysisConfig, loadPolicyFile, type AnalysisConfig } from '../server/config/analysis.js';
import { SCANNER } from '../server/http/scanner-info.js';
import type { ScannedFile } from '../server/jobs/model.js';
import { scanArtifact, type ScannableArtifact, type ScanProgress } from '../server/scan/scan-files.js';
import { EXIT } from './exit-codes.js';
import { toCliReport } from './json-report.js';
import { localFiles, type SkippedPath } from './local-files.js';
import { isOciReference, parseOciReference } from './oci-reference.js';
import { parseScanArgs, USAGE, UsageError, type ScanOptions } from './options.js';
import { toTable } from './table-report.js';

// The scan path loads the engine, analyzers and reporters only: the server (backfill), the registry
// client (oci:// targets) and the SBOM/SARIF writers are imported when a command needs them, and the
// analysis settings are read without the service's configuration (and its zod schemas), so a scan of a
// local file starts in a fraction of the service's start-up (test/unit/cli/startup.test.ts).

const PROGRAM = 'harbor-scanner-models';
/** Local files analysed at once: enough to hide file-system latency, few enough to bound memory and descriptors. */
const LOCAL_FILES_IN_FLIGHT = 8;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] === 'backfill') return (await import('./backfill.js')).backfillCommand(argv.slice(1), env);
  let options: ScanOptions | 'help' | 'version';
  try {
    options = parseScanArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${PROGRAM}: ${error.message}\nRun '${PROGRAM} --help' for usage.\n`);
    return EXIT.error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.clean;
  }
  if (options === 'version') {
    process.stdout.write(`${SCANNER.name} ${SCANNER.version}\n`);
    return EXIT.clean;
  }
  try {
    return await scan(options, env);
  } catch (error) {
    process.stderr.write(`${PROGRAM}: scan could not complete: ${(error as Error).message}\n`);
    return EXIT.error;
  }
}

/** Analysis settings from the SCANNER_* variables a scan uses (never the server's), flags first. */
function analysisConfig(options: ScanOptions, env: NodeJS.ProcessEnv): AnalysisConfig {
  const config = loadAnalysisConfig(env);
  return {
    ...config,
    limits: makeLimits({ ...config.limits, ...options.limits }),
    ...(options.policyFile ? { settings: loadPolicyFile(options.policyFile, '--policy') } : {}),
  };
}

async function scan(options: ScanOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const config = analysisConfig(options, env);
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: config.limits, settings: config.settings });
  const signal = new AbortController().signal;
  const progress = process.stderr.isTTY ? progressLine() : undefined;
  const findings: Finding[] = [];
  const facts: Fact[] = [];
  const files: ScannedFile[] = [];
  const counts = { filesScanned: 0, bytesScanned: 0 };
  const skipped: SkippedPath[] = [];
  /** Where each finding's outer file lies on disk (local targets; `.`, the artifact, is the target), for SARIF. */
  const onDisk = new Map<Finding, string>();

  for (const target of options.targets) {
    const opened = await openTarget(target, options, config, skipped);
    try {
      const prefix = options.targets.length > 1 && !isOciReference(target) ? `${target.replace(/\/+$/, '')}/` : '';
      const result = await scanArtifact(engine, opened, { packaging: opened.packaging, signal, ...(progress ? { onFile: progress } : {}) });
      counts.filesScanned += result.filesScanned;
      counts.bytesScanned += result.bytesScanned;
      for (const finding of result.findings) {
        const shown = prefix ? { ...finding, file: prefix + finding.file } : finding;
        findings.push(shown);
        if (opened.root !== undefined) onDisk.set(shown, finding.file === '.' ? target : path.join(opened.root, finding.file.split('!', 1)[0]!));
      }
      facts.push(...(result.facts ?? []).map((f) => (prefix ? { ...f, file: prefix + f.file } : f)));
      files.push(...result.files.map((f) => (prefix ? { ...f, path: prefix + f.path } : f)));
    } finally {
      await opened.close();
    }
  }
  if (progress) process.stderr.write('\r\x1b[K');
  for (const s of skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);

  const unlicensed = unlicensedRoots(facts, files.map((f) => f.path));
  const report = toCliReport({ name: SCANNER.name, version: SCANNER.version }, options.targets, counts, findings, facts, unlicensed);
  if (options.sbom) await writeSbom(options, options.sbom, files, facts);
  const output =
    options.format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : options.format === 'sarif'
        ? await sarifOutput(findings, engine, config.docsUrl, sarifLocator(options.sarifRoot, onDisk))
        : toTable(report);
  if (options.output) await writeFile(options.output, output);
  else process.stdout.write(output);

  const failOn = options.failOn;
  return failOn !== 'none' && findings.some((f) => severityRank(f.severity) >= severityRank(failOn)) ? EXIT.findings : EXIT.clean;
}

async function writeSbom(options: ScanOptions, sbom: NonNullable<ScanOptions['sbom']>, files: readonly ScannedFile[], facts: readonly Fact[]): Promise<void> {
  const [{ buildSbomModel }, { renderSbom }, { SBOM_FORMAT }] = await Promise.all([
    import('../server/report/sbom-model.js'),
    import('../server/report/sbom-report.js'),
    import('../spec/mime.js'),
  ]);
  const model = buildSbomModel({
    subject: { name: options.targets.length === 1 ? targetName(options.targets[0]!) : 'models' },
    tool: SCANNER,
    generatedAt: new Date(),
    packaging: options.targets.some(isOciReference) ? 'oci' : 'local',
    files,
    facts,
  });
  const format = sbom.format === 'spdx' ? SBOM_FORMAT.spdx : SBOM_FORMAT.cyclonedx;
  await writeFile(sbom.file, JSON.stringify(renderSbom(model, format), null, 2) + '\n');
}

async function sarifOutput(findings: readonly Finding[], engine: ScanEngine, docsUrl: string, locate: SarifLocator): Promise<string> {
  const { toSarif } = await import('../server/report/sarif.js');
  const sarif = toSarif(findings, [...engine.rules(), ...ARTIFACT_RULES], {
    toolName: SCANNER.name,
    toolVersion: SCANNER.version,
    docsUrl,
    ...locate,
  });
  return JSON.stringify(sarif, null, 2) + '\n';
}

type SarifLocator = Pick<import('../server/report/sarif.js').SarifOptions, 'artifactUri' | 'uriBases'>;

/**
 * SARIF locations as code-scanning tools place them: local files relative to `root` (the checkout, by
 * default the working directory) under the `%SRCROOT%` base; artifact files by their path in the artifact.
 */
function sarifLocator(root: string, onDisk: ReadonlyMap<Finding, string>): SarifLocator {
  const base = path.resolve(root);
  return {
    uriBases: { '%SRCROOT%': `${pathToUri(base)}/` },
    artifactUri: (finding) => {
      const file = onDisk.get(finding);
      if (file === undefined) return { uri: encodeURI(finding.file.split('!', 1)[0]!) };
      return { uri: encodeURI(path.relative(base, path.resolve(file)).split(path.sep).join('/')), uriBaseId: '%SRCROOT%' };
    },
  };
}

function pathToUri(absolute: string): string {
  return `file://${encodeURI(absolute.split(path.sep).join('/'))}`;
}

interface OpenedTarget extends ScannableArtifact {
  readonly packaging: string;
  /** The directory a local target's file paths are relative to. */
  readonly root?: string;
  close(): Promise<void>;
}

async function openTarget(target: string, options: ScanOptions, config: AnalysisConfig, skipped: SkippedPath[]): Promise<OpenedTarget> {
  if (!isOciReference(target)) {
    const root = (await stat(target)).isDirectory() ? target : path.dirname(target);
    return {
      packaging: 'local',
      root,
      // Local files stay readable while others are analysed: keep the disk and both cores busy.
      concurrency: LOCAL_FILES_IN_FLIGHT,
      files: () => localFiles(target, skipped, { hash: options.sbom !== undefined }),
      close: async () => undefined,
    };
  }
  const ref = parseOciReference(target);
  if (!ref) throw new UsageError(`invalid OCI reference ${target}: expected oci://host/repository[:tag][@sha256:…]`);
  const [{ registryArtifactOpener }, { basicAuthorization }] = await Promise.all([
    import('../server/scan/registry-artifact.js'),
    import('../server/registry/credentials.js'),
  ]);
  const open = registryArtifactOpener({
    ...config.registry,
    insecureSkipVerify: options.insecureSkipVerify,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    limits: config.limits,
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
