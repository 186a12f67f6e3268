// Custom connections end to end: `mcpbridge serve` in front of two real upstream MCP servers —
// @modelcontextprotocol/server-everything (no auth) and another mcpbridge that names its callers
// (trusted-proxy header auth, tool whoami) — used through the official TypeScript SDK client by
// two users, each signed in to the upstream with their own credentials. Then the upstream is
// killed (a tool error, no hang) and restarted (service returns without restarting the gateway).
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test connections.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, installWatchdog, repoRoot, sdkModule, serverBinary, startServer, stopServer, withTimeout } from './harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { ElicitRequestSchema } = await sdkModule('types.js');

const REQUEST_MS = 20_000;
const watchdog = installWatchdog('connections', 105_000);
const bin = serverBinary('MCPBRIDGE');
const node = process.execPath;
const everythingJs = path.join(repoRoot, 'tools', 'server-everything', 'node_modules', '@modelcontextprotocol',
                               'server-everything', 'dist', 'index.js');
if (!existsSync(everythingJs)) throw new Error(`${everythingJs} is missing: run scripts/install-test-tools.sh`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-connections-'));
const PROXY_GW = 'gateway-proxy-secret';    // the gateway trusts this "proxy" (the test) to name users
const PROXY_UP = 'upstream-proxy-secret';   // the upstream trusts whoever holds this
const VAULT_KEY = Buffer.alloc(32, 7).toString('base64');

async function startEverything() {
  const port = await freePort();
  const proc = spawn(node, [everythingJs, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  await withTimeout(new Promise((resolve, reject) => {
    const check = () => (/listening on port/.test(out) ? resolve() : setTimeout(check, 50));
    proc.on('exit', (c) => reject(new Error(`server-everything exited (${c}): ${out}`)));
    check();
  }), 15_000, `server-everything to listen; output: ${out}`);
  return { proc, url: `http://127.0.0.1:${port}/mcp` };
}

const upstreamEnv = {
  ...process.env, MCPBRIDGE_AUTH_MODE: 'header', MCPBRIDGE_PROXY_SECRET: PROXY_UP,
  MCPBRIDGE_STORE: path.join(dir, 'upstream.db'),
};
const startUpstream = (port = 0) => startServer(bin, [], { before: ['serve'], env: upstreamEnv, port });

let everything, upstream, gateway;
const clients = [];

function mcpbridge(args, input) {
  const r = spawnSync(bin, args, {
    input, encoding: 'utf8', timeout: 15_000,
    env: { ...process.env, MCPBRIDGE_CONFIG: path.join(dir, 'gateway.yaml'), MCPBRIDGE_VAULT_KEY: VAULT_KEY },
  });
  return r;
}

before(async () => {
  everything = await startEverything();
  upstream = await startUpstream();
  writeFileSync(path.join(dir, 'gateway.yaml'), [
    `store: {path: ${JSON.stringify(path.join(dir, 'gateway.db'))}}`,
    'tools: {builtin: false}',
    'connections:',
    `  - {name: everything, url: ${JSON.stringify(everything.url)}, auth: none, allow_private: true, deny: ["*sampling*", "*async*", "*url-elicitation*"]}`,
    `  - {name: team, url: ${JSON.stringify(upstream.url.href)}, auth: headers, per_user: true, allow_private: true}`,
    '',
  ].join('\n'));
  for (const user of ['alice', 'bob']) {
    const creds = JSON.stringify({ 'X-Mcpbridge-User': user, 'X-Mcpbridge-Proxy-Secret': PROXY_UP });
    const r = mcpbridge(['connections', 'login', 'team', '--user', user], creds);
    assert.equal(r.status, 0, `login ${user}: ${r.stderr}`);
  }
  const list = mcpbridge(['connections', 'list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /team\t.*signed in: alice,bob/);
  gateway = await startServer(bin, [], {
    before: ['serve'],
    env: {
      ...process.env, MCPBRIDGE_CONFIG: path.join(dir, 'gateway.yaml'), MCPBRIDGE_VAULT_KEY: VAULT_KEY,
      MCPBRIDGE_AUTH_MODE: 'header', MCPBRIDGE_PROXY_SECRET: PROXY_GW,
    },
  });
});

after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await gateway?.stop();
  await upstream?.stop();
  if (everything) await stopServer(everything.proc);
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

async function connectAs(user, { capabilities = {}, setup } = {}) {
  const client = new Client({ name: `connections-test-${user}`, version: '0.0.1' }, { capabilities });
  setup?.(client);
  const transport = new StreamableHTTPClientTransport(gateway.url, {
    requestInit: { headers: { 'x-mcpbridge-user': user, 'x-mcpbridge-proxy-secret': PROXY_GW } },
  });
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect as ${user}`);
  clients.push(client);
  return client;
}

async function toolNames(client, want) {
  // The gateway lists each upstream's tools as soon as it starts; wait (bounded) for them.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const names = (await client.listTools(undefined, { timeout: REQUEST_MS })).tools.map((t) => t.name);
    if (want.every((w) => names.includes(w)) || Date.now() > deadline) return names;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const call = (client, name, args = {}, opts = {}) =>
  client.callTool({ name, arguments: args }, undefined, { timeout: REQUEST_MS, ...opts });
const textOf = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

test('upstream tools appear namespaced, filtered by the deny list', async () => {
  const alice = await connectAs('alice');
  const names = await toolNames(alice, ['everything__echo', 'team__whoami']);
  assert.ok(names.includes('everything__echo'), names.join(','));
  assert.ok(names.includes('everything__get-sum'), names.join(','));
  assert.ok(names.includes('team__whoami'), names.join(','));
  assert.ok(!names.some((n) => n.includes('sampling') || n.includes('async')), names.join(','));
});

test('calls reach server-everything and come back with their content', async () => {
  const alice = await connectAs('alice');
  await toolNames(alice, ['everything__echo']);
  const echo = await call(alice, 'everything__echo', { message: 'hello through the gateway' });
  assert.match(textOf(echo), /hello through the gateway/);
  const sum = await call(alice, 'everything__get-sum', { a: 2, b: 40 });
  assert.match(textOf(sum), /42/);
});

test('progress from the upstream reaches the caller', async () => {
  const alice = await connectAs('alice');
  await toolNames(alice, ['everything__trigger-long-running-operation']);
  const seen = [];
  const r = await call(alice, 'everything__trigger-long-running-operation', { duration: 1, steps: 3 },
                       { onprogress: (p) => seen.push(p.progress) });
  assert.ok(!r.isError, textOf(r));
  assert.ok(seen.length >= 2, `progress seen: ${JSON.stringify(seen)}`);
});

test('an elicitation from the upstream is asked of the gateway\'s caller, and the answer goes back', async () => {
  const asked = [];
  const alice = await connectAs('alice', {
    capabilities: { elicitation: {} },
    setup: (c) => c.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { name: 'Alice Example', check: true, email: 'alice@example.com' } };
    }),
  });
  await toolNames(alice, ['everything__trigger-elicitation-request']);
  const r = await call(alice, 'everything__trigger-elicitation-request');
  assert.ok(!r.isError, textOf(r));
  assert.equal(asked.length, 1);
  assert.match(JSON.stringify(r), /Alice Example/);
});

test('two users, each seen upstream as themselves; a user who has not signed in is told how', async () => {
  const [alice, bob, carol] = await Promise.all([connectAs('alice'), connectAs('bob'), connectAs('carol')]);
  await toolNames(alice, ['team__whoami']);
  const [a, b] = await Promise.all([call(alice, 'team__whoami'), call(bob, 'team__whoami')]);
  assert.equal(a.structuredContent.subject, 'alice');
  assert.equal(b.structuredContent.subject, 'bob');
  const c = await call(carol, 'team__whoami');
  assert.equal(c.isError, true);
  assert.match(textOf(c), /mcpbridge connections login team --user carol/);
});

test('a killed upstream is a tool error, not a hang; restarted, it serves again', async () => {
  const alice = await connectAs('alice');
  await toolNames(alice, ['team__whoami']);
  assert.equal((await call(alice, 'team__whoami')).structuredContent.subject, 'alice');
  const port = upstream.port;
  await upstream.stop();
  const started = Date.now();
  const down = await call(alice, 'team__whoami');
  assert.equal(down.isError, true);
  assert.ok(Date.now() - started < 10_000, 'the error came quickly');
  // The rest keeps working.
  assert.match(textOf(await call(alice, 'everything__echo', { message: 'still here' })), /still here/);
  upstream = await startUpstream(port);
  const back = await call(alice, 'team__whoami');
  assert.ok(!back.isError, textOf(back));
  assert.equal(back.structuredContent.subject, 'alice');
});
