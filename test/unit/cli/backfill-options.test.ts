import { describe, expect, it } from 'vitest';
import { parseBackfillArgs, UsageError } from '../../../cli/options.js';

describe('parseBackfillArgs', () => {
  it.each([
    [[], { dryRun: false }],
    [['--dry-run'], { dryRun: true }],
    [['--project', 'ml', '--project', 'llm', '--concurrency', '4'], { dryRun: false, projects: ['ml', 'llm'], concurrency: 4 }],
  ])('should read %j', (argv, expected) => {
    expect(parseBackfillArgs(argv)).toEqual(expected);
  });

  it('should answer help for -h', () => {
    expect(parseBackfillArgs(['-h'])).toBe('help');
  });

  it.each([
    [['--concurrency', '0'], /--concurrency/],
    [['--concurrency', 'many'], /--concurrency/],
    [['extra'], /unexpected argument extra/],
  ])('should refuse %j with a usage error', (argv, message) => {
    expect(() => parseBackfillArgs(argv)).toThrow(UsageError);
    expect(() => parseBackfillArgs(argv)).toThrow(message);
  });

  it('should refuse an unknown flag', () => {
    expect(() => parseBackfillArgs(['--all'])).toThrow(/--all/);
  });
});
