/**
 * Every pickle fixture through the whole engine (content sniffing, containers, all analyzers), as the
 * service and the CLI run it: what the per-analyzer tests cannot show is that each file is routed to
 * the pickle analyzer at all. Malicious fixtures must reach High or Critical (a merely imported unknown
 * global is Medium by policy), benign ones must raise nothing at Medium or above from code analysis.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_ANALYZERS } from '../../analyzers/index.js';
import { ScanEngine } from '../../analyzers/engine.js';
import { severityRank, type Finding } from '../../analyzers/finding.js';
import { DEFAULT_LIMITS } from '../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../analyzers/settings.js';
import { localFiles } from '../../cli/local-files.js';
import { scanFiles } from '../../server/scan/scan-files.js';

const FIXTURES = path.resolve('test/fixtures/pickle');
/** Only imported, never called: Medium by design (issue 3, policy). */
const IMPORT_ONLY = new Set(['unknown_function_import.pkl']);
/** Findings about licenses are not about code; a bare fixture directory has none. */
const codeFinding = (f: Finding) => f.analyzer !== 'license';

async function scanDir(dir: string): Promise<Map<string, Finding[]>> {
  const engine = new ScanEngine({ analyzers: ALL_ANALYZERS, limits: DEFAULT_LIMITS, settings: DEFAULT_SETTINGS });
  const result = await scanFiles(engine, localFiles(path.join(FIXTURES, dir), []), { packaging: 'local', signal: new AbortController().signal });
  const byFile = new Map<string, Finding[]>(result.files.map((f) => [f.path, []]));
  for (const finding of result.findings.filter(codeFinding)) byFile.get(finding.file.split('!')[0]!)?.push(finding);
  return byFile;
}

const worst = (findings: readonly Finding[]) => Math.max(0, ...findings.map((f) => severityRank(f.severity)));

describe('pickle fixtures through the engine', () => {
  it('should flag every malicious fixture at High or above', async () => {
    const byFile = await scanDir('malicious');
    expect(byFile.size).toBeGreaterThan(50);
    const missed = [...byFile].filter(([file, findings]) => worst(findings) < severityRank(IMPORT_ONLY.has(file) ? 'Medium' : 'High')).map(([file]) => file);
    expect(missed).toEqual([]);
  });

  it.each(['benign', 'containers'])('should raise no code finding at Medium or above on the benign files in %s', async (dir) => {
    const byFile = await scanDir(dir);
    const noisy = [...byFile]
      .filter(([file]) => dir === 'benign' || /^(torch_(full_module|full_optimizer|optimizer_state|state_dict)|torchscript|sklearn_pipeline_zlib)/.test(file))
      .filter(([, findings]) => worst(findings) >= severityRank('Medium'))
      .map(([file, findings]) => `${file}: ${findings.map((f) => f.ruleId).join(', ')}`);
    expect(noisy).toEqual([]);
  });
});
