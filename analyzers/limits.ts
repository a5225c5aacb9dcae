/**
 * Limits are data: one frozen object handed to every analyzer. Hitting a limit is a finding
 * (`engine.limit-exceeded`), never a silent pass and never unbounded memory.
 */
export interface AnalyzerLimits {
  /** Nesting depth of containers (zip in tar in gzip…). */
  readonly maxDepth: number;
  /** Bytes an analyzer may decompress or stream from one file. */
  readonly maxBytesPerFile: number;
  /** Total decompressed bytes across one container's members. */
  readonly maxExpandedBytes: number;
  /** Decompressed/compressed ratio above which a member is a bomb. */
  readonly maxCompressionRatio: number;
  /** Members per container (zip entries, tar entries). */
  readonly maxMembers: number;
  /** Bytes a header-type structure may claim (safetensors JSON header, GGUF strings…). */
  readonly maxHeaderBytes: number;
  /** Pickle opcodes per pickle program. */
  readonly maxPickleOpcodes: number;
  /** Pickle stack depth (items on the stack and in marked frames). */
  readonly maxPickleStack: number;
  /** Pickle memo entries. */
  readonly maxPickleMemo: number;
  /** Wall-clock budget for analysing one file, in milliseconds. */
  readonly maxFileMillis: number;
}

export const DEFAULT_LIMITS: AnalyzerLimits = Object.freeze({
  maxDepth: 6,
  maxBytesPerFile: 64 * 1024 ** 3,
  maxExpandedBytes: 256 * 1024 ** 3,
  maxCompressionRatio: 200,
  maxMembers: 100_000,
  maxHeaderBytes: 100_000_000, // safetensors MAX_HEADER_SIZE (huggingface/safetensors tensor.rs)
  maxPickleOpcodes: 50_000_000,
  // Far above what real models need (a 250k-token vocabulary memoizes 250k strings); they bound the
  // interpreter's memory.
  maxPickleStack: 1_000_000,
  maxPickleMemo: 2_000_000,
  maxFileMillis: 30 * 60 * 1000,
});

export function makeLimits(overrides: Partial<AnalyzerLimits> = {}): AnalyzerLimits {
  return Object.freeze({ ...DEFAULT_LIMITS, ...overrides });
}
