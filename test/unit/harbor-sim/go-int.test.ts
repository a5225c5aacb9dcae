import { describe, expect, it } from 'vitest';
import { DEFAULT_REFRESH_SECONDS, parseGoInt, refreshAfterSeconds } from '../../harbor-sim/go-int.js';

describe('refreshAfterSeconds', () => {
  it.each([
    ['127', 127],
    ['1', 1],
    ['15', 15],
    ['007', 7],
    ['+5', 5],
    ['0', 0],
    ['-1', -1],
    ['-128', -128],
    ['128', DEFAULT_REFRESH_SECONDS],
    ['-129', DEFAULT_REFRESH_SECONDS],
    ['300', DEFAULT_REFRESH_SECONDS],
    ['abc', DEFAULT_REFRESH_SECONDS],
    ['1.5', DEFAULT_REFRESH_SECONDS],
    ['1e2', DEFAULT_REFRESH_SECONDS],
    ['0x10', DEFAULT_REFRESH_SECONDS],
    ['1_0', DEFAULT_REFRESH_SECONDS],
    [' 5', DEFAULT_REFRESH_SECONDS],
    ['5s', DEFAULT_REFRESH_SECONDS],
    ['+', DEFAULT_REFRESH_SECONDS],
    ['', DEFAULT_REFRESH_SECONDS],
    [null, DEFAULT_REFRESH_SECONDS],
    [undefined, DEFAULT_REFRESH_SECONDS],
  ])('should read Refresh-After %j as %i seconds, as Harbor does', (header, seconds) => {
    expect(refreshAfterSeconds(header)).toBe(seconds);
  });

  it('should default to Harbor’s 5 seconds', () => {
    expect(DEFAULT_REFRESH_SECONDS).toBe(5);
  });
});

describe('parseGoInt', () => {
  it.each([
    ['32767', 16, 32767],
    ['32768', 16, undefined],
    ['-2147483648', 32, -2147483648],
    ['9223372036854775807', 64, 9223372036854775807],
    ['9223372036854775808', 64, undefined],
    ['99999999999999999999999999', 8, undefined],
  ] as const)('should parse %s with %i bits as %s', (text, bits, expected) => {
    expect(parseGoInt(text, bits)).toBe(expected);
  });
});
