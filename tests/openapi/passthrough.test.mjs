// Same-audience passthrough end to end: `mcpbridge serve` trusting an external issuer (pinned
// JWKS), an OpenAPI source with `credentials: {type: passthrough, audience: ...}`, a recording
// upstream, the official TypeScript SDK client. A token whose `aud` includes the upstream's
// audience reaches it; one that does not is refused with a tool error and nothing is sent; a
// service-credential source never sees the caller's token; no token appears in the log.
//   MCPBRIDGE_BIN=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test passthrough.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, sdkModule, serverBinary, startServer } from '../integration/harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const BIN = serverBinary('MCPBRIDGE_BIN');
const watchdog = installWatchdog('passthrough.test.mjs', 110_000);

const ISSUER = 'https://issuer.test';
const GATEWAY_AUD = 'https://mcp.test';
const API_AUD = 'https://api.test';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
function token(sub, aud) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })}.${b64({
    iss: ISSUER, sub, aud, iat: now, exp: now + 600, client_id: 'test-client', scope: 'mcp' })}`;
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

const SPEC = `openapi: 3.0.3
info: {title: Me, version: "1.0"}
paths:
  /me:
    get:
      operationId: whoAmI
      summary: Who the API thinks you are
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
`;

const seen = [];
let upstream, dir, server;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-passthrough-'));
  upstream = http.createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  });
  const port = await new Promise((r) => upstream.listen(0, '127.0.0.1', () => r(upstream.address().port)));
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
  writeFileSync(path.join(dir, 'me.yaml'), SPEC);
  writeFileSync(path.join(dir, 'config.yaml'), `tools: {builtin: false}
store: {path: ${path.join(dir, 'mcpbridge.db')}}
auth:
  mode: oauth
  oauth:
    external: {issuer: "${ISSUER}", audience: "${GATEWAY_AUD}", jwks_file: ${path.join(dir, 'jwks.json')}}
openapi:
  - name: mine
    spec: ${path.join(dir, 'me.yaml')}
    base_url: http://127.0.0.1:${port}/mine
    credentials: {type: passthrough, audience: "${API_AUD}"}
    watch_interval_ms: 0
  - name: service
    spec: ${path.join(dir, 'me.yaml')}
    prefix: svc_
    base_url: http://127.0.0.1:${port}/service
    credentials: {type: bearer, env: SERVICE_TOKEN}
    watch_interval_ms: 0
`);
  server = await startServer(BIN, ['-c', path.join(dir, 'config.yaml')], {
    before: ['serve'], env: { ...process.env, SERVICE_TOKEN: 'service-secret' } });
});

after(async () => {
  await server?.stop();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

async function clientWith(tok) {
  const client = new Client({ name: 'passthrough-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(server.url, {
    requestInit: { headers: { authorization: `Bearer ${tok}` } } }));
  return client;
}

test('a token issued for the upstream too is passed through; the service source keeps its own credential', async () => {
  const both = token('carol', [GATEWAY_AUD, API_AUD]);
  const client = await clientWith(both);
  const r = await client.callTool({ name: 'whoAmI', arguments: {} });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.deepEqual(seen.at(-1), { url: '/mine/me', authorization: `Bearer ${both}` });
  const s = await client.callTool({ name: 'svc_whoAmI', arguments: {} });
  assert.equal(s.isError, undefined, JSON.stringify(s));
  assert.deepEqual(seen.at(-1), { url: '/service/me', authorization: 'Bearer service-secret' });
  await client.close();
  assert.ok(!server.output().includes(both), 'the token is not logged');
});

test('a token for the gateway alone is refused with a tool error, and nothing is sent', async () => {
  const only = token('dave', GATEWAY_AUD);
  const client = await clientWith(only);
  const before = seen.length;
  const r = await client.callTool({ name: 'whoAmI', arguments: {} });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /not issued for it/);
  assert.match(r.content[0].text, /https:\/\/api\.test/);
  assert.ok(!r.content[0].text.includes(only));
  assert.equal(seen.length, before, 'the upstream saw no request');
  await client.close();
  assert.ok(!server.output().includes(only), 'the token is not logged');
});
