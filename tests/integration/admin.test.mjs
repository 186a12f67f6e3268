// The admin API and run-time connections end to end: `mcpbridge serve` (API keys) with no
// connection configured; alice (role admin) adds one through POST /admin/v1/connections and a
// session opened before — the official TypeScript SDK client as bob — is told the tool list
// changed and calls the new tools; bob stores his own upstream key through
// PUT /admin/v1/me/credentials/… and is seen upstream as himself; `mcpbridge connections add|remove`
// on the command line reach the running server through the store; every refusal has its status.
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test admin.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, sdkModule, serverBinary, startServer, withTimeout } from './harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { ToolListChangedNotificationSchema } = await sdkModule('types.js');

const REQUEST_MS = 20_000;
const watchdog = installWatchdog('admin', 105_000);
const bin = serverBinary('MCPBRIDGE');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-admin-'));
const VAULT_KEY = Buffer.alloc(32, 9).toString('base64');
const config = path.join(dir, 'gateway.yaml');

function cli(args, { input, env = {} } = {}) {
  return spawnSync(bin, args, {
    input, encoding: 'utf8', timeout: 15_000,
    env: { ...process.env, MCPBRIDGE_CONFIG: config, MCPBRIDGE_VAULT_KEY: VAULT_KEY, ...env },
  });
}
function ok(r, what) {
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
  return r.stdout.trim();
}

let open, keyed, gateway, rest;
const restSeen = [];  // the Authorization header of each request the REST upstream received
const REST_SPEC = `openapi: 3.0.3
info: {title: whoami, version: '1'}
paths:
  /whoami:
    get:
      operationId: restWhoami
      responses: {'200': {description: who, content: {application/json: {schema: {type: object}}}}}
`;
const key = {};
let upstreamBobKey;
const clients = [];

before(async () => {
  // Two upstreams: one open, one that wants its own API keys (and names its callers: whoami).
  open = await startServer(bin, [], { before: ['serve'], env: { ...process.env, MCPBRIDGE_AUTH_MODE: 'none' } });
  const upStore = path.join(dir, 'upstream.db');
  const upEnv = { MCPBRIDGE_CONFIG: '', MCPBRIDGE_STORE: upStore };
  ok(cli(['users', 'add', 'bob-upstream'], { env: upEnv }), 'upstream user');
  upstreamBobKey = ok(cli(['keys', 'create', '--user', 'bob-upstream'], { env: upEnv }), 'upstream key');
  keyed = await startServer(bin, [], {
    before: ['serve'], env: { ...process.env, MCPBRIDGE_AUTH_MODE: 'api_key', MCPBRIDGE_STORE: upStore },
  });

  // A REST API whose users each bring their own bearer token (an OpenAPI source, per_user).
  rest = http.createServer((req, res) => {
    restSeen.push(req.headers.authorization ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
  });
  const restPort = await new Promise((r) => rest.listen(0, '127.0.0.1', () => r(rest.address().port)));
  writeFileSync(path.join(dir, 'rest.yaml'), REST_SPEC);
  writeFileSync(config, [
    `store: {path: ${JSON.stringify(path.join(dir, 'gateway.db'))}}`,
    'tools: {builtin: false}',
    'openapi:',
    `  - {name: rest, spec: ${JSON.stringify(path.join(dir, 'rest.yaml'))}, base_url: "http://127.0.0.1:${restPort}", credentials: {type: bearer, per_user: true}}`,
    'admin: {private_hosts: ["127.0.0.1"], poll_s: 1}',
    '',
  ].join('\n'));
  ok(cli(['users', 'add', 'alice', '--role', 'admin']), 'add alice');
  ok(cli(['users', 'add', 'bob']), 'add bob');
  key.alice = ok(cli(['keys', 'create', '--user', 'alice']), 'alice key');
  key.bob = ok(cli(['keys', 'create', '--user', 'bob']), 'bob key');
  gateway = await startServer(bin, [], {
    before: ['serve'],
    env: { ...process.env, MCPBRIDGE_CONFIG: config, MCPBRIDGE_VAULT_KEY: VAULT_KEY, MCPBRIDGE_AUTH_MODE: 'api_key' },
  });
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.stop();
  await keyed?.stop();
  await open?.stop();
  await new Promise((r) => (rest ? rest.close(r) : r()));
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

async function admin(method, rel, { who = 'alice', body, contentType = 'application/json' } = {}) {
  const headers = {};
  if (who) headers.authorization = `Bearer ${key[who]}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const r = await fetch(new URL(`/admin/v1/${rel}`, gateway.base), {
    method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
}

async function connectAs(who) {
  const client = new Client({ name: `admin-test-${who}`, version: '0.0.1' });
  const transport = new StreamableHTTPClientTransport(gateway.url, {
    requestInit: { headers: { authorization: `Bearer ${key[who]}` } },
  });
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect as ${who}`);
  clients.push(client);
  return client;
}

// Polls an async predicate (bounded).
async function eventually(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const names = async (client) => (await client.listTools(undefined, { timeout: REQUEST_MS })).tools.map((t) => t.name).sort();
const call = (client, name, args = {}) => client.callTool({ name, arguments: args }, undefined, { timeout: REQUEST_MS });
const textOf = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

test('who may do what: 401 without a key, /me for everyone, connections for the admin role only', async () => {
  const none = await admin('GET', 'connections', { who: null });
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate'), /^Bearer /);
  assert.equal(none.json.error, 'unauthorized');
  const bad = await admin('GET', 'me', { who: 'nobody' });
  assert.equal(bad.status, 401);
  const me = await admin('GET', 'me', { who: 'bob' });
  assert.equal(me.status, 200);
  assert.equal(me.json.subject, 'bob');
  assert.equal(me.json.admin, false);
  assert.equal((await admin('GET', 'me')).json.admin, true);
  const denied = await admin('POST', 'connections', { who: 'bob', body: { name: 'x', url: open.url.href } });
  assert.equal(denied.status, 403);
  assert.match(denied.json.error_description, /role 'admin'/);
  assert.deepEqual((await admin('GET', 'connections')).json, { connections: [] });
});

test('an admin adds a connection: open sessions are told, its tools are served; removing takes them away', async () => {
  const bob = await connectAs('bob');
  let changed = 0;
  bob.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed += 1; });
  assert.deepEqual(await names(bob), ['restWhoami']);

  const added = await admin('POST', 'connections', {
    body: { name: 'plain', url: open.url.href, auth: 'none', allow_private: true, deny: ['whoami'] },
  });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  assert.equal(added.json.name, 'plain');
  assert.equal(added.json.origin, 'api');
  assert.equal(added.json.created_by, 'alice');
  await eventually(async () => changed > 0 && (await names(bob)).includes('plain__echo'), 15_000, 'list_changed and plain__echo');
  assert.deepEqual(await names(bob), ['plain__add', 'plain__echo', 'restWhoami']);
  assert.equal(textOf(await call(bob, 'plain__echo', { text: 'via a run-time connection' })), 'via a run-time connection');
  const listed = (await admin('GET', 'connections')).json.connections;
  assert.deepEqual(listed.map((c) => [c.name, c.tools.sort()]), [['plain', ['plain__add', 'plain__echo']]]);
  assert.equal((await admin('GET', 'connections/plain')).json.url, open.url.href);

  const before = changed;
  const removed = await admin('DELETE', 'connections/plain');
  assert.equal(removed.status, 204);
  await eventually(async () => changed > before && (await names(bob)).length === 1, 15_000, 'tools gone');
  const gone = await call(bob, 'plain__echo', { text: 'x' }).catch((e) => e);
  assert.ok(gone instanceof Error ? /plain__echo/.test(gone.message) : gone.isError, 'a removed tool is not callable');
  assert.equal((await admin('DELETE', 'connections/plain')).status, 404);
  assert.equal((await admin('GET', 'connections/plain')).status, 404);
});

test('bad requests are refused with the status that says why, and change nothing', async () => {
  const text = await admin('POST', 'connections', { body: '{"name":"t"}', contentType: 'text/plain' });
  assert.equal(text.status, 415);
  const broken = await admin('POST', 'connections', { body: '{"name": ' });
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error, 'invalid_request');
  const missing = await admin('POST', 'connections', { body: { name: 'nourl' } });
  assert.equal(missing.status, 400);
  assert.match(missing.json.error_description, /url/);
  const unknownKey = await admin('POST', 'connections', { body: { name: 'k', url: open.url.href, colour: 'red' } });
  assert.equal(unknownKey.status, 400);
  assert.match(unknownKey.json.error_description, /colour/);
  const env = await admin('POST', 'connections', {
    body: { name: 'leak', url: open.url.href, auth: 'api_key', per_user: false, env: 'HOME', allow_private: true },
  });
  assert.equal(env.status, 400);
  assert.match(env.json.error_description, /env and file are not accepted/);
  const priv = await admin('POST', 'connections', { body: { name: 'inside', url: 'http://10.1.2.3/mcp', allow_private: true } });
  assert.equal(priv.status, 400);
  assert.match(priv.json.error_description, /private_hosts/);
  const a = await admin('POST', 'connections', { body: { name: 'twice', url: open.url.href, allow_private: true } });
  assert.equal(a.status, 201);
  const b = await admin('POST', 'connections', { body: { name: 'twice', url: open.url.href, allow_private: true } });
  assert.equal(b.status, 409);
  assert.equal((await admin('PATCH', 'connections/twice')).status, 405);
  assert.equal((await admin('DELETE', 'connections/twice')).status, 204);
  assert.equal((await admin('GET', 'nothing-here')).status, 404);
  assert.deepEqual((await admin('GET', 'connections')).json, { connections: [] });
});

test('each user stores their own upstream key through the API and is seen upstream as themselves', async () => {
  const added = await admin('POST', 'connections', {
    body: { name: 'keyed', url: keyed.url.href, auth: 'api_key', per_user: true, allow_private: true },
  });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const bob = await connectAs('bob');
  // Nobody has signed in yet, so the tools cannot be listed upstream: bob signs in first.
  assert.deepEqual((await admin('GET', 'me/credentials', { who: 'bob' })).json, { credentials: [] });
  assert.equal((await admin('PUT', 'me/credentials/keyed', { who: 'bob', body: { nope: 1 } })).status, 400);
  assert.equal((await admin('PUT', 'me/credentials/unknown', { who: 'bob', body: { secret: 'x' } })).status, 404);
  const put = await admin('PUT', 'me/credentials/keyed', { who: 'bob', body: { secret: upstreamBobKey } });
  assert.equal(put.status, 204);
  const mine = (await admin('GET', 'me/credentials', { who: 'bob' })).json.credentials;
  assert.deepEqual(mine.map((c) => c.upstream), ['keyed']);
  assert.equal(JSON.stringify(mine).includes(upstreamBobKey), false, 'the secret is never shown');
  assert.deepEqual((await admin('GET', 'me/credentials', { who: 'alice' })).json, { credentials: [] });

  await eventually(async () => (await names(bob)).includes('keyed__whoami'), 20_000, 'keyed__whoami listed');
  const who = await call(bob, 'keyed__whoami');
  assert.equal(who.isError, undefined, textOf(who));
  assert.equal(who.structuredContent.subject, 'bob-upstream');
  // alice has not stored a key: a tool error says how to sign in, nothing is sent upstream as bob.
  const alice = await connectAs('alice');
  const refused = await call(alice, 'keyed__whoami');
  assert.equal(refused.isError, true);
  assert.match(textOf(refused), /sign in|signed in|credential/i);

  assert.equal((await admin('DELETE', 'me/credentials/keyed', { who: 'bob' })).status, 204);
  assert.equal((await admin('DELETE', 'me/credentials/keyed', { who: 'bob' })).status, 404);
  assert.equal((await admin('DELETE', 'connections/keyed')).status, 204);
});

test('the command line adds and removes connections of a running server through the store', async () => {
  const bob = await connectAs('bob');
  const add = cli(['connections', 'add', 'cli', open.url.href, '--allow-private', '--allow', 'echo']);
  assert.equal(add.status, 0, add.stderr);
  await eventually(async () => (await names(bob)).includes('cli__echo'), 15_000, 'cli__echo served');
  assert.deepEqual(await names(bob), ['cli__echo', 'restWhoami']);
  const listed = (await admin('GET', 'connections')).json.connections;
  assert.equal(listed.find((c) => c.name === 'cli').created_by, 'cli');
  assert.match(ok(cli(['connections', 'list']), 'list'), /^cli\t.*added by cli/m);
  const dup = cli(['connections', 'add', 'cli', open.url.href, '--allow-private']);
  assert.equal(dup.status, 2);
  assert.match(dup.stderr, /exists/);
  const notListed = cli(['connections', 'add', 'far', 'http://192.168.7.7/mcp', '--allow-private']);
  assert.equal(notListed.status, 2);
  assert.match(notListed.stderr, /private_hosts/);
  assert.equal(ok(cli(['connections', 'remove', 'cli']), 'remove').startsWith('removed cli'), true);
  await eventually(async () => (await names(bob)).length === 1, 15_000, 'cli tools gone');
  assert.equal(cli(['connections', 'remove', 'cli']).status, 2);
});

test('connection tools get the gateway policy: rate limits answered as tool errors, an audit line per call', async () => {
  const added = await admin('POST', 'connections', {
    body: { name: 'lim', url: open.url.href, allow_private: true, allow: ['echo'],
            limits: { per_principal: { per_second: 0.01, burst: 1 } } },
  });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const bob = await connectAs('bob');
  await eventually(async () => (await names(bob)).includes('lim__echo'), 15_000, 'lim__echo served');
  const first = await call(bob, 'lim__echo', { text: 'one' });
  assert.equal(textOf(first), 'one');
  const second = await call(bob, 'lim__echo', { text: 'two' });
  assert.equal(second.isError, true);
  assert.match(textOf(second), /Rate limit reached .*retry after/);
  // The tool keeps the upstream's own arguments: no idempotency_key is added to them.
  const tool = (await bob.listTools(undefined, { timeout: REQUEST_MS })).tools.find((t) => t.name === 'lim__echo');
  assert.equal('idempotency_key' in (tool.inputSchema.properties ?? {}), false);
  const audit = gateway.output().split('\n').filter((l) => l.includes('"tool":"lim__echo"'));
  assert.ok(audit.some((l) => /"principal":"bob"/.test(l) && /"outcome":"ok"/.test(l) && /"upstream":"lim"/.test(l)), audit.join('\n'));
  assert.ok(audit.some((l) => /"outcome":"rate_limited"/.test(l)), audit.join('\n'));
  assert.equal((await admin('DELETE', 'connections/lim')).status, 204);
});

test('an OpenAPI source with per-user tokens: a token stored through the API is used at once', async () => {
  const bob = await connectAs('bob');
  const before = await call(bob, 'restWhoami');
  assert.equal(before.isError, true);
  assert.match(textOf(before), /vault|credential|sign/i);
  assert.equal(restSeen.length, 0, 'nothing reached the API without a credential');
  assert.equal((await admin('PUT', 'me/credentials/rest', { who: 'bob', body: { secret: 'bob-rest-token' } })).status, 204);
  // The same vault serves every source: no stale "no credential" answer from a cache.
  const after = await call(bob, 'restWhoami');
  assert.equal(after.isError, undefined, textOf(after));
  assert.equal(after.structuredContent.authorization, 'Bearer bob-rest-token');
  assert.deepEqual(restSeen, ['Bearer bob-rest-token']);
  const listed = (await admin('GET', 'me/credentials', { who: 'bob' })).json.credentials.map((c) => c.upstream);
  assert.deepEqual(listed, ['rest']);
  assert.equal((await admin('DELETE', 'me/credentials/rest', { who: 'bob' })).status, 204);
});

// Issue 20: what cannot be served is refused at the door, and nothing one caller sends takes the
// gateway (or a shared connection) down for the others.
test('out-of-bounds entries and credentials are refused; churn around an oversized host leaves the server serving', async () => {
  const big = `http://${'a'.repeat(70_000)}.example/mcp`;
  for (let i = 0; i < 10; i += 1) {
    const bad = await admin('POST', 'connections', { body: { name: `big${i}`, url: big } });
    assert.equal(bad.status, 400, JSON.stringify(bad.json).slice(0, 200));
    assert.match(bad.json.error_description, /url/);
    assert.equal((await admin('POST', 'connections', { body: { name: `churn${i}`, url: open.url.href, allow_private: true } })).status, 201);
    assert.equal((await admin('DELETE', `connections/churn${i}`)).status, 204);
    assert.equal((await admin('DELETE', `connections/big${i}`)).status, 404);
  }
  assert.equal((await admin('GET', 'me')).status, 200, 'the server is still up');

  const refused = [
    { name: 'n'.repeat(65), url: open.url.href },
    { name: 'nl', url: `${open.url.href}\n2026-01-01T00:00:00.000 info FORGED` },
    { name: 'sp', url: `${open.url.href}/a b` },
    { name: 'r0', url: open.url.href, refresh_s: 0 },
    { name: 't5', url: open.url.href, timeout_ms: -5 },
    { name: 'hk', url: open.url.href, auth: 'api_key', api_key_header: 'Content-Length' },
  ];
  for (const body of refused) {
    const r = await admin('POST', 'connections', { body: { allow_private: true, ...body } });
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.json)}`);
  }
  assert.doesNotMatch(gateway.output(), /^2026-01-01T00:00:00.000 info FORGED/m);
  const longest = 'n'.repeat(64);
  assert.equal((await admin('POST', 'connections', { body: { name: longest, url: open.url.href, allow_private: true } })).status, 201);
  assert.equal((await admin('DELETE', `connections/${longest}`)).status, 204);
  const spec = cli(['connections', 'add', '--spec', '-'], { input: JSON.stringify({ name: 'cli0', url: open.url.href, refresh_s: 0 }) });
  assert.equal(spec.status, 2);
  assert.match(spec.stderr, /refresh_s/);

  // One user's oversized or header-unsafe credential: 400 for them, the connection serves the others.
  assert.equal((await admin('POST', 'connections', {
    body: { name: 'shared', url: keyed.url.href, auth: 'api_key', per_user: true, allow_private: true },
  })).status, 201);
  const huge = await admin('PUT', 'me/credentials/shared', { who: 'alice', body: { secret: 'k'.repeat(70_000) } });
  assert.equal(huge.status, 400);
  assert.match(huge.json.error_description, /longer than/);
  assert.equal((await admin('PUT', 'me/credentials/shared', { who: 'alice', body: { secret: 'k\r\nInjected: 1' } })).status, 400);
  assert.equal((await admin('PUT', 'me/credentials/rest', { who: 'alice', body: { secret: 't\nX: 1' } })).status, 400);
  assert.equal((await admin('PUT', 'me/credentials/shared', { who: 'bob', body: { secret: upstreamBobKey } })).status, 204);
  const bob = await connectAs('bob');
  await eventually(async () => (await names(bob)).includes('shared__whoami'), 20_000, 'shared__whoami listed');
  assert.equal((await call(bob, 'shared__whoami')).structuredContent.subject, 'bob-upstream');
  assert.equal((await admin('DELETE', 'me/credentials/shared', { who: 'bob' })).status, 204);
  assert.equal((await admin('DELETE', 'connections/shared')).status, 204);
});
