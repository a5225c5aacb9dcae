/**
 * Forward proxies for registry and Harbor calls, from the variables curl, pip and Go tools read:
 * `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, lower-case first (as curl and undici prefer them).
 */
import { ConfigError } from './errors.js';

export interface ProxySettings {
  /** Proxy URL for http:// hosts; '' for none. */
  readonly httpProxy: string;
  /** Proxy URL for https:// hosts; '' for none (then `httpProxy` serves both, as curl does). */
  readonly httpsProxy: string;
  /** Hosts reached directly: comma- or space-separated names, `.domain` suffixes, `host:port`, `*`. */
  readonly noProxy: string;
}

export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const read = (name: string): string => (env[name.toLowerCase()] ?? env[name] ?? '').trim();
  return { httpProxy: proxyUrl('HTTP_PROXY', read('HTTP_PROXY')), httpsProxy: proxyUrl('HTTPS_PROXY', read('HTTPS_PROXY')), noProxy: read('NO_PROXY') };
}

function proxyUrl(name: string, value: string): string {
  if (value === '') return '';
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new ConfigError(`invalid ${name}: expected an http:// or https:// proxy URL`);
  return value;
}
