// OAuth connections end to end: `mcpbridge serve` in front of an OAuth-protected upstream built
// on the TypeScript SDK (oauth_upstream.mjs: the SDK's authorization-server router, a login form,
// tokens that expire after a few seconds), used through the official TypeScript SDK client by
// several users. Each gets a sign-in link (tool error, or URL elicitation when their client
// declares it), follows it like a browser (gateway → authorization server's login form →
// gateway callback), and is then seen upstream as themselves. Expiry → refresh; logout →
// revoked, link again; a forgotten client → registered again.
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test connections_oauth.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, installWatchdog, sdkModule, serverBinary, startServer, stopServer, withTimeout } from './harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { UrlElicitationRequiredError } = await sdkModule('types.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const REQUEST_MS = 20_000;
const TOKEN_TTL = 4;  // seconds: the upstream's access tokens expire quickly
const watchdog = installWatchdog('connections_oauth', 110_000);
const bin = serverBinary('MCPBRIDGE');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-conn-oauth-'));
const PROXY = 'gateway-proxy-secret';  // the gateway trusts this "proxy" (the test) to name users

let upstream, gateway;
const clients = [];

async function startUpstream() {
  const proc = spawn(process.execPath, [path.join(here, 'oauth_upstream.mjs')], {
    env: { ...process.env, TOKEN_TTL: String(TOKEN_TTL) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const m = await withTimeout(new Promise((resolve, reject) => {
    const check = () => {
      const found = /UPSTREAM mcp=(\S+) as=(\S+)/.exec(out);
      return found ? resolve(found) : setTimeout(check, 50);
    };
    proc.on('exit', (c) => reject(new Error(`oauth_upstream exited (${c}): ${out}`)));
    check();
  }), 15_000, `oauth_upstream to listen; output: ${out}`);
  return { proc, mcp: m[1], as: m[2] };
}

const cli = (args) => spawnSync(bin, args, {
  encoding: 'utf8', timeout: 15_000, env: { ...process.env, MCPBRIDGE_CONFIG: path.join(dir, 'gateway.yaml') },
});
const stats = async () => (await fetch(new URL('/stats', upstream.as))).json();

before(async () => {
  upstream = await startUpstream();
  const port = await freePort();  // the public URL (redirect URI) defaults to the loopback listener's
  writeFileSync(path.join(dir, 'gateway.yaml'), [
    `store: {path: ${JSON.stringify(path.join(dir, 'gateway.db'))}}`,
    `server: {public_url: "http://127.0.0.1:${port}"}`,
    'tools: {builtin: false}',
    'connections:',
    `  - {name: team, url: ${JSON.stringify(upstream.mcp)}, auth: oauth, allow_private: true}`,
    '',
  ].join('\n'));
  gateway = await startServer(bin, [], {
    before: ['serve'], port,
    env: { ...process.env, MCPBRIDGE_CONFIG: path.join(dir, 'gateway.yaml'), MCPBRIDGE_AUTH_MODE: 'header',
           MCPBRIDGE_PROXY_SECRET: PROXY },
  });
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.stop();
  if (upstream) await stopServer(upstream.proc);
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

async function connectAs(user, capabilities = {}) {
  const client = new Client({ name: `oauth-connections-${user}`, version: '0.0.1' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(gateway.url, {
    requestInit: { headers: { 'x-mcpbridge-user': user, 'x-mcpbridge-proxy-secret': PROXY } },
  });
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect as ${user}`);
  clients.push(client);
  return client;
}

const call = (client, name, args = {}) => client.callTool({ name, arguments: args }, undefined, { timeout: REQUEST_MS });
const textOf = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const linkIn = (text) => {
  const m = /(http:\/\/127\.0\.0\.1:\d+\/connections\/team\/signin\?ticket=[A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, `no sign-in link in: ${text}`);
  return m[1];
};

async function toolNames(client, want, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const names = (await client.listTools(undefined, { timeout: REQUEST_MS })).tools.map((t) => t.name);
    if (want.every((w) => names.includes(w)) || Date.now() > deadline) return names;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// A browser: follows redirects by hand, keeps cookies per origin, fills the authorization
// server's login form with `user`. `as`: who the gateway's trusted proxy says the browser is
// (sent to the gateway only).
async function browse(link, user, { as = user } = {}) {
  const jar = new Map();
  let url = link;
  let method = 'GET';
  let body;
  for (let hop = 0; hop < 10; hop++) {
    const u = new URL(url);
    const headers = {};
    const cookies = jar.get(u.origin);
    if (cookies) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (as && u.origin === gateway.base) Object.assign(headers, { 'x-mcpbridge-user': as, 'x-mcpbridge-proxy-secret': PROXY });
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method, body, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_MS) });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const eq = kv.indexOf('=');
      if (!jar.has(u.origin)) jar.set(u.origin, new Map());
      jar.get(u.origin).set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const text = await res.text();
    if (res.status === 302) {
      url = new URL(res.headers.get('location'), url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const form = /<form method="post" action="([^"]+)">[\s\S]*name="request" value="([^"]+)"/.exec(text);
    if (res.status === 200 && form) {
      url = new URL(form[1], url).href;
      method = 'POST';
      body = new URLSearchParams({ request: form[2], user }).toString();
      continue;
    }
    return { status: res.status, text, url };
  }
  throw new Error('too many redirects');
}

test('no vault key configured: one is made next to the store (0600)', () => {
  const key = path.join(dir, 'gateway.db.vault-key');
  assert.ok(existsSync(key));
  assert.equal(statSync(key).mode & 0o777, 0o600);
});

test('connections list names the redirect URI to register', () => {
  const r = cli(['connections', 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`team\\t.*oauth \\(per user\\).*redirect URI: ${gateway.base}/connections/callback`));
});

test('alice signs in through the sign-in tool and is seen upstream as herself', async () => {
  const alice = await connectAs('alice');
  const names = await toolNames(alice, ['team__sign_in']);
  assert.deepEqual(names, ['team__sign_in'], 'before anyone signs in, only the sign-in tool');
  const r = await call(alice, 'team__sign_in');
  assert.equal(r.isError, true);
  const link = linkIn(textOf(r));
  const page = await browse(link, 'alice');
  assert.equal(page.status, 200, page.text);
  assert.match(page.text, /signed in to &#39;team&#39; as alice/);
  // The link works once.
  const again = await browse(link, 'alice');
  assert.equal(again.status, 400);
  assert.match(again.text, /unknown or has been used/);
  assert.ok((await toolNames(alice, ['team__whoami'])).includes('team__whoami'));
  const who = await call(alice, 'team__whoami');
  assert.ok(!who.isError, textOf(who));
  assert.equal(who.structuredContent.user, 'alice');
  assert.equal((await stats()).registrations, 1, 'the gateway registered itself once (DCR)');
});

test('bob without tokens gets a tool error with his link; opened by alice it is refused; then he is bob', async () => {
  const bob = await connectAs('bob');
  await toolNames(bob, ['team__whoami']);
  const r = await call(bob, 'team__whoami');
  assert.equal(r.isError, true);
  assert.match(textOf(r), /mcpbridge connections login team --user bob/);
  const link = linkIn(textOf(r));
  const stolen = await browse(link, 'alice', { as: 'alice' });
  assert.equal(stolen.status, 403, stolen.text);
  const page = await browse(link, 'bob');
  assert.equal(page.status, 200, page.text);
  const [a, b] = await Promise.all([call(await connectAs('alice'), 'team__whoami'), call(bob, 'team__whoami')]);
  assert.equal(a.structuredContent.user, 'alice');
  assert.equal(b.structuredContent.user, 'bob');
  assert.equal((await stats()).registrations, 1, 'the registration is reused for every user');
});

test('a client that declares URL elicitation gets -32042 with the link', async () => {
  const carol = await connectAs('carol', { elicitation: { url: {} } });
  await toolNames(carol, ['team__whoami']);
  await assert.rejects(call(carol, 'team__whoami'), (e) => {
    assert.ok(e instanceof UrlElicitationRequiredError, String(e));
    assert.equal(e.elicitations[0].mode, 'url');
    carol.link = e.elicitations[0].url;
    return true;
  });
  assert.equal((await browse(carol.link, 'carol')).status, 200);
  assert.equal((await call(carol, 'team__whoami')).structuredContent.user, 'carol');
});

test('expired access tokens are refreshed on demand, once for concurrent calls', async () => {
  const alice = await connectAs('alice');
  await toolNames(alice, ['team__whoami']);
  const before = (await stats()).refreshes;
  await new Promise((r) => setTimeout(r, TOKEN_TTL * 1000 + 500));
  const rs = await Promise.all([1, 2, 3].map(() => call(alice, 'team__whoami')));
  for (const r of rs) assert.equal(r.structuredContent?.user, 'alice', textOf(r));
  assert.equal((await stats()).refreshes - before, 1);
});

test('logout revokes at the authorization server; the next call asks to sign in again', async () => {
  const alice = await connectAs('alice');
  await toolNames(alice, ['team__whoami']);
  assert.equal((await call(alice, 'team__whoami')).structuredContent.user, 'alice');
  const revoked = (await stats()).revocations;
  const out = cli(['connections', 'logout', 'team', '--user', 'alice']);
  assert.equal(out.status, 0, out.stderr);
  assert.ok((await stats()).revocations > revoked, 'tokens revoked upstream');
  const r = await call(alice, 'team__whoami');
  assert.equal(r.isError, true, textOf(r));
  linkIn(textOf(r));
});

test('connections login prints a link for an operator to hand over', async () => {
  const r = cli(['connections', 'login', 'team', '--user', 'dave']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await browse(linkIn(r.stdout), 'dave')).status, 200);
  const dave = await connectAs('dave');
  await toolNames(dave, ['team__whoami']);
  assert.equal((await call(dave, 'team__whoami')).structuredContent.user, 'dave');
  assert.match(cli(['connections', 'list']).stdout, /signed in: .*dave/);
});

test('an authorization server that forgot the client: the next sign-in registers again', async () => {
  const bob = await connectAs('bob');
  await toolNames(bob, ['team__whoami']);
  await fetch(new URL('/forget-clients', upstream.as), { method: 'POST' });
  await new Promise((r) => setTimeout(r, TOKEN_TTL * 1000 + 500));
  const r = await call(bob, 'team__whoami');  // refresh → invalid_client
  assert.equal(r.isError, true, textOf(r));
  assert.equal((await browse(linkIn(textOf(r)), 'bob')).status, 200);
  assert.equal((await call(bob, 'team__whoami')).structuredContent.user, 'bob');
  assert.equal((await stats()).registrations, 2);
  // A new user after the server forgot the client again: the kept registration is found
  // stale before the browser is sent there, and replaced.
  await fetch(new URL('/forget-clients', upstream.as), { method: 'POST' });
  const erin = await connectAs('erin');
  const e = await call(erin, 'team__whoami');
  assert.equal(e.isError, true, textOf(e));
  const page = await browse(linkIn(textOf(e)), 'erin');
  assert.equal(page.status, 200, page.text);
  assert.equal((await call(erin, 'team__whoami')).structuredContent.user, 'erin');
  assert.equal((await stats()).registrations, 3);
});
