import { describe, expect, it } from 'vitest';
import { API_ROUTES, REFRESH_AFTER_SECONDS, toExpressPath } from '../../../spec/routes.js';

describe('toExpressPath', () => {
  it.each([
    ['/api/v1/scan/{scan_request_id}/report', '/api/v1/scan/:scan_request_id/report'],
    ['/api/v1/metadata', '/api/v1/metadata'],
    ['/a/{x}/{y}', '/a/:x/:y'],
  ])('should turn %s into %s', (path, expected) => {
    expect(toExpressPath(path)).toBe(expected);
  });
});

describe('API_ROUTES', () => {
  it('should have unique operation ids and paths when listed', () => {
    expect(new Set(API_ROUTES.map((r) => r.operationId)).size).toBe(API_ROUTES.length);
    expect(new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`)).size).toBe(API_ROUTES.length);
  });

  it('should keep Refresh-After inside what Harbor parses as int8 and above zero', () => {
    expect(REFRESH_AFTER_SECONDS.min).toBeGreaterThanOrEqual(1);
    expect(REFRESH_AFTER_SECONDS.max).toBeLessThanOrEqual(127);
  });
});
