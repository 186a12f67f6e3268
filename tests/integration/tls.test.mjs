// HTTPS in process: `mcpbridge serve` with server.tls, a CA made for this run. The official
// TypeScript SDK client calls a tool over HTTPS; the certificate files are replaced and new
// handshakes present the new certificate while an SSE stream opened before keeps receiving; a
// bad key at reload is refused (the old certificate stays, service goes on); a bad key at start
// is a clear error and exit code 2.
//
//   MCPBRIDGE=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test tls.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { installWatchdog, sdkModule, serverBinary, startServer, waitFor, withTimeout } from './harness.mjs';
import { handshakeSerial, makePki, tlsFetch } from './tls_fetch.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');

const bin = serverBinary('MCPBRIDGE');
const watchdog = installWatchdog('tls');
const pki = makePki();
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
  rmSync(pki.dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

const MS = 10_000;
const PROTOCOL = '2025-06-18';

async function connectSdk(url, fetch) {
  const client = new Client({ name: 'tls-test', version: '0.0.1' });
  const transport = new StreamableHTTPClientTransport(url, { fetch });
  await withTimeout(client.connect(transport, { timeout: MS }), MS, `connect to ${url}`);
  cleanup.push(() => withTimeout(client.close(), 5000, 'client close').catch(() => {}));
  return client;
}

async function echo(client, text) {
  const r = await client.callTool({ name: 'echo', arguments: { text } }, undefined, { timeout: MS });
  return r.content.map((c) => c.text).join('');
}

// A session of our own (raw requests) and its GET stream on a connection of its own: counts
// the bytes that arrive (SSE keep-alive comments every second) and the serial it was made with.
async function openStream(url, fetch) {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
                           params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
  });
  assert.equal(init.status, 200);
  await init.text();
  const session = init.headers.get('mcp-session-id');
  assert.ok(session, 'a session id');
  const headers = { 'mcp-session-id': session, 'mcp-protocol-version': PROTOCOL };
  const note = await fetch(url, {
    method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  });
  await note.text();
  const stream = { bytes: 0, ended: false, serial: undefined };
  await new Promise((resolve, reject) => {
    const req = https.get(url, { ca: pki.ca, agent: false, headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
      assert.equal(res.statusCode, 200);
      stream.serial = res.socket.getPeerCertificate().serialNumber;
      res.on('data', (d) => { stream.bytes += d.length; });
      res.on('end', () => { stream.ended = true; });
      res.on('error', () => { stream.ended = true; });
      resolve();
    });
    req.on('error', reject);
    cleanup.push(() => req.destroy());
  });
  return stream;
}

test('HTTPS: SDK client, reload without dropping connections, bad key at reload and at start', async () => {
  pki.leaf('a', 'ec', 'A1');
  pki.leaf('b', 'rsa', 'B2');
  pki.install('a');
  const config = pki.path('mcpbridge.yaml');
  writeFileSync(config, [
    'server:',
    '  tls:',
    `    cert_file: ${pki.path('served.pem')}`,
    `    key_file: ${pki.path('served.key')}`,
    '    watch_interval_ms: 200',
    'sse:',
    '  keepalive_s: 1',
    `store:`,
    `  path: ${pki.path('store.db')}`,
    '',
  ].join('\n'));
  const fetch = tlsFetch(pki.ca);
  cleanup.push(() => fetch.close());
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MCPBRIDGE_')) delete env[k];
  const server = await startServer(bin, ['--auth', 'none', '--config', config], { before: ['serve'], env, fetch });
  cleanup.push(() => server.stop());
  assert.equal(server.url.protocol, 'https:');
  assert.match(server.output(), /MCP endpoint https:\/\/127\.0\.0\.1:\d+\/mcp/);

  // The SDK over HTTPS.
  const client = await connectSdk(server.url, fetch);
  assert.equal(await echo(client, 'over tls'), 'over tls');
  assert.equal(await handshakeSerial(server.port, pki.ca), 'A1');

  // Plain HTTP to the TLS port is no way in.
  await assert.rejects(globalThis.fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(3000) }));

  const stream = await openStream(server.url, fetch);
  assert.equal(stream.serial, 'A1');
  await waitFor(() => stream.bytes > 0, MS, 'the first keep-alive on the stream');

  // New files: new handshakes present the new certificate, the stream opened before goes on.
  pki.install('b');
  const deadline = Date.now() + MS;
  while ((await handshakeSerial(server.port, pki.ca)) !== 'B2') {
    assert.ok(Date.now() < deadline, 'the new certificate within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = stream.bytes;
  await waitFor(() => stream.bytes > before, 5000, 'keep-alives on the pre-reload stream after the reload');
  assert.equal(stream.ended, false);
  assert.equal(await echo(client, 'after reload'), 'after reload');
  const fresh = tlsFetch(pki.ca);
  cleanup.push(() => fresh.close());
  const r = await fresh(`${server.base}/healthz`);
  assert.equal(r.peerSerial, 'B2');
  assert.equal(await r.text(), 'ok\n');

  // A broken key at reload: refused with a log line, the previous certificate stays.
  writeFileSync(pki.path('served.key'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  await waitFor(() => /TLS reload \(the files changed\) refused/.test(server.output()), MS, 'the refusal in the log');
  assert.match(server.output(), /still serving the previous certificate: server\.tls\.key_file .*served\.key/);
  assert.equal(await handshakeSerial(server.port, pki.ca), 'B2');
  const client2 = await connectSdk(server.url, tlsFetch(pki.ca));
  assert.equal(await echo(client2, 'still serving'), 'still serving');
  const again = stream.bytes;
  await waitFor(() => stream.bytes > again, 5000, 'the stream still receiving');
});

test('HTTPS: a bad key at start is a configuration error (exit code 2)', () => {
  pki.leaf('c', 'ec', 'C3');
  writeFileSync(pki.path('garbage.key'), 'not a key\n');
  const env = { ...process.env, MCPBRIDGE_STORE: pki.path('start.db') };
  for (const k of ['MCPBRIDGE_CONFIG', 'MCPBRIDGE_TLS_CERT_FILE', 'MCPBRIDGE_TLS_KEY_FILE']) delete env[k];
  const run = (args, extra = {}) => spawnSync(bin, ['serve', '--host', '127.0.0.1', '--port', '0', '--auth', 'none', ...args],
                                              { env: { ...env, ...extra }, encoding: 'utf8', timeout: 15_000 });
  const bad = run(['--tls-cert', pki.path('c.pem'), '--tls-key', pki.path('garbage.key')]);
  assert.equal(bad.status, 2, bad.stderr + bad.stdout);
  assert.match(bad.stderr, /server\.tls\.key_file .*garbage\.key: not an unencrypted PEM private key/);
  // The same through the environment, with another certificate's key.
  const mismatch = run([], { MCPBRIDGE_TLS_CERT_FILE: pki.path('c.pem'), MCPBRIDGE_TLS_KEY_FILE: pki.path('a.key') });
  assert.equal(mismatch.status, 2, mismatch.stderr + mismatch.stdout);
  assert.match(mismatch.stderr, /a\.key does not match the certificate in .*c\.pem/);
});
