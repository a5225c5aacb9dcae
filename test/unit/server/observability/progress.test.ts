import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../server/observability/logger.js';
import { ScanProgress } from '../../../../server/observability/progress.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

describe('ScanProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should log files, bytes done and bytes fetched at each interval until stopped', () => {
    const { lines, logger } = capture();
    const progress = new ScanProgress(logger, 30_000);
    let fetched = 100;
    progress.start(() => fetched);
    progress.update(2, 2048);
    vi.advanceTimersByTime(30_000);
    progress.update(5, 9000);
    fetched = 700;
    vi.advanceTimersByTime(30_000);
    progress.stop();
    vi.advanceTimersByTime(90_000);
    expect(lines.map((l) => [l['msg'], l['files_done'], l['bytes_done'], l['bytes_fetched'], l['elapsed_s']])).toEqual([
      ['scan in progress', 2, 2048, 100, 30],
      ['scan in progress', 5, 9000, 700, 60],
    ]);
  });

  it('should keep the counts for the gauges but log nothing when the interval is 0', () => {
    const { lines, logger } = capture();
    const progress = new ScanProgress(logger, 0);
    progress.start(() => 42);
    progress.update(3, 300);
    vi.advanceTimersByTime(3_600_000);
    expect(lines).toEqual([]);
    expect([progress.filesDone, progress.bytesDone, progress.bytesFetched()]).toEqual([3, 300, 42]);
  });

  it('should read 0 bytes fetched before the artifact is open', () => {
    expect(new ScanProgress(capture().logger, 1000).bytesFetched()).toBe(0);
  });
});
