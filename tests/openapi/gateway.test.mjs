// OpenAPI tools behind mcpbridge's gateway, driven by the official TypeScript SDK client:
// idempotent replay, cache hits, rate-limit answers, error mapping, retries, 202 polling with
// progress, and cancellation of a poll. The petstore behind it records every request it gets
// (GET /upstream/log on the same server).
//   MCP_OPENAPI_GATEWAY_SERVER=/path/openapi-gateway-server [MCP_TS_SDK_DIR=...] node --test gateway.test.mjs
// With MCP_OPENAPI_REAL_UPSTREAM=1 the petstore runs here, in Node, and the gateway reaches it
// over HTTP with the real client (ctest: openapi_gateway_sdk_http).
import { after, before, test } from 'node:test';
import http from 'node:http';
import assert from 'node:assert/strict';
import { installWatchdog, sdkModule, serverBinary, startServer } from '../integration/harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const BIN = serverBinary('MCP_OPENAPI_GATEWAY_SERVER');
const watchdog = installWatchdog('gateway.test.mjs', 110_000);

const REAL = process.env.MCP_OPENAPI_REAL_UPSTREAM === '1';
let server;
let base;
let client;
let apiBase = 'http://petstore.test/api';
let mock;
const mockLog = [];

// The same petstore as the in-process one in gateway_server.cpp.
function startPetstore() {
  let reads = 0, created = 0, flaky = 0, jobPolls = 0;
  const reply = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  mock = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      mockLog.push({ method: req.method, url: `http://127.0.0.1:${mock.address().port}${req.url}`, headers: req.headers, body });
      const p = req.url.split('?')[0].replace(/^\/api/, '');
      if (req.method === 'GET' && p.startsWith('/pets/')) {
        const id = decodeURIComponent(p.slice(6));
        if (id === 'missing') return reply(res, 404, { error: 'no such pet', id });
        return reply(res, 200, { id, name: `pet ${id}`, reads: ++reads }, { 'cache-control': 'max-age=60' });
      }
      if (req.method === 'POST' && p === '/pets') return reply(res, 201, { id: ++created, name: JSON.parse(body || '{}').name });
      if (req.method === 'GET' && p === '/flaky') {
        if (++flaky % 2 === 1) return reply(res, 503, { error: 'try again' });
        return reply(res, 200, { ok: true, attempt: flaky });
      }
      if (req.method === 'GET' && p === '/limited') return reply(res, 200, { ok: true });
      if (req.method === 'POST' && p === '/jobs') return reply(res, 202, { queued: true }, { location: '/api/jobs/1' });
      if (req.method === 'GET' && p === '/jobs/1') {
        if (++jobPolls < 3) return reply(res, 202, { status: 'running' }, { location: '/api/jobs/1' });
        jobPolls = 0;
        return reply(res, 200, { status: 'done' });
      }
      if (req.method === 'POST' && p === '/forever') return reply(res, 202, {}, { location: '/api/jobs/never' });
      if (req.method === 'GET' && p === '/jobs/never') return reply(res, 202, { status: 'running' }, { location: '/api/jobs/never' });
      return reply(res, 404, { error: 'no route', path: p });
    });
  });
  return new Promise((resolve) => mock.listen(0, '127.0.0.1', () => resolve(mock.address().port)));
}

before(async () => {
  const args = [];
  if (REAL) {
    const port = await startPetstore();
    apiBase = `http://127.0.0.1:${port}/api`;
    args.push('--upstream', apiBase);
  }
  server = await startServer(BIN, args);
  base = server.base;
  client = new Client({ name: 'openapi-gateway-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(server.url));
});
after(async () => {
  await client?.close().catch(() => {});
  await server?.stop();
  mock?.close();
  clearTimeout(watchdog);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function upstream() {
  if (REAL) return mockLog.slice();
  const res = await fetch(`${base}/upstream/log`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return res.json();
}
const call = (name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts);
const text = (r) => r.content[0].text;

test('tools/list: non-safe tools take an optional idempotency_key; reads are marked read-only', async () => {
  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  assert.ok(byName.createPet.inputSchema.properties.idempotency_key);
  assert.ok(!byName.getPet.inputSchema.properties.idempotency_key);
  assert.equal(byName.getPet.annotations.readOnlyHint, true);
  assert.equal(byName.createPet.annotations.readOnlyHint, false);
});

test('a retried create with the same key returns the first result and reaches the API once', async () => {
  const before = (await upstream()).length;
  const first = await call('createPet', { name: 'Rex', idempotency_key: 'create-rex-1' });
  const again = await call('createPet', { name: 'Rex', idempotency_key: 'create-rex-1' });
  assert.equal(first.isError, undefined);
  assert.deepEqual(again.structuredContent, first.structuredContent);
  assert.equal(again._meta['io.mcpbridge/replayed'], true);
  const posts = (await upstream()).slice(before).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1);
  assert.equal(posts[0].headers['idempotency-key'], 'create-rex-1');
  assert.equal(posts[0].headers['x-api-key'], 'service-key');
  assert.equal(posts[0].headers.authorization, undefined, "the client's own credentials are never forwarded");

  const conflict = await call('createPet', { name: 'Max', idempotency_key: 'create-rex-1' });
  assert.equal(conflict.isError, true);
  assert.match(text(conflict), /different arguments/);
});

test('calls without a key each get their own derived Idempotency-Key', async () => {
  const before = (await upstream()).length;
  const a = await call('createPet', { name: 'Fido' });
  const b = await call('createPet', { name: 'Fido' });
  assert.notEqual(a.structuredContent.id, b.structuredContent.id, 'two requests, two pets');
  const keys = (await upstream()).slice(before).map((r) => r.headers['idempotency-key']);
  assert.equal(keys.length, 2);
  assert.match(keys[0], /^mcpb-[0-9a-f]{32}$/);
  assert.notEqual(keys[0], keys[1]);
});

test('safe reads are cached per arguments (Cache-Control allows it)', async () => {
  const before = (await upstream()).length;
  const a = await call('getPet', { id: 'c1' });
  const b = await call('getPet', { id: 'c1' });
  const c = await call('getPet', { id: 'c2' });
  assert.deepEqual(b.structuredContent, a.structuredContent);
  assert.equal(b._meta['io.mcpbridge/cached'], true);
  assert.notEqual(c.structuredContent.id, a.structuredContent.id);
  const gets = (await upstream()).slice(before).map((r) => r.url);
  assert.deepEqual(gets, [`${apiBase}/pets/c1`, `${apiBase}/pets/c2`]);
});

test('HTTP errors come back as tool errors with the status and the API body', async () => {
  const r = await call('getPet', { id: 'missing' });
  assert.equal(r.isError, true);
  assert.match(text(r), /HTTP 404 Not Found/);
  assert.match(text(r), /no such pet/);
});

test('a 503 on a GET is retried', async () => {
  const before = (await upstream()).length;
  const r = await call('flaky', {});
  assert.equal(r.isError, undefined, text(r));
  assert.equal(r.structuredContent.ok, true);
  assert.equal((await upstream()).slice(before).length, 2);
});

test('rate limits answer with a tool error carrying the delay', async () => {
  const first = await call('limited', {});
  assert.equal(first.isError, undefined);
  const second = await call('limited', {});
  assert.equal(second.isError, true);
  assert.match(text(second), /Rate limit reached for tool limited: retry after \d/);
  assert.ok(second._meta['io.mcpbridge/retryAfterMs'] > 0);
});

test('202 Accepted is followed with progress notifications until the job is done', async () => {
  const progress = [];
  const r = await call('startJob', {}, { onprogress: (p) => progress.push(p.progress) });
  assert.equal(r.isError, undefined, r.isError ? text(r) : '');
  assert.equal(r.structuredContent.status, 'done');
  assert.ok(progress.length >= 2, `progress notifications: ${progress}`);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
});

test('cancelling a call stops the polling', async () => {
  const ac = new AbortController();
  const pending = call('foreverJob', {}, { signal: ac.signal });
  await sleep(450);
  ac.abort();
  await assert.rejects(pending);
  await sleep(250);  // one poll may have been in flight
  const polls = () => upstream().then((log) => log.filter((r) => r.url.endsWith('/jobs/never')).length);
  const n = await polls();
  assert.ok(n >= 1, 'it was polling');
  await sleep(500);
  assert.equal(await polls(), n, 'no poll after the cancellation');
});
