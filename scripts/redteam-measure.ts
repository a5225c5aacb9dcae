/**
 * Prints, for each file under the given directories, the worst code-finding severity (0–4) and its code
 * findings, tab-separated: how the red-team and Debian false-positive notes are measured on a branch.
 *   npx tsx scripts/redteam-measure.ts DIR...
 */
import { describeFinding, isCodeFinding, scanDirectory, worstSeverity } from '../test/support/engine-scan.js';

for (const dir of process.argv.slice(2)) {
  const byFile = await scanDirectory(dir);
  for (const [file, findings] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const code = findings.filter(isCodeFinding);
    console.log(`${worstSeverity(code)}\t${dir}/${file}\t${code.map(describeFinding).join(' | ')}`);
  }
}
