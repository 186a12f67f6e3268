// OAuth end to end: `mcpbridge serve` with the built-in authorization server (auth mode oauth)
// and the official TypeScript SDK client with its OAuth provider. The client discovers us from the
// 401, reads both metadata documents, registers dynamically, is sent to our sign-in page (this
// test plays the browser: it reads the form, keeps the CSRF cookie, posts the credentials and the
// consent), finishes the code exchange, calls a tool, refreshes, and is refused after reuse
// detection and after revocation. A pre-registered confidential client (`mcpbridge clients add`)
// takes the same road with client_secret_basic.
//
//   MCPBRIDGE_BIN=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test oauth.test.mjs
//
// Everything talks to 127.0.0.1 only; every wait is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './harness.mjs';
import { MemoryProvider, recordingFetch } from './oauth_client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const sdkDir = process.env.MCP_TS_SDK_DIR ||
  path.join(repoRoot, 'tools', 'sdk', 'node_modules', '@modelcontextprotocol', 'sdk');

function sdkModule(rel) {
  const file = path.join(sdkDir, 'dist', 'esm', rel);
  if (!existsSync(file)) throw new Error(`TypeScript MCP SDK not found (${file}): run scripts/install-test-tools.sh`);
  return import(pathToFileURL(file).href);
}
const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { auth, UnauthorizedError } = await sdkModule('client/auth.js');

const bin = process.env.MCPBRIDGE_BIN;
if (!bin || !existsSync(bin)) throw new Error(`MCPBRIDGE_BIN=${bin} must name the built mcpbridge binary (ctest sets it)`);

const WATCHDOG_MS = 100_000;
const watchdog = setTimeout(() => {
  console.error('oauth: watchdog fired; killing the server');
  server?.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-oauth-'));
const env = { ...process.env, MCPBRIDGE_STORE: path.join(dir, 'store.db'), MCPBRIDGE_AUTH_MODE: 'oauth' };
let server;
let base;
let mcpUrl;
process.on('exit', () => { try { server?.kill('SIGKILL'); } catch { /* gone */ } });

function cli(args, input) {
  const r = spawnSync(bin, args, { env, input, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`mcpbridge ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  cli(['users', 'add', 'alice', '--team', 'eng', '--password-stdin'], 'correct horse battery\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  mcpUrl = new URL(`${base}/mcp`);
  server = spawn(bin, ['serve', '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (d) => { out += d; });
  server.stderr.on('data', (d) => { out += d; });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch { /* not yet */ }
    if (server.exitCode !== null) throw new Error(`mcpbridge exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`mcpbridge does not answer: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const jar = new Map();  // the "browser's" cookies
function cookieHeader() { return [...jar].map(([k, v]) => `${k}=${v}`).join('; '); }
function keepCookies(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

// Plays the browser on our sign-in page; resolves to the redirect's query parameters.
async function signIn(authorizationUrl, { user = 'alice', password = 'correct horse battery', name } = {}) {
  const page = await fetch(authorizationUrl, { headers: { cookie: cookieHeader() }, redirect: 'manual' });
  keepCookies(page);
  if (page.status === 302) return new URL(page.headers.get('location')).searchParams;  // consent remembered
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const html = await page.text();
  assert.ok(html.includes(name), `the client name ${name} is shown, escaped`);
  assert.ok(html.includes(mcpUrl.href), 'the resource is shown');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
    fields[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  assert.ok(fields.csrf_token, 'the form carries a CSRF token');
  const form = new URLSearchParams({ ...fields, username: user, password, action: 'approve' });
  const post = await fetch(`${base}/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: form,
    redirect: 'manual',
  });
  keepCookies(post);
  assert.equal(post.status, 302, `sign-in answered ${post.status}: ${await post.text()}`);
  return new URL(post.headers.get('location')).searchParams;
}

async function rawMcp(token) {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
}

async function postForm(url, params, headers = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: r.status, body: await r.json() };
}

async function connected(provider, log) {
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch(log) });
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

// Runs the whole authorization code flow for `provider`; returns the connected client.
async function authorize(provider, log, name = 'oauth e2e &lt;test&gt;') {
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch(log) });
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK was sent to the authorization endpoint');
  const q = provider.authorizationUrl.searchParams;
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(q.get('resource'), mcpUrl.href);
  const back = await signIn(provider.authorizationUrl, { name });
  assert.equal(back.get('iss'), base, 'RFC 9207 iss on the redirect');
  assert.equal(back.get('state'), provider.stateValue);
  assert.ok(back.get('code'));
  await transport.finishAuth(back.get('code'));
  provider.authorizationUrl = undefined;
  return connected(provider, log);
}

describe('oauth: built-in authorization server with the TypeScript SDK client', () => {
  test('discovery, dynamic registration, sign-in, tool call, refresh, reuse detection, revocation', async () => {
    const log = [];
    const provider = new MemoryProvider({ clientName: 'oauth e2e <test>' });
    const { client } = await authorize(provider, log);
    const seen = log.join('\n');
    assert.match(seen, /GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp/);
    assert.match(seen, /GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server/);
    assert.match(seen, /POST http:\/\/127\.0\.0\.1:\d+\/register/);
    assert.match(seen, /POST http:\/\/127\.0\.0\.1:\d+\/token/);
    assert.ok(provider.info.client_id.startsWith('c_'));

    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    assert.equal(echoed.isError, undefined);
    assert.match(JSON.stringify(echoed.content), /hello/);

    // The access token is an RFC 9068 JWT for our resource.
    const first = provider.tokens();
    const [h, p] = first.access_token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
    assert.equal(h.typ, 'at+jwt');
    assert.equal(h.alg, 'ES256');
    assert.equal(p.aud, mcpUrl.href);
    assert.equal(p.iss, base);
    assert.equal(p.sub, 'alice');
    assert.equal(p.client_id, provider.info.client_id);
    const jwks = await (await fetch(`${base}/jwks`)).json();
    assert.ok(jwks.keys.some((k) => k.kid === h.kid && k.kty === 'EC' && !('d' in k)));

    // Refresh through the SDK: a new pair; the new access token works.
    assert.equal(await auth(provider, { serverUrl: mcpUrl }), 'AUTHORIZED');
    const second = provider.tokens();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal((await rawMcp(second.access_token)).status, 200);
    assert.match(JSON.stringify(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })), /5/);

    // Reuse of the rotated refresh token: refused, and the whole grant is revoked.
    const reuse = await postForm(`${base}/token`, {
      grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: provider.info.client_id,
    });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    const afterReuse = await rawMcp(second.access_token);
    assert.equal(afterReuse.status, 401);
    assert.match(afterReuse.headers.get('www-authenticate'), /error="invalid_token"/);
    assert.match(afterReuse.headers.get('www-authenticate'), /resource_metadata="/);
    const stale = await postForm(`${base}/token`, {
      grant_type: 'refresh_token', refresh_token: second.refresh_token, client_id: provider.info.client_id,
    });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, 'invalid_grant');
    await client.close();

    // Authorize again: signed in and consent remembered, so the page redirects at once.
    provider.saved = undefined;
    const again = await authorize(provider, log);
    assert.match(JSON.stringify(await again.client.callTool({ name: 'echo', arguments: { text: 'x' } })), /x/);

    // RFC 7009: revoking the refresh token revokes its grant; the client is refused.
    const third = provider.tokens();
    const revoked = await postForm(`${base}/revoke`, { token: third.refresh_token, client_id: provider.info.client_id });
    assert.equal(revoked.status, 200);
    assert.equal((await rawMcp(third.access_token)).status, 401);
    await assert.rejects(again.client.callTool({ name: 'echo', arguments: { text: 'y' } }), UnauthorizedError);
    assert.ok(provider.authorizationUrl, 'after revocation the SDK must ask the user again');
    await again.client.close().catch(() => {});
  });

  test('a pre-registered confidential client (mcpbridge clients add) with client_secret_basic', async () => {
    const out = cli(['clients', 'add', 'Preregistered', '--redirect-uri', 'http://127.0.0.1:9/callback']);
    const id = /client_id: (\S+)/.exec(out)[1];
    const secret = /client_secret: (\S+)/.exec(out)[1];
    assert.match(out, /redirect_uri: http:\/\/127\.0\.0\.1:9\/callback/);
    jar.clear();  // a new browser: sign in again
    const log = [];
    const provider = new MemoryProvider({ clientName: 'oauth e2e <test>', preregistered: { client_id: id, client_secret: secret } });
    const { client } = await authorize(provider, log, '<strong>Preregistered</strong>');
    assert.ok(!log.some((l) => l.includes('/register')), 'no dynamic registration for a pre-registered client');
    assert.match(JSON.stringify(await client.callTool({ name: 'echo', arguments: { text: 'pre' } })), /pre/);
    await client.close();

    // The same client as a service account: client_credentials.
    const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const cc = await postForm(`${base}/token`, { grant_type: 'client_credentials' }, { authorization: basic });
    assert.equal(cc.status, 200);
    assert.equal(cc.body.refresh_token, undefined);
    assert.equal((await rawMcp(cc.body.access_token)).status, 200);
    const wrong = await postForm(`${base}/token`, { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from(`${id}:nope`).toString('base64')}` });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
  });
});
