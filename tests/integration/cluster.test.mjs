// Several replicas (issue 13, docs/scale-out.md): three `mcpbridge serve` on one PostgreSQL and
// one Redis behind nginx round robin (no stickiness), driven by the official TypeScript SDK
// client and raw HTTP. Everything runs on 127.0.0.1 and is stopped whatever happens.
//
//   MCPBRIDGE_BIN=build/bin/mcpbridge node --test tests/integration/cluster.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, sdkModule, serverBinary, startServer, withTimeout } from './harness.mjs';
import { metric, startNginx, startPostgres, startRedis, stopEverything } from './cluster_harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const REQUEST_MS = 15_000;
const watchdog = installWatchdog('cluster', 280_000);
const bin = serverBinary('MCPBRIDGE_BIN');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-cluster-'));

// The REST upstream every replica calls: counts what it is sent.
const seen = { orders: 0, items: 0 };
const spec = {
  openapi: '3.0.3',
  info: { title: 'shop', version: '1' },
  paths: {
    '/items': { get: { operationId: 'listItems', responses: { 200: { description: 'ok' } } } },
    '/orders': {
      post: {
        operationId: 'createOrder',
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', properties: { item: { type: 'string' } }, required: ['item'] } } } },
        responses: { 201: { description: 'created' } },
      },
    },
  },
};
const upstream = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/orders') {
      seen.orders += 1;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ order: seen.orders, item: JSON.parse(body).item }));
    } else if (req.method === 'GET' && req.url.startsWith('/items')) {
      seen.items += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: ['a', 'b'] }));
    } else {
      res.writeHead(404).end();
    }
  });
});

let pg, redis, nginx, replicas = [], env, apiKey, keyId;

function cli(args, extraEnv = {}) {
  const r = spawnSync(bin, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`mcpbridge ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;  // `keys create` prints the key on stdout, its id on stderr
}

async function startReplica(port = 0) {
  return startServer(bin, ['--config', path.join(dir, 'mcpbridge.yaml')], { env, before: ['serve'], port });
}

const auth = () => ({ authorization: `Bearer ${apiKey}` });

async function rpc(base, body, { session, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
              'mcp-protocol-version': '2025-11-25', ...auth(), ...headers };
  if (session) h['mcp-session-id'] = session;
  const r = await fetch(`${base}/mcp`, { method: 'POST', headers: h, body: JSON.stringify(body),
                                         signal: AbortSignal.timeout(REQUEST_MS) });
  const text = await r.text();
  let json;
  if (r.headers.get('content-type')?.startsWith('text/event-stream')) {
    const data = text.split('\n').filter((l) => l.startsWith('data: ') && l.length > 6).map((l) => JSON.parse(l.slice(6)));
    json = data.find((m) => m.id === body.id);
  } else if (text) {
    json = JSON.parse(text);
  }
  return { status: r.status, json, session: r.headers.get('mcp-session-id') };
}

async function connectSdk(url) {
  const client = new Client({ name: 'cluster-test', version: '0.0.1' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: auth() } });
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect to ${url}`);
  return client;
}

before(async () => {
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  writeFileSync(path.join(dir, 'shop.json'), JSON.stringify(spec));
  [pg, redis] = await Promise.all([startPostgres(), startRedis({ password: 'r3dis' })]);
  const up = `http://127.0.0.1:${upstream.address().port}`;
  writeFileSync(path.join(dir, 'mcpbridge.yaml'), `
auth: {mode: api_key}
tools: {builtin: true}
openapi:
  - name: shop
    spec: ${path.join(dir, 'shop.json')}
    base_url: ${up}
    credentials: {type: none}
    limits: {cache_ttl_s: 30}
  - name: limited
    spec: ${path.join(dir, 'shop.json')}
    prefix: limited_
    base_url: ${up}
    credentials: {type: none}
    include: {operations: [listItems]}
    limits: {per_tool: {per_second: 0.001, burst: 4}}
`);
  env = { ...process.env, MCPBRIDGE_STORE: pg.uri, MCPBRIDGE_REDIS_URL: redis.url,
          MCPBRIDGE_VAULT_KEY: Buffer.alloc(32, 7).toString('base64'),
          MCPBRIDGE_OAUTH_KEY: Buffer.alloc(32, 9).toString('base64') };
  cli(['users', 'add', 'alice', '--role', 'admin']);
  const out = cli(['keys', 'create', '--user', 'alice', '--label', 'cluster']);
  apiKey = /(mcpb_[A-Za-z0-9_-]+)/.exec(out)?.[1];
  keyId = /\bkey (k_\S+) for /.exec(out)?.[1];  // "key k_… for alice: shown once"
  assert.ok(apiKey && keyId, `keys create printed a key and its id: ${out}`);
  replicas = await Promise.all([startReplica(), startReplica(), startReplica()]);
  nginx = await startNginx(replicas.map((r) => r.port));
});

after(async () => {
  clearTimeout(watchdog);
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  upstream.close();
  stopEverything();
});

// A bounded load through nginx while `during` runs: 4 workers of echo calls (stateless, and on
// a session opened first), each request bounded in time (REQUEST_MS), at most 1,500 per worker.
// Every answer must be a success or a clean error (503, a JSON-RPC error, an isError result):
// a hang, a reset or a 502 fails the test.
async function underLoad(during) {
  const init = await rpc(nginx.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'load', version: '1' } } });
  assert.equal(init.status, 200);
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {},
                 'io.modelcontextprotocol/clientInfo': { name: 'load', version: '1' } };
  const tally = { ok: 0, clean: 0, bad: [] };
  let stop = false;
  const worker = async (w) => {
    for (let i = 0; i < 1500 && !stop; i++) {
      const stateless = (i + w) % 2 === 0;
      const body = { jsonrpc: '2.0', id: i + 2, method: 'tools/call',
                     params: { name: 'echo', arguments: { text: 'load' }, ...(stateless ? { _meta: meta } : {}) } };
      const headers = stateless ? { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' } : {};
      try {
        const r = await rpc(nginx.base, body, { session: stateless ? undefined : init.session, headers });
        if (r.status === 200 && r.json?.result && !r.json.result.isError) tally.ok += 1;
        else if (r.status === 503 || r.json?.error || r.json?.result?.isError) tally.clean += 1;
        else tally.bad.push(`${r.status} ${JSON.stringify(r.json)}`);
      } catch (e) {
        tally.bad.push(String(e));
      }
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  try {
    await during();
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  assert.deepEqual(tally.bad.slice(0, 5), [], `every answer under load was a success or a clean error (${JSON.stringify(tally)})`);
  assert.ok(tally.ok > 0, `calls succeeded under load (${JSON.stringify(tally)})`);
  console.log(`under load: ${tally.ok} succeeded, ${tally.clean} clean errors`);
  return tally;
}

describe('three mcpbridge replicas on PostgreSQL and Redis behind nginx round robin', () => {
  test('the SDK client\'s session is served by every replica (no stickiness)', async () => {
    const before = await Promise.all(replicas.map((r) => metric(r.base, 'mcpbridge_tool_calls_total')));
    const client = await connectSdk(nginx.url);
    try {
      for (let i = 0; i < 12; i++) {
        const r = await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } }, undefined, { timeout: REQUEST_MS });
        assert.equal(r.content[0].text, `hi ${i}`);
      }
    } finally {
      await client.close();
    }
    const afterCalls = await Promise.all(replicas.map((r) => metric(r.base, 'mcpbridge_tool_calls_total')));
    afterCalls.forEach((n, i) => assert.ok(n > before[i], `replica ${i} served some of the calls (${before[i]} -> ${n})`));
  });

  test('an API key created with the CLI works on every replica', async () => {
    for (const r of replicas) {
      const init = await rpc(r.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      assert.equal(init.status, 200, `replica ${r.base} accepts the key`);
    }
  });

  test('a rate limit of N holds across replicas: exactly N of 3N calls succeed', async () => {
    const init = await rpc(nginx.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
      protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const session = init.session;
    let ok = 0, limited = 0;
    for (let i = 0; i < 12; i++) {
      const base = replicas[i % 3].base;  // spread explicitly over the three
      const r = await rpc(base, { jsonrpc: '2.0', id: 10 + i, method: 'tools/call',
                                  params: { name: 'limited_listItems', arguments: {} } }, { session });
      assert.equal(r.status, 200, JSON.stringify(r));
      if (r.json.result && !r.json.result.isError) ok += 1; else limited += 1;
    }
    assert.equal(ok, 4, `exactly the burst of 4 succeeded (limited: ${limited})`);
  });

  test('one idempotency key used on two replicas: the upstream sees one call', async () => {
    const before = seen.orders;
    const sessions = [];
    for (const r of replicas.slice(0, 2)) {
      const init = await rpc(r.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      sessions.push(init.session);
    }
    const send = (i) => rpc(replicas[i].base, { jsonrpc: '2.0', id: 100 + i, method: 'tools/call', params: {
      name: 'createOrder', arguments: { item: 'book', idempotency_key: 'order-42' } } }, { session: sessions[i] });
    let [a, b] = await Promise.all([send(0), send(1)]);
    // The loser of the race is told the call is in progress; its retry gets the recorded answer.
    const busy = (r) => /in progress/.test(JSON.stringify(r.json?.result ?? ''));
    for (let i = 0; i < 50 && (busy(a) || busy(b)); i++) {
      await new Promise((res) => setTimeout(res, 100));
      if (busy(a)) a = await send(0);
      if (busy(b)) b = await send(1);
    }
    for (const r of [a, b]) assert.equal(r.status, 200, JSON.stringify(r));
    assert.equal(seen.orders - before, 1, `the upstream saw one POST (${JSON.stringify([a.json, b.json])})`);
    assert.deepEqual(a.json.result.structuredContent ?? a.json.result.content,
                     b.json.result.structuredContent ?? b.json.result.content, 'both callers get the same answer');
  });

  test('Redis restarted under load: clean errors, then service resumes by itself', async () => {
    await underLoad(async () => {
      await redis.stop();
      try {
        const during = await Promise.all(replicas.map((r) => rpc(r.base, { jsonrpc: '2.0', id: 1, method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
          .catch((e) => ({ status: 0, error: String(e) }))));
        for (const r of during) assert.ok(r.status === 503 || (r.status === 200 && r.json?.error), `a clean error: ${JSON.stringify(r)}`);
        const ready = await fetch(`${replicas[0].base}/readyz`);
        assert.equal(ready.status, 503, '/readyz says Redis is down');
      } finally {
        await redis.start();
      }
      const deadline = Date.now() + 15_000;
      for (;;) {
        const r = await rpc(nginx.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
          protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
        if (r.status === 200 && r.session) break;
        assert.ok(Date.now() < deadline, 'service came back within 15 s');
        await new Promise((res) => setTimeout(res, 200));
      }
    });
  });

  test('PostgreSQL restarted under load: clean errors, then service resumes by itself', async () => {
    await underLoad(async () => {
      const init = await rpc(replicas[1].base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      pg.stop();
      const orders = seen.orders;
      try {
        const t0 = Date.now();
        const r = await rpc(replicas[1].base, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: {
          name: 'createOrder', arguments: { item: 'pen', idempotency_key: 'during-outage' } } }, { session: init.session });
        assert.ok(Date.now() - t0 < 10_000, 'answered, not hung');
        assert.ok(r.status === 503 || r.json?.error || r.json?.result?.isError,
                  `a clean error while PostgreSQL is down: ${JSON.stringify(r)}`);
        assert.equal(seen.orders, orders, 'no destructive call without its idempotency record (fail closed)');
        const ready = await fetch(`${replicas[1].base}/readyz`);
        assert.equal(ready.status, 503, '/readyz says the store is down');
      } finally {
        pg.start();
      }
      const deadline = Date.now() + 15_000;
      for (;;) {
        const ok = await rpc(replicas[1].base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
          protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
        if (ok.status === 200) break;
        assert.ok(Date.now() < deadline, 'service came back within 15 s');
        await new Promise((res) => setTimeout(res, 200));
      }
    });
  });

  test('a key revoked with the CLI is refused on every replica within a second', async () => {
    cli(['keys', 'revoke', keyId]);
    await new Promise((r) => setTimeout(r, 1000));
    for (const r of replicas) {
      const res = await rpc(r.base, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      assert.equal(res.status, 401, `replica ${r.base} refuses the revoked key`);
    }
  });
});
