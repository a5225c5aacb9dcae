import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../../server/config/config.js';
import { parseByteSize, parseDuration } from '../../../../server/config/duration.js';

describe('loadConfig', () => {
  it('should apply the embedded defaults when no variable is set', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.jobs.workers).toBe(2);
    expect(config.jobs.refreshAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(config.harbor.modelSecurity).toBe(false);
    expect(config.settings.pickle.allow).toEqual([]);
  });

  it.each([
    ['SCANNER_API_SERVER_ADDR', '8080'],
    ['SCANNER_JOB_WORKERS', '0'],
    ['SCANNER_SCAN_TIMEOUT', 'soon'],
    ['SCANNER_REFRESH_AFTER', '128'],
    ['SCANNER_MODEL_SECURITY', 'maybe'],
    ['SCANNER_LOG_LEVEL', 'loud'],
    ['SCANNER_LAYER_CACHE_BYTES', 'lots'],
    ['SCANNER_LAYER_CACHE_BYTES', '-1'],
  ])('should name %s when its value %j is invalid', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('should parse host:port and [ipv6]:port listen addresses', () => {
    expect(loadConfig({ SCANNER_API_SERVER_ADDR: '127.0.0.1:9000' }).api).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(loadConfig({ SCANNER_API_SERVER_ADDR: '[::1]:9000' }).api).toEqual({ host: '::1', port: 9000 });
  });

  it('should load pickle allow and deny lists from the policy file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ pickle: { allow: ['mylib.Layer'], deny: ['badlib.*'] } }));
    expect(loadConfig({ SCANNER_POLICY_FILE: file }).settings.pickle).toEqual({ allow: ['mylib.Layer'], deny: ['badlib.*'] });
  });

  it('should reject a policy file with unknown keys', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ pickle: { trust: ['x'] } }));
    expect(() => loadConfig({ SCANNER_POLICY_FILE: file })).toThrow(/SCANNER_POLICY_FILE/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
  ])('should parse %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'm', '5 minutes', '-1s'])('should reject %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('SCANNER_LAYER_CACHE_BYTES', () => {
  it('should default to 256 MiB, take sizes with units, and 0 to turn the layer result cache off', () => {
    expect(loadConfig({}).layerCache).toEqual({ maxBytes: 256 * 1024 ** 2 });
    expect(loadConfig({ SCANNER_LAYER_CACHE_BYTES: '1GiB' }).layerCache.maxBytes).toBe(1024 ** 3);
    expect(loadConfig({ SCANNER_LAYER_CACHE_BYTES: '0' }).layerCache.maxBytes).toBe(0);
  });

  it.each([
    ['0', 0],
    ['1048576', 1_048_576],
    ['512Ki', 524_288],
    ['256MiB', 268_435_456],
    ['1.5GB', 1_500_000_000],
    ['2 mb', 2_000_000],
  ])('should parse %s', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['', 'MiB', '-5', '5 parsecs', '1e3'])('should reject %j', (text) => expect(parseByteSize(text)).toBeUndefined());
});

describe('loadConfig: adapter API protection, TLS and telemetry', () => {
  const secretFile = (content: string) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'secret-')), 'secret');
    writeFileSync(file, content);
    return file;
  };

  it('should leave the API open, metrics on and OpenTelemetry off by default', () => {
    const config = loadConfig({});
    expect(config.apiAuth).toEqual({ credentials: { mode: 'none' }, protectProbes: false, protectMetrics: false });
    expect(config.tls).toBeUndefined();
    expect(config.metrics.enabled).toBe(true);
    expect(config.telemetry).toEqual({ enabled: false, serviceName: 'harbor-scanner-models' });
    expect(config.jobs.progressLogIntervalMs).toBe(30_000);
  });

  it.each([
    [{ SCANNER_API_AUTH: 'Basic', SCANNER_API_AUTH_USERNAME: 'harbor', SCANNER_API_AUTH_PASSWORD: 'p:w' }, { mode: 'basic', username: 'harbor', password: 'p:w' }],
    [{ SCANNER_API_AUTH: 'bearer', SCANNER_API_AUTH_TOKEN: 't0k' }, { mode: 'bearer', token: 't0k' }],
    [{ SCANNER_API_AUTH: 'APIKey', SCANNER_API_KEY: 'k3y' }, { mode: 'apikey', key: 'k3y' }],
  ])('should build the credentials from %j', (env, credentials) => {
    expect(loadConfig(env).apiAuth.credentials).toEqual(credentials);
  });

  it.each([
    ['SCANNER_API_AUTH_PASSWORD_FILE', 'SCANNER_API_AUTH_USERNAME', { SCANNER_API_AUTH: 'basic', SCANNER_API_AUTH_USERNAME: 'u' }, 'password'],
    ['SCANNER_API_AUTH_TOKEN_FILE', undefined, { SCANNER_API_AUTH: 'bearer' }, 'token'],
    ['SCANNER_API_KEY_FILE', undefined, { SCANNER_API_AUTH: 'apikey' }, 'key'],
  ] as const)('should read %s at start, dropping the trailing newline', (variable, _unused, env, field) => {
    const credentials = loadConfig({ ...env, [variable]: secretFile('from-file\n') }).apiAuth.credentials as unknown as Record<string, string>;
    expect(credentials[field]).toBe('from-file');
  });

  it.each([
    [{ SCANNER_API_AUTH: 'basic', SCANNER_API_AUTH_USERNAME: 'u' }, /needs SCANNER_API_AUTH_PASSWORD or SCANNER_API_AUTH_PASSWORD_FILE/],
    [{ SCANNER_API_AUTH: 'bearer' }, /needs SCANNER_API_AUTH_TOKEN/],
    [{ SCANNER_API_AUTH: 'apikey', SCANNER_API_AUTH_TOKEN: 'tok-9f8e' }, /SCANNER_API_AUTH_TOKEN is set but SCANNER_API_AUTH=apikey does not use it/],
    [{ SCANNER_API_KEY: 'forgot-the-mode' }, /SCANNER_API_KEY is set but SCANNER_API_AUTH=none/],
    [{ SCANNER_API_AUTH: 'apikey', SCANNER_API_KEY: 'key-77aa', SCANNER_API_KEY_FILE: '/x' }, /set SCANNER_API_KEY or SCANNER_API_KEY_FILE, not both/],
    [{ SCANNER_API_AUTH: 'apikey', SCANNER_API_KEY_FILE: '/nonexistent/key' }, /cannot read SCANNER_API_KEY_FILE/],
    [{ SCANNER_API_AUTH: 'basic', SCANNER_API_AUTH_USERNAME: 'a:b', SCANNER_API_AUTH_PASSWORD: 'pw-41c2' }, /USERNAME must not contain ":"/],
    [{ SCANNER_API_AUTH: 'bearer', SCANNER_API_AUTH_TOKEN: ' padded ' }, /must not contain control characters or start or end with whitespace/],
    [{ SCANNER_API_AUTH: 'digest' }, /SCANNER_API_AUTH/],
    [{ SCANNER_API_SERVER_TLS_CERTIFICATE: '/c.pem' }, /set both SCANNER_API_SERVER_TLS_CERTIFICATE and SCANNER_API_SERVER_TLS_KEY/],
    [{ SCANNER_API_SERVER_CLIENT_CAS: '/ca.pem' }, /SCANNER_API_SERVER_CLIENT_CAS needs TLS/],
    [{ SCANNER_PROGRESS_LOG_INTERVAL: 'often' }, /SCANNER_PROGRESS_LOG_INTERVAL/],
  ])('should refuse %j, naming the variables and never a value', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    for (const [name, value] of Object.entries(env))
      if (/PASSWORD$|TOKEN$|KEY$/.test(name)) expect((error as Error).message).not.toContain(value.trim());
  });

  it('should take the TLS files and a comma-separated list of client CAs', () => {
    const config = loadConfig({ SCANNER_API_SERVER_TLS_CERTIFICATE: '/c.pem', SCANNER_API_SERVER_TLS_KEY: '/k.pem', SCANNER_API_SERVER_CLIENT_CAS: '/a.pem, /b.pem,' });
    expect(config.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem', clientCaFiles: ['/a.pem', '/b.pem'] });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_METRICS_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_SERVICE_NAME: 'only-a-name' }, false],
  ])('should decide on OpenTelemetry export from %j → %s', (env, enabled) => {
    expect(loadConfig(env).telemetry.enabled).toBe(enabled);
  });

  it('should take the service name from OTEL_SERVICE_NAME', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: 'scanner-eu', OTEL_TRACES_EXPORTER: 'otlp' }).telemetry.serviceName).toBe('scanner-eu');
  });
});
