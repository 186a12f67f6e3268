// `mcpbridge serve` with an `openapi:` source, end to end: a spec file, a petstore upstream in
// Node that records every request, the official TypeScript SDK client (ctest: openapi_serve_e2e).
//   MCPBRIDGE_BIN=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test serve.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, sdkModule, serverBinary, startServer } from '../integration/harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const BIN = serverBinary('MCPBRIDGE_BIN');
const watchdog = installWatchdog('serve.test.mjs', 110_000);

const SPEC = `openapi: 3.0.3
info: {title: Petstore, version: "1.0"}
servers: [{url: "https://petstore.invalid/api"}]
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      summary: Get a pet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
        - {name: fields, in: query, schema: {type: array, items: {type: string}}, style: form, explode: false}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /pets:
    post:
      operationId: createPet
      summary: Create a pet
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}, tag: {type: string}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object}}}}
`;

const log = [];
let upstream;
let mcp;
let client;
let dir;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-serve-'));
  let created = 0;
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      log.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url.startsWith('/api/pets/')) {
        res.end(JSON.stringify({ id: decodeURIComponent(req.url.slice(10).split('?')[0]), name: 'Rex' }));
      } else if (req.method === 'POST' && req.url === '/api/pets') {
        res.statusCode = 201;
        res.end(JSON.stringify({ id: ++created, ...JSON.parse(body) }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'no route' }));
      }
    });
  });
  const port = await new Promise((r) => upstream.listen(0, '127.0.0.1', () => r(upstream.address().port)));
  writeFileSync(path.join(dir, 'petstore.yaml'), SPEC);
  writeFileSync(path.join(dir, 'config.yaml'), `tools: {builtin: false}
store: {path: ${path.join(dir, 'mcpbridge.db')}}
openapi:
  - name: pets
    spec: ${path.join(dir, 'petstore.yaml')}
    base_url: http://127.0.0.1:${port}/api
    credentials: {type: bearer, env: PETS_TOKEN}
`);
  mcp = await startServer(BIN, ['-c', path.join(dir, 'config.yaml')], {
    before: ['serve'], env: { ...process.env, PETS_TOKEN: 'pets-secret', MCPBRIDGE_AUTH_MODE: 'none' } });
  client = new Client({ name: 'serve-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcp.url));
});
after(async () => {
  await client?.close().catch(() => {});
  await mcp?.stop();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

test('the spec becomes tools; a call reaches the API as the spec describes, with the service credential', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  assert.deepEqual(names, ['createPet', 'getPet']);
  const r = await client.callTool({ name: 'getPet', arguments: { petId: 'a/b c', fields: ['name', 'id'] } });
  assert.equal(r.isError, undefined, JSON.stringify(r));
  assert.equal(r.structuredContent.id, 'a/b c');
  const got = log.at(-1);
  assert.equal(got.method, 'GET');
  assert.equal(got.url, '/api/pets/a%2Fb%20c?fields=name,id');
  assert.equal(got.headers.authorization, 'Bearer pets-secret');
});

test('a create retried with its idempotency key reaches the API once', async () => {
  const before = log.length;
  const args = { name: 'Rex', tag: 'dog', idempotency_key: 'e2e-1' };
  const a = await client.callTool({ name: 'createPet', arguments: args });
  const b = await client.callTool({ name: 'createPet', arguments: args });
  assert.deepEqual(b.structuredContent, a.structuredContent);
  const posts = log.slice(before);
  assert.equal(posts.length, 1);
  assert.equal(posts[0].headers['idempotency-key'], 'e2e-1');
  assert.equal(posts[0].headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(posts[0].body), { name: 'Rex', tag: 'dog' });
});
