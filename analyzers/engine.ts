/**
 * The scan engine: for each file, sniff the content, compare it with what the file claims, route it to
 * the analyzers for its format, and turn anything that stops analysis into a finding (fail closed).
 * Container analyzers re-enter the engine for their members through `scanMember`.
 */
import type { Analyzer, AnalysisContext, Fact, FileMeta } from './analyzer.js';
import { sameBudget } from './archive/budget.js';
import { declaredFormats, statedOnce } from './declared-format.js';
import { ENGINE_RULES, LimitExceededError } from './engine-rules.js';
import { makeFinding, memberPath, type Finding, type Rule } from './finding.js';
import type { Format } from './formats.js';
import type { AnalyzerLimits } from './limits.js';
import type { AnalyzerSettings } from './settings.js';
import { mayLoadAsPickle } from './pickle/sniff.js';
import { SNIFF_BYTES, sniffFormat } from './sniff.js';
import { ReplaySource, type ByteSource } from './source.js';

export interface EngineOptions {
  readonly analyzers: readonly Analyzer[];
  readonly limits: AnalyzerLimits;
  readonly settings: AnalyzerSettings;
}

export interface FileScanResult {
  readonly findings: Finding[];
  readonly format: Format;
  /** Facts the analyzers recorded about the file and its members. */
  readonly facts: Fact[];
}

/**
 * Facts kept per top-level file: inventory data, not evidence, but a zip of a million files with an
 * SPDX header each must not grow a scan result without bound. The overflow is reported once.
 */
export const MAX_FACTS_PER_FILE = 10_000;

/** Counts for reports: top-level files and their bytes (members are part of their container's bytes). */
export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
}

export class ScanEngine {
  private readonly byFormat = new Map<Format, Analyzer[]>();

  constructor(private readonly options: EngineOptions) {
    for (const analyzer of options.analyzers)
      for (const format of analyzer.formats) {
        const list = this.byFormat.get(format) ?? [];
        list.push(analyzer);
        this.byFormat.set(format, list);
      }
  }

  /** All rules the engine and its analyzers can report (for the rule catalogue). */
  rules(): Rule[] {
    const seen = new Map<string, Rule>();
    for (const rule of [...Object.values(ENGINE_RULES), ...this.options.analyzers.flatMap((a) => a.rules)])
      seen.set(rule.id, rule);
    return [...seen.values()];
  }

  async scanFile(
    file: FileMeta,
    source: ByteSource,
    signal: AbortSignal = new AbortController().signal,
    stats?: ScanStats,
  ): Promise<FileScanResult> {
    const facts = new FactCollector();
    const result = await this.scanAtDepth(file, source, 0, signal, stats, facts);
    return { ...result, facts: facts.facts };
  }

  /**
   * Artifact-level findings from every fact of one scan (files and packaging) and the paths of the files
   * scanned, by each analyzer's `conclude`. A failing conclusion becomes `engine.analysis-failed` on the
   * artifact (`.`).
   */
  conclude(facts: readonly Fact[], files: Iterable<string>): Finding[] {
    const findings: Finding[] = [];
    const scanned = new Set(files);
    for (const analyzer of this.options.analyzers) {
      if (!analyzer.conclude) continue;
      try {
        findings.push(...analyzer.conclude(facts, this.options.settings, scanned));
      } catch (error) {
        findings.push(failure('.', error, analyzer.name));
      }
    }
    return findings;
  }

  private async scanAtDepth(
    file: FileMeta,
    source: ByteSource,
    depth: number,
    signal: AbortSignal,
    stats: ScanStats | undefined,
    facts: FactCollector,
  ): Promise<Omit<FileScanResult, 'facts'>> {
    signal.throwIfAborted();
    if (stats && depth === 0) {
      stats.filesScanned += 1;
      stats.bytesScanned += file.size ?? 0;
    }
    const findings: Finding[] = [];
    let head: Uint8Array;
    try {
      head = await source.read(0, SNIFF_BYTES);
    } catch (error) {
      findings.push(failure(file.path, error));
      return { findings, format: 'unknown' };
    }
    const format = sniffFormat(head, file.size);
    const declared = declaredFormats(file.path, file.mediaType);
    const mismatch =
      declared && !declared.includes(format)
        ? makeFinding(ENGINE_RULES.contentMismatch, file.path, {
            message: `content is ${format}, but the name or media type claims ${declared.join(' or ')}`,
            // Text that no loader accepts as a pickle (tried below) runs nothing: a `.pth` path file.
            ...(INERT_FORMATS.has(format) ? { severity: 'Low' as const } : {}),
            details: { sniffed: format, declared, ...(file.mediaType ? { mediaType: file.mediaType } : {}) },
          })
        : undefined;

    let analyzers = this.analyzersFor(format, declared, head, file.size);
    // Several analyzers each read a forward-only member (a deflated zip member, a file in a gzip layer)
    // from its start: a small one keeps what they read in memory, so each sees all it asks for and it is
    // decompressed only as far as the furthest reads (most read nothing past the head). A large one is read by
    // the first analyzer only; the others fail closed with a SeekError finding — except after a pickle
    // attempt, which goes first and reads within the source's look-behind window unless the content
    // really parses as a pickle that long (analyzers/pickle/analyzer.ts).
    let shared = source;
    if (analyzers.length > 1 && !source.seekable) {
      if (source.size !== undefined && source.size <= MAX_SHARED_STREAM_BYTES) {
        shared = sameBudget(source, new ReplaySource(source, source.size));
      } else if (format !== 'pickle') {
        const pickle = new Set(this.byFormat.get('pickle') ?? []);
        analyzers = [...analyzers.filter((a) => pickle.has(a)), ...analyzers.filter((a) => !pickle.has(a))];
      }
    }

    const ctx: AnalysisContext = {
      file,
      source: shared,
      format,
      head,
      depth,
      signal,
      limits: this.options.limits,
      settings: this.options.settings,
      record: (fact) => {
        if (facts.add(fact) === 'first-overflow')
          findings.push(
            makeFinding(ENGINE_RULES.limitExceeded, file.path, {
              message: `more than ${MAX_FACTS_PER_FILE} facts (license declarations…); later ones are not listed`,
              details: { limit: 'facts', max: MAX_FACTS_PER_FILE },
            }),
          );
      },
      scanMember: async (name, memberSource, meta) => {
        const path = memberPath(file.path, name);
        if (depth + 1 > this.options.limits.maxDepth)
          return [
            makeFinding(ENGINE_RULES.limitExceeded, path, {
              message: `container nesting deeper than ${this.options.limits.maxDepth} levels; member not analysed`,
              details: { limit: 'maxDepth', max: this.options.limits.maxDepth },
            }),
          ];
        const member: FileMeta = { path, size: memberSource.size, ...meta };
        return (await this.scanAtDepth(member, memberSource, depth + 1, signal, stats, facts)).findings;
      },
    };

    for (const analyzer of analyzers) {
      try {
        findings.push(...(await withTimeout(analyzer.analyze(ctx), this.options.limits.maxFileMillis, signal)));
      } catch (error) {
        signal.throwIfAborted();
        findings.push(failure(file.path, error, analyzer.name));
      }
    }
    // The mismatch and the claimed readers' rejections are one statement (declared-format.ts).
    return { findings: mismatch ? statedOnce(mismatch, findings) : findings, format };
  }

  /**
   * Analyzers for the sniffed format. Content the sniffer cannot place but the name or media type
   * claims (a `.safetensors` whose header length is absurd) also goes to the claimed format's
   * analyzers: they explain what is broken, where a bare mismatch would not. Sniffing is not a gate for
   * pickles: whatever else a file is, a pickle-based loader may be handed it, so the pickle analyzers
   * run last on every file unless its head already makes the loader raise before anything runs.
   */
  private analyzersFor(format: Format, declared: readonly Format[] | undefined, head: Uint8Array, size: number | undefined): Analyzer[] {
    const own = this.byFormat.get(format) ?? [];
    const claimed = format === 'unknown' && declared && !declared.includes('unknown') ? declared.flatMap((f) => this.byFormat.get(f) ?? []) : [];
    const asPickle = format !== 'pickle' && mayLoadAsPickle(head, size) ? (this.byFormat.get('pickle') ?? []) : [];
    return [...new Set([...own, ...claimed, ...asPickle])];
  }
}

/** The facts of one top-level file and its members, capped at {@link MAX_FACTS_PER_FILE}. */
class FactCollector {
  readonly facts: Fact[] = [];
  private overflowed = false;

  add(fact: Fact): 'kept' | 'first-overflow' | 'dropped' {
    if (this.facts.length < MAX_FACTS_PER_FILE) {
      this.facts.push(fact);
      return 'kept';
    }
    if (this.overflowed) return 'dropped';
    this.overflowed = true;
    return 'first-overflow';
  }
}

/** Formats whose content no loader executes when it is not also a pickle. */
const INERT_FORMATS: ReadonlySet<Format> = new Set<Format>(['text', 'json', 'empty']);

/** Forward-only members up to this size are buffered when more than one analyzer reads them. */
const MAX_SHARED_STREAM_BYTES = 16 * 1024 * 1024;

function failure(path: string, error: unknown, analyzer?: string): Finding {
  if (error instanceof LimitExceededError)
    return makeFinding(ENGINE_RULES.limitExceeded, path, {
      message: `${error.message}; the rest of the file was not analysed`,
      details: { limit: error.limit, value: error.value, max: error.max, ...(analyzer ? { analyzer } : {}) },
    });
  const message = error instanceof Error ? error.message : String(error);
  return makeFinding(ENGINE_RULES.analysisFailed, path, {
    message: `${analyzer ?? 'reading'} failed: ${message}`,
    details: { error: message, ...(analyzer ? { analyzer } : {}) },
  });
}

class AnalysisTimeoutError extends LimitExceededError {}

/**
 * One timer and one abort listener per signal for every analysis in flight: a timer and a listener
 * each (set, cleared) cost more than the analysis of a small file, and a directory of 10,000 of them
 * runs six analyzers on each. The timer fires at the earliest deadline; it holds the process open only
 * while a deadline is pending.
 */
class Deadlines {
  private readonly pending = new Set<Deadline>();
  private readonly bySignal = new WeakMap<AbortSignal, Set<Deadline>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  /** Calls `expire` once `millis` have passed or `signal` aborts, unless the returned function is called first. */
  add(millis: number, signal: AbortSignal, expire: (aborted: boolean) => void): () => void {
    const entry: Deadline = { at: Date.now() + millis, expire };
    this.pending.add(entry);
    const watched = this.watched(signal);
    watched.add(entry);
    if (entry.at < this.timerAt) this.schedule(entry.at);
    else this.timer?.ref();
    return () => {
      this.pending.delete(entry);
      watched.delete(entry);
      if (this.pending.size === 0) this.timer?.unref();
    };
  }

  private watched(signal: AbortSignal): Set<Deadline> {
    let watched = this.bySignal.get(signal);
    if (!watched) {
      const entries = new Set<Deadline>();
      watched = entries;
      this.bySignal.set(signal, entries);
      signal.addEventListener('abort', () => {
        for (const entry of entries) {
          this.pending.delete(entry);
          entry.expire(true);
        }
        entries.clear();
      }, { once: true });
    }
    return watched;
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.pending) {
      if (entry.at <= now) {
        this.pending.delete(entry);
        entry.expire(false);
      } else next = Math.min(next, entry.at);
    }
    if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
  }
}

interface Deadline {
  readonly at: number;
  readonly expire: (aborted: boolean) => void;
}

const deadlines = new Deadlines();

function withTimeout<T>(work: Promise<T>, millis: number, signal: AbortSignal): Promise<T> {
  // Aborted before this analysis began: an abort listener would never be called.
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const started = Date.now();
    const done = deadlines.add(millis, signal, (aborted) =>
      reject(aborted ? signal.reason : new AnalysisTimeoutError('time (ms)', Date.now() - started, millis)),
    );
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
