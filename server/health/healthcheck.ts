/**
 * Container health check (Dockerfile HEALTHCHECK): GET /probe/healthy on the configured port, over
 * HTTPS when the API serves TLS. Only liveness of the local process is checked, so the certificate is
 * not verified (it names the service's public host, not 127.0.0.1).
 */
import http from 'node:http';
import https from 'node:https';

const env = process.env;
const port = Number((env['SCANNER_API_SERVER_ADDR'] ?? ':8080').split(':').pop());
const tls = Boolean(env['SCANNER_API_SERVER_TLS_CERTIFICATE']);
const get = tls ? https.get : http.get;

const request = get({ host: '127.0.0.1', port, path: '/probe/healthy', timeout: 2_000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('error', () => process.exit(1));
request.on('timeout', () => request.destroy());
