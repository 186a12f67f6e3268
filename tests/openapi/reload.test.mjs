// `mcpbridge serve` reloads its OpenAPI sources without dropping sessions: a rewritten spec
// file (SIGHUP, or the file watch) changes the served tools, open sessions get
// notifications/tools/list_changed and keep working; a broken spec leaves the old tools.
// Also: the served tools/list and `mcpbridge openapi inspect --json` agree (annotations, titles).
//   MCPBRIDGE_BIN=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test reload.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installWatchdog, sdkModule, serverBinary, startServer, waitFor } from '../integration/harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { ToolListChangedNotificationSchema } = await sdkModule('types.js');

const BIN = serverBinary('MCPBRIDGE_BIN');
const here = path.dirname(fileURLToPath(import.meta.url));
const watchdog = installWatchdog('reload.test.mjs', 110_000);

// A spec with the given operations: [operationId, method, path].
function spec(ops) {
  let out = 'openapi: 3.0.3\ninfo: {title: Reload, version: "1.0"}\nservers: [{url: "https://x.invalid"}]\npaths:\n';
  const byPath = new Map();
  for (const [id, method, p] of ops) byPath.set(p, [...(byPath.get(p) ?? []), [id, method]]);
  for (const [p, list] of byPath) {
    out += `  ${p}:\n`;
    for (const [id, method] of list)
      out += `    ${method}:\n      operationId: ${id}\n      summary: ${id} summary\n` +
        '      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}\n';
  }
  return out;
}

const seen = [];
let upstream, upstreamPort, dir, server;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-reload-'));
  upstream = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    const delay = req.url.endsWith('/slow') ? 1500 : 0;  // a call still running during a reload
    setTimeout(() => res.end(JSON.stringify({ path: req.url })), delay);
  });
  upstreamPort = await new Promise((r) => upstream.listen(0, '127.0.0.1', () => r(upstream.address().port)));
  writeFileSync(path.join(dir, 'hup.yaml'), spec([['listA', 'get', '/a'], ['dropMe', 'get', '/drop']]));
  writeFileSync(path.join(dir, 'watched.yaml'), spec([['listW', 'get', '/w']]));
  writeFileSync(path.join(dir, 'config.yaml'), `tools: {builtin: false}
store: {path: ${path.join(dir, 'mcpbridge.db')}}
openapi:
  - name: hup
    spec: ${path.join(dir, 'hup.yaml')}
    base_url: http://127.0.0.1:${upstreamPort}/hup
    watch_interval_ms: 0
  - name: watched
    spec: ${path.join(dir, 'watched.yaml')}
    base_url: http://127.0.0.1:${upstreamPort}/watched
    watch_interval_ms: 200
`);
  server = await startServer(BIN, ['-c', path.join(dir, 'config.yaml')], {
    before: ['serve'], env: { ...process.env, MCPBRIDGE_AUTH_MODE: 'none' } });
});

after(async () => {
  await server?.stop();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

async function connect() {
  const client = new Client({ name: 'reload-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(server.url);
  await client.connect(transport);
  const changes = { count: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changes.count++; });
  return { client, transport, changes };
}

const names = async (client) => (await client.listTools()).tools.map((t) => t.name).sort();

test('SIGHUP: the rewritten spec is served to the same session, with list_changed', async () => {
  const { client, transport, changes } = await connect();
  const session = transport.sessionId;
  assert.deepEqual(await names(client), ['dropMe', 'listA', 'listW']);
  await new Promise((r) => setTimeout(r, 300));  // the GET stream is open before the change
  writeFileSync(path.join(dir, 'hup.yaml'), spec([['listA', 'get', '/a2'], ['addB', 'post', '/b']]));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await names(client), ['dropMe', 'listA', 'listW'], 'no file watch on this source: nothing yet');
  assert.equal(changes.count, 0);
  server.proc.kill('SIGHUP');
  await waitFor(() => changes.count > 0, 10_000, 'notifications/tools/list_changed after SIGHUP');
  assert.deepEqual(await names(client), ['addB', 'listA', 'listW']);
  assert.equal(transport.sessionId, session);
  const r = await client.callTool({ name: 'listA', arguments: {} });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(seen.at(-1), 'GET /hup/a2', 'the new definition is called');
  const b = await client.callTool({ name: 'addB', arguments: {} });
  assert.equal(b.isError, undefined, JSON.stringify(b));
  assert.equal(seen.at(-1), 'POST /hup/b');
  const gone = await client.callTool({ name: 'dropMe', arguments: {} }).catch((e) => ({ thrown: e }));
  assert.ok(gone.thrown || gone.isError, 'a removed tool is no longer callable');
  await client.close();
});

test('a broken spec on SIGHUP leaves the old tools and the session intact', async () => {
  const { client, transport, changes } = await connect();
  const before = await names(client);
  const logged = server.output().length;
  writeFileSync(path.join(dir, 'hup.yaml'), 'openapi: 3.0.3\ninfo: [this is not\n');
  server.proc.kill('SIGHUP');
  await waitFor(() => /reload \(SIGHUP\) failed, still serving the previous tools/.test(server.output().slice(logged)),
                10_000, 'the failed reload to be logged');
  assert.deepEqual(await names(client), before);
  assert.equal(changes.count, 0, 'no list_changed for a failed reload');
  const r = await client.callTool({ name: 'addB', arguments: {} });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.ok(transport.sessionId);
  await client.close();
});

test('file watch: a changed spec file is reloaded without a signal', async () => {
  const { client, changes } = await connect();
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(path.join(dir, 'watched.yaml'), spec([['listW', 'get', '/w'], ['deleteW', 'delete', '/w/x']]));
  await waitFor(() => changes.count > 0, 10_000, 'notifications/tools/list_changed after the file changed');
  const { tools } = await client.listTools();
  const del = tools.find((t) => t.name === 'deleteW');
  assert.ok(del, JSON.stringify(tools.map((t) => t.name)));
  assert.equal(del.annotations.destructiveHint, true);
  const r = await client.callTool({ name: 'deleteW', arguments: {} });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(seen.at(-1), 'DELETE /watched/w/x');
  await client.close();
});

test('a call in flight during a reload finishes on the definition it started with', async () => {
  const { client, changes } = await connect();
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(path.join(dir, 'hup.yaml'), spec([['listA', 'get', '/slow']]));
  server.proc.kill('SIGHUP');
  await waitFor(() => changes.count === 1, 10_000, 'the first reload');
  const pending = client.callTool({ name: 'listA', arguments: {} });
  await waitFor(() => seen.at(-1) === 'GET /hup/slow', 5_000, 'the slow call to reach the upstream');
  writeFileSync(path.join(dir, 'hup.yaml'), spec([['listA', 'get', '/fast']]));
  server.proc.kill('SIGHUP');
  await waitFor(() => changes.count === 2, 10_000, 'the second reload, while the call runs');
  const fresh = await client.callTool({ name: 'listA', arguments: {} });
  assert.equal(fresh.structuredContent.path, '/hup/fast');
  const old = await pending;
  assert.equal(old.isError, undefined, JSON.stringify(old));
  assert.equal(old.structuredContent.path, '/hup/slow');
  await client.close();
});

// The served tools carry what `openapi inspect --json` prints: name, title, description,
// annotations (the input schema differs only by the gateway's idempotency_key).
async function assertAgree(specFile) {
  const inspected = JSON.parse(execFileSync(BIN, ['openapi', 'inspect', '--json', specFile], { encoding: 'utf8' })).tools;
  const d = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-agree-'));
  writeFileSync(path.join(d, 'config.yaml'), `tools: {builtin: false}
store: {path: ${path.join(d, 'mcpbridge.db')}}
openapi:
  - {name: agree, spec: ${specFile}, base_url: "http://127.0.0.1:${upstreamPort}", watch_interval_ms: 0}
`);
  const s = await startServer(BIN, ['-c', path.join(d, 'config.yaml')], {
    before: ['serve'], env: { ...process.env, MCPBRIDGE_AUTH_MODE: 'none' } });
  try {
    const client = new Client({ name: 'agree', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(s.url));
    const served = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      served.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    await client.close();
    assert.ok(inspected.length > 0);
    assert.deepEqual(served.map((t) => t.name), inspected.map((t) => t.name));
    for (const want of inspected) {
      const got = served.find((t) => t.name === want.name);
      assert.deepEqual(got.annotations, want.annotations, want.name);
      assert.equal(got.title, want.title, want.name);
      assert.equal(got.description, want.description, want.name);
    }
    return inspected;
  } finally {
    await s.stop();
    rmSync(d, { recursive: true, force: true });
  }
}

test('served tools/list and openapi inspect --json agree on annotations (fixture petstore)', async () => {
  const tools = await assertAgree(path.join(here, 'fixtures', 'petstore.yaml'));
  assert.equal(tools.find((t) => t.name === 'listPets').annotations.readOnlyHint, true);
});

test('served tools/list and openapi inspect --json agree on annotations (Swagger petstore 3.0)', async (t) => {
  const corpora = process.env.MCP_OPENAPI_CORPORA || path.join(here, '..', '..', 'tools', 'openapi-corpora');
  const file = path.join(corpora, 'oas-examples', 'node_modules', '@readme', 'oas-examples', '3.0', 'json', 'petstore.json');
  if (!existsSync(file)) { t.skip(`${file} not installed (scripts/install-test-tools.sh)`); return; }
  const tools = await assertAgree(file);
  const methods = new Set(tools.map((x) => JSON.stringify(x.annotations)));
  assert.ok(methods.size >= 3, 'GET, PUT/DELETE and POST operations: different annotations');
});
