/**
 * 7z archives are detected and reported, not opened: no npm decoder reads 7z within bounded memory on
 * Node 20 (7z-wasm and libarchive.js need the whole archive in a WASM file system; node-7z and the
 * 7zip-bin family run a native binary; 7z-iterator is a little-used pure-JS port). A 7z-wrapped pickle
 * was a real scanner bypass (nullifAI, model-scanners.md §2.1 row 5), so this is a High finding.
 */
import type { Analyzer } from '../analyzer.js';
import { ENGINE_RULES } from '../engine-rules.js';
import { makeFinding } from '../finding.js';

export const sevenZipAnalyzer: Analyzer = {
  name: 'archive',
  formats: ['7z'],
  rules: [ENGINE_RULES.notAnalysable],
  async analyze(ctx) {
    return [
      makeFinding(ENGINE_RULES.notAnalysable, ctx.file.path, {
        message: '7z archive: its members were not analysed (the scanner has no 7z decoder)',
        details: { format: '7z' },
      }),
    ];
  },
};
