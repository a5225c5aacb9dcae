/** Human-readable output: one line per finding, most severe first, the licenses found, then a summary line. */
import type { CliReport } from './json-report.js';

export function toTable(report: CliReport): string {
  const lines = columns(report.findings.map((f) => [f.severity.toUpperCase(), f.id, f.file + (f.location ? ` (${f.location})` : ''), f.message]));
  if (report.licenses.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('Licenses:');
    const rows = report.licenses.map((l) => [l.spdx, l.file, `${l.source}, confidence ${l.confidence}`, l.name === l.spdx ? '' : l.name]);
    lines.push(...columns(rows).map((line) => `  ${line}`));
  }
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const summary = ['Critical', 'High', 'Medium', 'Low'].map((s) => `${counts.get(s) ?? 0} ${s.toLowerCase()}`).join(', ');
  if (lines.length > 0) lines.push('');
  lines.push(`${report.files_scanned} files, ${report.bytes_scanned} bytes scanned: ${report.findings.length === 0 ? 'no findings' : summary} (severity ${report.severity})`);
  return lines.join('\n') + '\n';
}

/** Rows of four cells: the first three padded to a common width (at most 60), the last as it is. */
function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = [0, 1, 2].map((i) => Math.min(60, Math.max(0, ...rows.map((r) => r[i]!.length))));
  return rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd());
}
