// mTLS (server.tls.client_ca_file): `mcpbridge serve --auth api_key` over HTTPS with client
// certificates from a CA made for this run. Required: a client with a valid certificate is the
// principal its CN names (method mtls, the configured roles), seen by the whoami tool through the
// TypeScript SDK client; no certificate, or one from another CA, is refused at the handshake.
// Optional: no certificate is a plain client again (401 without an API key).
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test mtls.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { installWatchdog, sdkModule, serverBinary, startServer, withTimeout } from './harness.mjs';
import { makePki, tlsFetch } from './tls_fetch.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const bin = serverBinary('MCPBRIDGE');
const watchdog = installWatchdog('mtls');
const pki = makePki();
const other = makePki();  // a CA the server does not trust
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
  for (const p of [pki, other]) rmSync(p.dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

const MS = 10_000;
pki.leaf('server', 'ec', '5E');
pki.install('server');
const alice = pki.client('alice', 'alice.example');
const mallory = other.client('mallory', 'alice.example');  // the same name, the wrong CA

async function serve(mode) {
  const config = pki.path(`mtls-${mode}.yaml`);
  writeFileSync(config, `tools:\n  builtin: true\nstore:\n  path: ${pki.path(`${mode}.db`)}\nserver:\n  tls:\n    cert_file: ${pki.path('served.pem')}\n    key_file: ${pki.path('served.key')}\n` +
                        `    client_ca_file: ${pki.path('ca.pem')}\n    client_cert: ${mode}\n    client_roles: [ops]\n`);
  const fetch = tlsFetch(pki.ca, alice);
  const server = await startServer(bin, ['--auth', 'api_key', '--config', config], { before: ['serve'], fetch });
  cleanup.push(() => server.stop());
  cleanup.push(() => fetch.close());
  return server;
}

async function whoami(url, fetch) {
  const client = new Client({ name: 'mtls-test', version: '0.0.1' });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(url, { fetch }), { timeout: MS }), MS, 'connect');
  try {
    const r = await client.callTool({ name: 'whoami', arguments: {} }, undefined, { timeout: MS });
    return r.structuredContent;
  } finally {
    await client.close().catch(() => {});
  }
}

async function refused(url, fetch) {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
                                 body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    await r.text();
    return `answered ${r.status}`;
  } catch (e) {
    return 'refused';
  } finally {
    fetch.close();
  }
}

test('client_cert required: a verified certificate is the principal; none or another CA is refused', async () => {
  const server = await serve('required');
  const me = await whoami(server.url, tlsFetch(pki.ca, alice));
  assert.equal(me.subject, 'alice.example');
  assert.equal(me.method, 'mtls');
  assert.deepEqual(me.roles, ['ops']);
  assert.equal(await refused(server.url, tlsFetch(pki.ca)), 'refused', 'no client certificate');
  assert.equal(await refused(server.url, tlsFetch(pki.ca, mallory)), 'refused', 'a certificate from another CA');
});

test('client_cert optional: no certificate is an ordinary client (401 without a key); a certificate still names one', async () => {
  const server = await serve('optional');
  const plain = tlsFetch(pki.ca);
  const r = await plain(server.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
                                     body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
  await r.text();
  plain.close();
  assert.equal(r.status, 401);
  assert.equal(await refused(server.url, tlsFetch(pki.ca, mallory)), 'refused', 'a certificate that does not verify');
  const me = await whoami(server.url, tlsFetch(pki.ca, alice));
  assert.equal(me.subject, 'alice.example');
  assert.equal(me.method, 'mtls');
});
