/**
 * A scan engine with the archive analyzers plus a recorder that notes every file reaching a leaf format
 * (its path, sniffed format and bytes), to prove that members are routed by content.
 */
import { ARCHIVE_ANALYZERS } from '../../../../analyzers/archive/index.js';
import type { Analyzer } from '../../../../analyzers/analyzer.js';
import { ScanEngine } from '../../../../analyzers/engine.js';
import type { Finding } from '../../../../analyzers/finding.js';
import type { Format } from '../../../../analyzers/formats.js';
import { makeLimits, type AnalyzerLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource, ForwardSource } from '../../../../analyzers/source.js';
import { concat } from '../../../support/bytes.js';
import { chunked } from './fixtures.js';

export interface Reached {
  readonly path: string;
  readonly format: Format;
  readonly bytes: Uint8Array;
}

const LEAF_FORMATS: Format[] = ['pickle', 'npy', 'json', 'text', 'unknown', 'safetensors', 'hdf5', 'empty', 'gguf', 'protobuf'];
/** The recorder reads at most this much of each member. */
const RECORD_BYTES = 1 << 20;

export function archiveEngine(limits: Partial<AnalyzerLimits> = {}) {
  const reached: Reached[] = [];
  const recorder: Analyzer = {
    name: 'recorder',
    formats: LEAF_FORMATS,
    rules: [],
    async analyze(ctx) {
      const parts: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of ctx.source.stream(0)) {
        parts.push(chunk);
        total += chunk.length;
        if (total >= RECORD_BYTES) break;
      }
      reached.push({ path: ctx.file.path, format: ctx.format, bytes: concat(...parts) });
      return [];
    },
  };
  const engine = new ScanEngine({ analyzers: [...ARCHIVE_ANALYZERS, recorder], limits: makeLimits(limits), settings: DEFAULT_SETTINGS });
  return {
    reached,
    /** Scans `bytes` as `name`, random access or (forward) as a stream of 1000-byte chunks. */
    async scan(name: string, bytes: Uint8Array, mode: 'seekable' | 'forward' = 'seekable'): Promise<Finding[]> {
      const source = mode === 'seekable' ? new BufferSource(bytes) : new ForwardSource(chunked(bytes, 1000), bytes.length);
      return (await engine.scanFile({ path: name, size: bytes.length }, source)).findings;
    },
  };
}

export const ruleIds = (findings: Finding[]): string[] => [...new Set(findings.map((f) => f.ruleId))].sort();
