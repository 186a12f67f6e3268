// `mcpbridge serve` trusting an external authorization server (auth.oauth.external): a fake
// issuer in this process on 127.0.0.1 (RFC 8414 metadata, a JWKS it rotates, an RFC 7662
// introspection endpoint; allowed by `allow_private_issuer`, for tests only) and raw MCP
// requests with tokens it signs. Proves the configuration wiring end to end: discovery, a
// rotated key accepted on first sight, foreign audiences refused, introspection answers, and
// 503 when the introspection endpoint is down.
//
//   MCPBRIDGE_BIN=/path/mcpbridge node --test oauth_external.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, serverBinary, startServer } from './harness.mjs';

const bin = serverBinary('MCPBRIDGE_BIN');
const watchdog = installWatchdog('oauth_external', 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-ext-'));
const RESOURCE = 'https://mcp.example.test/mcp';

const issuerState = { keys: [], down: false, introspection: new Map(), jwksGets: 0, introspections: 0 };
let idp;
let issuer;

function newKey(kid, type) {
  const { privateKey, publicKey } = type === 'ed25519' ? generateKeyPairSync('ed25519')
    : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const alg = type === 'ed25519' ? 'EdDSA' : type === 'rsa' ? 'RS256' : 'ES256';
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

function jwt(key, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: key.alg, typ: 'at+jwt', kid: key.kid })}.${b64(claims)}`;
  const digest = key.alg === 'EdDSA' ? null : 'sha256';
  const opts = key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey;
  return `${input}.${sign(digest, Buffer.from(input), opts).toString('base64url')}`;
}

function claims(extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, sub: 'dana', aud: RESOURCE, iat: now, exp: now + 600, scope: 'mcp', client_id: 'host', ...extra };
}

async function mcp(server, token) {
  const r = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  const body = await r.text();
  return { status: r.status, www: r.headers.get('www-authenticate'), retryAfter: r.headers.get('retry-after'), body };
}

function serveConfig(name, external) {
  const file = path.join(dir, `${name}.yaml`);
  // The store in the test's own folder: without one, serve would make mcpbridge.db in its cwd.
  writeFileSync(file, [`store: {path: ${JSON.stringify(path.join(dir, `${name}.db`))}}`, 'auth:', '  mode: oauth', `  resource: ${RESOURCE}`, '  oauth:', '    external:',
    `      issuer: ${issuer}`, '      allow_private_issuer: true', '      min_refresh_s: 1', ...external, ''].join('\n'));
  return file;
}

before(async () => {
  idp = http.createServer((req, res) => {
    const send = (status, obj) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
    if (issuerState.down) return send(503, {});
    if (req.url === '/.well-known/oauth-authorization-server')
      return send(200, { issuer, jwks_uri: `${issuer}/jwks`, introspection_endpoint: `${issuer}/introspect` });
    if (req.url === '/jwks') {
      issuerState.jwksGets++;
      return send(200, { keys: issuerState.keys.map((k) => k.jwk) });
    }
    if (req.url === '/introspect' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        issuerState.introspections++;
        const auth = req.headers.authorization ?? '';
        if (auth !== `Basic ${Buffer.from('mcpbridge:intro-secret').toString('base64')}`) return send(401, { error: 'invalid_client' });
        const token = new URLSearchParams(body).get('token');
        send(200, issuerState.introspection.get(token) ?? { active: false });
      });
      return undefined;
    }
    return send(404, {});
  });
  await new Promise((r) => idp.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${idp.address().port}`;
});

after(() => {
  idp?.close();
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

describe('oauth: an external authorization server', () => {
  test('JWKS discovered, rotation followed, foreign tokens refused', async () => {
    const k1 = newKey('k1', 'rsa');
    issuerState.keys = [k1];
    const server = await startServer(bin, ['--config', serveConfig('jwks', [])], { before: ['serve'] });
    try {
      assert.match(server.output(), /tokens from the external issuer .*\(JWKS http:\/\/127\.0\.0\.1:\d+\/jwks\)/);
      assert.equal((await mcp(server, jwt(k1, claims()))).status, 200);
      const none = await mcp(server, '');
      assert.equal(none.status, 401);
      assert.equal(none.www, 'Bearer resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"');
      const prm = await (await fetch(`${server.base}/.well-known/oauth-protected-resource/mcp`)).json();
      assert.deepEqual(prm.authorization_servers, [issuer]);

      await new Promise((r) => setTimeout(r, 1100));  // past min_refresh_s
      const k2 = newKey('k2', 'ed25519');
      issuerState.keys = [k1, k2];
      const gets = issuerState.jwksGets;
      assert.equal((await mcp(server, jwt(k2, claims()))).status, 200, 'the rotated key is accepted at once');
      assert.equal(issuerState.jwksGets, gets + 1);

      const foreign = await mcp(server, jwt(k1, claims({ aud: 'https://elsewhere.test/mcp' })));
      assert.equal(foreign.status, 401);
      assert.match(foreign.www, /error="invalid_token", error_description="token is not for this resource \(audience\)"/);
      const expired = await mcp(server, jwt(k1, claims({ exp: Math.floor(Date.now() / 1000) - 300 })));
      assert.match(expired.www, /error_description="token expired"/);
      const stranger = await mcp(server, jwt(newKey('k9', 'ec'), claims()));
      assert.equal(stranger.status, 401);
      assert.match(stranger.www, /error_description="unknown signing key"/);
    } finally {
      await server.stop();
    }
  });

  test('introspection: active, inactive, wrong audience, endpoint down -> 503', async () => {
    issuerState.introspection.set('opaque-1', { active: true, sub: 'dana', aud: RESOURCE, scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600 });
    issuerState.introspection.set('opaque-2', { active: true, sub: 'dana', aud: 'https://elsewhere.test/mcp' });
    const config = serveConfig('introspect', ['      introspection:', `        endpoint: ${issuer}/introspect`,
      '        client_id: mcpbridge']);
    const server = await startServer(bin, ['--config', config],
      { before: ['serve'], env: { ...process.env, MCPBRIDGE_INTROSPECTION_SECRET: 'intro-secret' } });
    try {
      assert.equal((await mcp(server, 'opaque-1')).status, 200);
      const inactive = await mcp(server, 'opaque-unknown');
      assert.equal(inactive.status, 401);
      assert.match(inactive.www, /error="invalid_token", error_description="token is not active"/);
      const wrongAud = await mcp(server, 'opaque-2');
      assert.equal(wrongAud.status, 401);
      assert.match(wrongAud.www, /token is not for this resource \(audience\)/);
      issuerState.down = true;
      const down = await mcp(server, 'opaque-3');
      assert.equal(down.status, 503);
      assert.equal(down.www, null);
      assert.equal(down.retryAfter, '5');
      assert.equal(JSON.parse(down.body).error, 'temporarily_unavailable');
      assert.equal((await mcp(server, 'opaque-1')).status, 200, 'a cached answer still admits its token');
    } finally {
      issuerState.down = false;
      await server.stop();
    }
  });
});
