import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, VARIABLES } from '../../../../server/config/config.js';

const MODE = {
  SCANNER_HARBOR_URL: 'https://harbor.example.com/',
  SCANNER_HARBOR_ROBOT_NAME: 'robot$models-scanner',
  SCANNER_HARBOR_ROBOT_SECRET: 'Robot-Secret-1',
  SCANNER_WEBHOOK_AUTH_HEADER: 'Bearer hook-secret',
};

describe('loadConfig webhook mode', () => {
  it('should leave the webhook mode off when SCANNER_HARBOR_URL is unset', () => {
    expect(loadConfig({}).harborMode).toBeUndefined();
  });

  it('should build the webhook mode with its defaults when the four settings are given', () => {
    expect(loadConfig(MODE).harborMode).toEqual({
      url: 'https://harbor.example.com',
      robotName: 'robot$models-scanner',
      robotSecret: 'Robot-Secret-1',
      webhookAuthHeader: 'Bearer hook-secret',
      scope: 'non-image',
      backfillConcurrency: 2,
    });
  });

  it('should read the robot secret and the auth header from files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'harbor-mode-'));
    writeFileSync(path.join(dir, 'secret'), 'From-File\n');
    writeFileSync(path.join(dir, 'header'), 'Bearer from-file\n');
    const { SCANNER_HARBOR_ROBOT_SECRET: _s, SCANNER_WEBHOOK_AUTH_HEADER: _h, ...rest } = MODE;
    const config = loadConfig({ ...rest, SCANNER_HARBOR_ROBOT_SECRET_FILE: path.join(dir, 'secret'), SCANNER_WEBHOOK_AUTH_HEADER_FILE: path.join(dir, 'header') });
    expect(config.harborMode).toMatchObject({ robotSecret: 'From-File', webhookAuthHeader: 'Bearer from-file' });
  });

  it.each([
    ['no robot name', { SCANNER_HARBOR_ROBOT_NAME: '' }, /needs SCANNER_HARBOR_ROBOT_NAME/],
    ['no robot secret', { SCANNER_HARBOR_ROBOT_SECRET: '' }, /needs SCANNER_HARBOR_ROBOT_SECRET or SCANNER_HARBOR_ROBOT_SECRET_FILE/],
    ['no webhook auth header', { SCANNER_WEBHOOK_AUTH_HEADER: '' }, /needs SCANNER_WEBHOOK_AUTH_HEADER/],
    ['a URL that is not http(s)', { SCANNER_HARBOR_URL: 'ftp://harbor' }, /SCANNER_HARBOR_URL/],
    ['an unknown scope', { SCANNER_WEBHOOK_SCOPE: 'images' }, /SCANNER_WEBHOOK_SCOPE/],
    ['a robot name with a colon', { SCANNER_HARBOR_ROBOT_NAME: 'robot:x' }, /must not contain ":"/],
    ['both a secret and its file', { SCANNER_HARBOR_ROBOT_SECRET_FILE: '/etc/hostname' }, /not both/],
  ])('should refuse %s, naming the variable and never the value', (_name, override, message) => {
    const attempt = () => loadConfig({ ...MODE, ...override });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('Robot-Secret-1');
      expect((error as Error).message).not.toContain('hook-secret');
    }
  });

  it('should refuse webhook settings without SCANNER_HARBOR_URL', () => {
    expect(() => loadConfig({ SCANNER_WEBHOOK_AUTH_HEADER: 'Bearer x' })).toThrow(/SCANNER_WEBHOOK_AUTH_HEADER is set but SCANNER_HARBOR_URL is not/);
  });
});

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  it.each(Object.keys(VARIABLES).filter((name) => /^SCANNER_(HARBOR|WEBHOOK|BACKFILL)_/.test(name) && !name.endsWith('_FILE')))(
    'should document %s',
    (name) => {
      expect(readme).toContain(`| \`${name}\``);
    },
  );
});
