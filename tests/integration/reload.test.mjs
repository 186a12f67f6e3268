// SIGHUP reads the whole configuration again (issue 16): `mcpbridge serve --config FILE`, the
// file changed, SIGHUP. A smaller limits.max_body_bytes answers 413 at once, the log level
// changes, a connection added to the file starts (its upstream's tools are served) and one
// removed stops; store.path and sessions.max are reported as needing a restart; a file that
// does not read changes nothing. No restart in between: the same process, the same session.
//
//   MCPBRIDGE=/path/mcpbridge node --test reload.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installWatchdog, serverBinary, startServer, waitFor } from './harness.mjs';

const bin = serverBinary('MCPBRIDGE');
const watchdog = installWatchdog('reload', 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-reload-'));
const servers = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
                  'mcp-protocol-version': '2025-06-18' };

function yaml({ maxBody, level, connection, store = 'gw.db', sessions = 100 }) {
  return `tools:\n  builtin: true\nlog:\n  level: ${level}\nlimits:\n  max_body_bytes: ${maxBody}\nsessions:\n  max: ${sessions}\n` +
         `store:\n  path: ${path.join(dir, store)}\n` +
         (connection ? `connections:\n  - name: up\n    url: ${connection}\n    auth: none\n    allow_private: true\n` : '');
}

async function rpc(url, session, body) {
  const r = await fetch(url, { method: 'POST', headers: { ...HEADERS, ...(session ? { 'mcp-session-id': session } : {}) },
                               body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, session: r.headers.get('mcp-session-id'), text };
}

async function tools(url, session) {
  const r = await rpc(url, session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  assert.equal(r.status, 200, r.text);
  const json = JSON.parse(r.text.startsWith('{') ? r.text : /data: (.*)/.exec(r.text)[1]);
  return json.result.tools.map((t) => t.name);
}

test('SIGHUP applies limits, log level and connections; reports what needs a restart', async () => {
  const upstream = await startServer(bin, ['--auth', 'none'], { before: ['serve'] });
  servers.push(upstream);
  const config = path.join(dir, 'gateway.yaml');
  writeFileSync(config, yaml({ maxBody: 100000, level: 'info' }));
  const gw = await startServer(bin, ['--auth', 'none', '--config', config], { before: ['serve'] });
  servers.push(gw);
  const init = await rpc(gw.url, null, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
    protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'reload', version: '0' } } });
  assert.equal(init.status, 200, init.text);
  const session = init.session;
  await rpc(gw.url, session, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const big = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(5000) } } };
  assert.equal((await rpc(gw.url, session, big)).status, 200);
  assert.ok(!(await tools(gw.url, session)).some((n) => n.startsWith('up')), 'no connection yet');

  // Changed: the limit, the level, a connection; and two settings only a restart applies.
  writeFileSync(config, yaml({ maxBody: 2000, level: 'debug', connection: upstream.url.href, store: 'other.db', sessions: 50 }));
  gw.proc.kill('SIGHUP');
  await waitFor(() => /reload: limits\.max_body_bytes 100000 -> 2000/.test(gw.output()), 10_000, 'the limit reloaded');
  assert.match(gw.output(), /reload: log level info -> debug/);
  assert.match(gw.output(), /reload: store\.path: \S+gw\.db -> \S+other\.db not applied: it needs a restart/);
  assert.match(gw.output(), /reload: sessions\.max: 100 -> 50 not applied: it needs a restart/);
  assert.equal((await rpc(gw.url, session, big)).status, 413, 'the smaller body limit applies without a restart');
  await waitFor(() => /connection up: started \(config/.test(gw.output()), 10_000, 'the connection to start');
  let names = [];
  for (let i = 0; i < 100 && !names.includes('up__echo'); i++) {
    names = await tools(gw.url, session);
    if (!names.includes('up__echo')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(names.includes('up__echo'), `the connection's tools are served: ${names}`);

  // A file that does not read changes nothing.
  writeFileSync(config, 'limits: [not, a, map\n');
  gw.proc.kill('SIGHUP');
  await waitFor(() => /reload: the configuration does not read, nothing changed/.test(gw.output()), 10_000, 'the refusal');
  assert.equal((await rpc(gw.url, session, big)).status, 413);

  // The connection removed from the file stops; the limit goes back up.
  writeFileSync(config, yaml({ maxBody: 100000, level: 'info' }));
  gw.proc.kill('SIGHUP');
  await waitFor(() => /connection up: removed/.test(gw.output()), 10_000, 'the connection to stop');
  assert.ok(!(await tools(gw.url, session)).includes('up__echo'));
  assert.equal((await rpc(gw.url, session, big)).status, 200);
  assert.equal(gw.proc.exitCode, null, 'the same process all along');
});
