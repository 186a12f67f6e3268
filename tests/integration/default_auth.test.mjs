// The embedded default: `mcpbridge serve` with NO auth flags on a fresh store runs the built-in
// authorization server and creates user `admin` on first run. The official TypeScript SDK client
// (its OAuth provider) discovers the server from the 401, registers dynamically, is sent to our
// sign-in page (this test plays the browser), signs in as admin and calls a tool. Once with
// MCPBRIDGE_ADMIN_PASSWORD, once with the generated password read from the 0600 file beside the
// database. A wrong password gets the form again, saying so, and no code. The server's log must
// name where to connect and carry the auth audit lines (as JSON objects with log_format json),
// and never the password.
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test default_auth.test.mjs
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, installWatchdog, sdkModule, serverBinary, startServer } from './harness.mjs';
import { MemoryProvider } from './oauth_client.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { UnauthorizedError } = await sdkModule('client/auth.js');

const bin = serverBinary('MCPBRIDGE');
const watchdog = installWatchdog('default_auth');
const dirs = [];
const servers = [];

after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  clearTimeout(watchdog);
});

// A fresh store, and a server on it with nothing but the store path (and `extra` env).
async function freshServer(extra = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-default-auth-'));
  dirs.push(dir);
  const store = path.join(dir, 'store.db');
  const env = { ...process.env, MCPBRIDGE_STORE: store, ...extra };
  for (const k of ['MCPBRIDGE_AUTH_MODE', 'MCPBRIDGE_CONFIG']) if (!(k in extra)) delete env[k];
  if (!('MCPBRIDGE_ADMIN_PASSWORD' in extra)) delete env.MCPBRIDGE_ADMIN_PASSWORD;
  // The issuer is the listener's URL, so the port is fixed (an ephemeral one is refused).
  const server = await startServer(bin, [], { before: ['serve'], env, port: await freePort() });
  servers.push(server);
  return { ...server, dir, store, env };
}

// The browser: GET the sign-in page, POST its form with the CSRF cookie. Resolves to the POST's
// response (302 to the client with a code, or the page again).
async function submitSignIn(authorizationUrl, user, password) {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /name="password"/, 'a sign-in form');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g))
    fields[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ...fields, username: user, password, action: 'approve' }),
    redirect: 'manual',
  });
}

// Discovery → DCR → sign-in as `user` → code exchange → tools/call echo.
async function signInAndCall(server, user, password, log) {
  const provider = new MemoryProvider({ clientName: 'default-auth e2e' });
  const fetchLog = (input, init) => {
    log.push(`${init?.method ?? 'GET'} ${input instanceof Request ? input.url : String(input)}`);
    return fetch(input, init);
  };
  let transport = new StreamableHTTPClientTransport(server.url, { authProvider: provider, fetch: fetchLog });
  let client = new Client({ name: 'default-auth', version: '1.0.0' });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK was sent to the sign-in page');
  assert.ok(provider.info?.client_id, 'registered dynamically');
  const post = await submitSignIn(provider.authorizationUrl, user, password);
  assert.equal(post.status, 302, `sign-in answered ${post.status}`);
  const back = new URL(post.headers.get('location')).searchParams;
  assert.ok(back.get('code'));
  await transport.finishAuth(back.get('code'));
  transport = new StreamableHTTPClientTransport(server.url, { authProvider: provider, fetch: fetchLog });
  client = new Client({ name: 'default-auth', version: '1.0.0' });
  await client.connect(transport);
  const r = await client.callTool({ name: 'echo', arguments: { text: 'hello admin' } });
  assert.equal(r.isError ?? false, false);
  assert.match(JSON.stringify(r.content), /hello admin/);
  await client.close();
  return provider;
}

describe('default auth: the embedded setup signs in through the built-in authorization server', () => {
  test('no auth flags, MCPBRIDGE_ADMIN_PASSWORD: discovery, DCR, sign-in as admin, tools/call', async () => {
    const password = 'a long admin password 42';
    const server = await freshServer({ MCPBRIDGE_ADMIN_PASSWORD: password });
    // Without a token the endpoint asks for one (RFC 9728 challenge).
    const anon = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(anon.status, 401);
    assert.match(anon.headers.get('www-authenticate'), /resource_metadata=/);

    const log = [];
    await signInAndCall(server, 'admin', password, log);
    const seen = log.join('\n');
    assert.match(seen, /GET .*\/\.well-known\/oauth-protected-resource\/mcp/);
    assert.match(seen, /GET .*\/\.well-known\/oauth-authorization-server/);
    assert.match(seen, /POST .*\/register/);
    assert.match(seen, /POST .*\/token/);

    const out = server.output();
    assert.match(out, /created user admin with the password from MCPBRIDGE_ADMIN_PASSWORD/);
    assert.match(out, new RegExp(`connect an MCP client to ${server.base}/mcp`));
    assert.match(out, new RegExp(`${server.base}/\\.well-known/oauth-authorization-server`));
    assert.match(out, /sign in as admin/);
    assert.ok(!out.includes(password), 'the password is never logged');
    assert.ok(!existsSync(`${server.store}.admin-password`), 'no password file when the password was given');
    assert.match(out, /"audit":"auth\.sign_in","outcome":"ok","user":"admin"/);
    assert.match(out, /"audit":"auth\.token_issued","grant_type":"authorization_code"/);
  });

  test('no auth flags, no password given: the generated one is in a 0600 file; a wrong one is refused', async () => {
    const server = await freshServer({ MCPBRIDGE_LOG_FORMAT: 'json' });
    const file = `${server.store}.admin-password`;
    assert.ok(existsSync(file), `${file} was written`);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    const password = readFileSync(file, 'utf8').trim();
    assert.ok(password.length >= 24, 'a long random password');
    const out0 = server.output();
    assert.ok(out0.includes(file), 'the log says where the password is');
    assert.match(out0, /mcpbridge users passwd admin/, 'and how to change it');
    assert.ok(!out0.includes(password), 'never the password itself');

    // Wrong password: the form again, saying so, and no code.
    const provider = new MemoryProvider({ clientName: 'default-auth e2e' });
    const transport = new StreamableHTTPClientTransport(server.url, { authProvider: provider });
    await assert.rejects(new Client({ name: 'x', version: '1' }).connect(transport), UnauthorizedError);
    const wrong = await submitSignIn(provider.authorizationUrl, 'admin', 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('location'), null, 'no redirect, so no code');
    assert.match(await wrong.text(), /Invalid user name or password/);

    await signInAndCall(server, 'admin', password, []);

    // log_format json: every audit line is one JSON object, and none carries a secret.
    const lines = server.output().split('\n').filter((l) => l.includes('"audit":"auth.'));
    const events = lines.map((l) => JSON.parse(l).event);
    const kinds = events.map((e) => `${e.audit}:${e.outcome ?? e.grant_type}`);
    assert.ok(kinds.includes('auth.register:ok'), kinds.join(','));
    assert.ok(kinds.includes('auth.sign_in:failed'), kinds.join(','));
    assert.ok(kinds.includes('auth.sign_in:ok'), kinds.join(','));
    assert.ok(kinds.includes('auth.token_issued:authorization_code'), kinds.join(','));
    const failed = events.find((e) => e.audit === 'auth.sign_in' && e.outcome === 'failed');
    assert.equal(failed.user, 'admin');
    assert.equal(failed.ip, '127.0.0.1');
    assert.ok(failed.client.startsWith('c_'));
    assert.ok(!server.output().includes(password) && !server.output().includes('not the password'));

    // Changing the password removes the file; the old password stops working.
    const passwd = spawnSync(bin, ['users', 'passwd', 'admin'], {
      env: server.env, input: 'another long password\n', encoding: 'utf8', timeout: 20_000 });
    assert.equal(passwd.status, 0, passwd.stderr);
    assert.ok(!existsSync(file), 'the initial password file is gone');
    const p2 = new MemoryProvider({ clientName: 'default-auth e2e' });
    const t2 = new StreamableHTTPClientTransport(server.url, { authProvider: p2 });
    await assert.rejects(new Client({ name: 'x', version: '1' }).connect(t2), UnauthorizedError);
    assert.equal((await submitSignIn(p2.authorizationUrl, 'admin', password)).status, 401);
    assert.equal((await submitSignIn(p2.authorizationUrl, 'admin', 'another long password')).status, 302);
  });

  // OAuth for people, API keys for scripts, on the same /mcp of the default `serve`; a browser
  // client's preflight from an allowed origin answered, from any other refused.
  test('one endpoint: an OAuth token from the SDK sign-in and an API key from fetch; CORS preflights', async () => {
    const password = 'a long admin password 42';
    const app = 'https://app.example.com';
    const server = await freshServer({ MCPBRIDGE_ADMIN_PASSWORD: password, MCPBRIDGE_ALLOWED_ORIGINS: app });
    await signInAndCall(server, 'admin', password, []);

    const made = spawnSync(bin, ['keys', 'create', '--user', 'admin', '--label', 'script'], {
      env: server.env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(made.status, 0, made.stderr);
    const key = made.stdout.trim();
    assert.match(key, /^mcpb_/);
    const post = (body, auth, extra = {}) => fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
                 authorization: `Bearer ${auth}`, ...extra },
      body: JSON.stringify(body),
    });
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {
      protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'script', version: '1' } } }, key);
    assert.equal(init.status, 200, await init.clone().text());
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid);
    await init.text();
    const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, key, session)).status, 202);
    const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call',
                              params: { name: 'echo', arguments: { text: 'hello from a key' } } }, key, session);
    assert.equal(call.status, 200);
    assert.match(await call.text(), /hello from a key/);
    // A wrong key: refused as such, the challenge still pointing OAuth clients at the metadata.
    const wrong = await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, 'mcpb_not-a-key');
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate'), /resource_metadata=.*error="invalid_token"/);
    assert.equal((await wrong.json()).error_description, 'unknown API key');

    // CORS: the allowed origin's preflights (the endpoint and the metadata) answered ...
    const preflight = (origin, url = server.url) => fetch(url, { method: 'OPTIONS', headers: {
      origin, 'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' } });
    const ok = await preflight(app);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), app);
    assert.match(ok.headers.get('access-control-allow-headers'), /Authorization/);
    assert.match(ok.headers.get('access-control-allow-headers'), /Mcp-Session-Id/);
    const meta = `${server.base}/.well-known/oauth-protected-resource/mcp`;
    assert.equal((await preflight(app, meta)).status, 204);
    // ... its requests readable (the challenge, the session id) ...
    const browser = await post({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, 'eyJ.not.a-token', { origin: app });
    assert.equal(browser.status, 401);
    assert.equal(browser.headers.get('access-control-allow-origin'), app);
    assert.match(browser.headers.get('access-control-expose-headers'), /WWW-Authenticate/);
    // ... and any other origin refused.
    const evil = await preflight('https://evil.example.com');
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal((await preflight('https://evil.example.com', meta)).status, 403);
  });

  test('--auth none still serves without sign-in, and creates no user', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-default-auth-'));
    dirs.push(dir);
    const env = { ...process.env, MCPBRIDGE_STORE: path.join(dir, 'store.db') };
    delete env.MCPBRIDGE_AUTH_MODE;
    const server = await startServer(bin, ['--auth', 'none'], { before: ['serve'], env });
    servers.push(server);
    const client = new Client({ name: 'none', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(server.url));
    const r = await client.callTool({ name: 'echo', arguments: { text: 'open' } });
    assert.match(JSON.stringify(r.content), /open/);
    await client.close();
    assert.ok(!existsSync(path.join(dir, 'store.db.admin-password')));
    assert.doesNotMatch(server.output(), /created user admin/);
  });
});
