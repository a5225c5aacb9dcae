/**
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY: registry calls go through a real forward proxy on loopback when
 * one is configured, and straight to the registry for hosts NO_PROXY names. Driven through the CLI's
 * `oci://` target, which shares the service's registry opener and configuration.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { REGISTRIES, uniqueRepository } from '../../services/endpoints.js';
import { pushArtifact, type PushedArtifact } from '../../services/push.js';
import { startForwardProxy, type ForwardProxy } from '../../support/forward-proxy.js';

const registry = REGISTRIES.plain;
const host = new URL(registry.url).host;
/** `pickle.dumps` of an object reducing to `os.system('echo pwned')`, protocol 2. */
const PICKLE = new Uint8Array(Buffer.from('800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e', 'hex'));

describe('registry calls through a forward proxy', () => {
  const repository = uniqueRepository('proxy');
  let pushed: PushedArtifact;
  let proxy: ForwardProxy;
  const output = path.join(mkdtempSync(path.join(tmpdir(), 'proxy-')), 'report.json');

  beforeAll(async () => {
    pushed = await pushArtifact({ registry }, repository, 'v1', {
      artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      layers: [{ mediaType: 'application/vnd.cncf.model.weight.v1.raw', bytes: PICKLE, annotations: { 'org.cncf.model.filepath': 'model.pkl' } }],
    });
    proxy = await startForwardProxy();
  });
  afterAll(async () => proxy.close());

  const scan = (env: NodeJS.ProcessEnv) =>
    main(['scan', `oci://${host}/${repository}@${pushed.digest}`, '--plain-http', '-f', 'json', '-o', output], { SCANNER_REGISTRY_RETRIES: '0', ...env });

  it('should send every registry request through HTTP_PROXY and still find the payload', async () => {
    const before = proxy.seen.length;
    expect(await scan({ HTTP_PROXY: proxy.url })).toBe(1);
    expect(JSON.parse(readFileSync(output, 'utf8'))).toMatchObject({ severity: 'Critical' });
    const through = proxy.seen.slice(before);
    expect(through.length).toBeGreaterThan(0);
    expect(new Set(through)).toEqual(new Set([host]));
  });

  it('should take the lower-case variable too, and go direct to hosts NO_PROXY names', async () => {
    const before = proxy.seen.length;
    expect(await scan({ http_proxy: proxy.url, NO_PROXY: '127.0.0.1' })).toBe(1);
    expect(proxy.seen.length).toBe(before);
    expect(await scan({ http_proxy: proxy.url })).toBe(1);
    expect(proxy.seen.length).toBeGreaterThan(before);
  });

  it('should refuse a proxy that is not an http(s) URL, naming the variable and not its value', async () => {
    expect(await scan({ HTTPS_PROXY: 'socks5://user:secret@proxy:1080' })).toBe(2);
  });
});
