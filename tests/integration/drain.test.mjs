// Graceful drain (issue 16): two conformance-server replicas sharing one Redis, nginx sending
// everything to A while it answers (B is its backup). SIGTERM to A under a bounded load of long
// tool calls: every call that started before it succeeds, a new connection is refused, /readyz
// says 503 on a connection already open, the GET streams end with an event id and retry: (a raw
// one resumes on B with Last-Event-ID; the TypeScript SDK client resumes through nginx by
// itself), and A exits 0 within its drain timeout. A second SIGTERM, or the deadline, stops
// at once with exit code 1.
//
//   MCP_CONFORMANCE_SERVER=build/bin/conformance-server node --test tests/integration/drain.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { installWatchdog, sdkModule, serverBinary, startServer, withTimeout } from './harness.mjs';
import { startNginx, startRedis, stopEverything } from './cluster_harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { ToolListChangedNotificationSchema } = await sdkModule('types.js');

const CALLS = 6;          // the bounded load: long tool calls in progress at SIGTERM
const CALL_S = 3;         // each takes this long
const DRAIN_S = 20;       // A's drain timeout
const watchdog = installWatchdog('drain', 110_000);
const bin = serverBinary('MCP_CONFORMANCE_SERVER');
let redis, nginx, a, b;

before(async () => {
  redis = await startRedis();
  const env = { ...process.env, MCPBRIDGE_REDIS_URL: redis.url, MCPBRIDGE_DRAIN_S: String(DRAIN_S) };
  [a, b] = await Promise.all([startServer(bin, [], { env }), startServer(bin, [], { env })]);
  nginx = await startNginx([a.port], { backup: [b.port] });
});

after(async () => {
  clearTimeout(watchdog);
  await nginx?.stop();
  await Promise.all([a, b].map((r) => r?.stop()));
  stopEverything();
});

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
                  'mcp-protocol-version': '2025-11-25' };

async function post(base, body, session) {
  const headers = { ...HEADERS, ...(session ? { 'mcp-session-id': session } : {}) };
  return fetch(`${base}/mcp`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function openSession(base) {
  const r = await post(base, { jsonrpc: '2.0', id: 0, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  assert.equal(r.status, 200, await r.clone().text());
  const session = r.headers.get('mcp-session-id');
  await r.body?.cancel();
  await (await post(base, { jsonrpc: '2.0', method: 'notifications/initialized' }, session)).body?.cancel();
  return session;
}

// An SSE response read as it comes: the raw text so far, the events ({id, retry, message}),
// and a promise settled when the server ends the stream.
function sse(response) {
  const state = { text: '', events: [] };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  state.ended = (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      state.text += value;
      buf += value.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const ev = {};
        for (const line of buf.slice(0, cut).split('\n')) {
          if (line.startsWith('id:')) ev.id = line.slice(3).trim();
          if (line.startsWith('retry:')) ev.retry = Number(line.slice(6));
          if (line.startsWith('data:') && line.slice(5).trim()) ev.message = JSON.parse(line.slice(5));
        }
        buf = buf.slice(cut + 2);
        state.events.push(ev);
      }
    }
  })();
  state.cancel = () => reader.cancel().catch(() => {});
  state.until = async (pred, ms, what) => {
    const deadline = Date.now() + ms;
    while (!state.events.some(pred)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${state.text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return state.events.find(pred);
  };
  return state;
}

// A TCP connection to `port`: resolves 'connected' or the error code (ECONNREFUSED).
function tryConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e) => resolve(e.code));
  });
}

// A request whose last line is sent later: the connection is busy (not idle) in between.
function halfRequest(port, head) {
  const s = net.connect(port, '127.0.0.1');
  let text = '';
  s.on('data', (d) => { text += d; });
  const closed = new Promise((r) => s.once('close', r));
  s.on('error', () => {});
  s.write(head);
  return { finish: async () => { s.write('\r\n'); await withTimeout(closed, 5000, 'the answer'); return text; } };
}

const exited = (proc) => new Promise((resolve) => {
  if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
  else proc.once('exit', (code, signal) => resolve({ code, signal }));
});

describe('graceful drain', () => {
  test('SIGTERM under load: calls finish, new connections refused, streams hand off, exit 0', async () => {
    // The SDK client through nginx (so on A): its GET stream is open and it hears list_changed.
    const client = new Client({ name: 'drain-sdk', version: '0.0.1' }, { capabilities: {} });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => { changed += 1; });
    await client.connect(new StreamableHTTPClientTransport(nginx.url,
      { reconnectionOptions: { initialReconnectionDelay: 200, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 20 } }));
    try {
      // A raw session on A with its GET stream.
      const session = await openSession(a.base);
      const get = await fetch(`${a.base}/mcp`, { headers: { ...HEADERS, accept: 'text/event-stream', 'mcp-session-id': session } });
      assert.equal(get.status, 200);
      const stream = sse(get);
      await stream.until((e) => e.id, 5000, 'the priming event');

      // The load: long calls on A, raw and through the SDK.
      const started = Date.now();
      const raw = Array.from({ length: CALLS }, (_, i) => post(a.base, { jsonrpc: '2.0', id: 100 + i, method: 'tools/call',
        params: { name: 'slow_compute', arguments: { seconds: CALL_S, label: `raw${i}` } } }, session)
        .then(async (r) => ({ status: r.status, text: await r.text() })));
      const viaSdk = [0, 1].map((i) => client.callTool({ name: 'slow_compute', arguments: { seconds: CALL_S, label: `sdk${i}` } },
                                                         undefined, { timeout: 30_000 }));
      const readyz = halfRequest(a.port, 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await new Promise((r) => setTimeout(r, 700));  // every call has reached A

      const gone = exited(a.proc);
      const t0 = Date.now();
      a.proc.kill('SIGTERM');
      // At once: the listener is closed, /readyz answers 503 on a connection already open, and
      // the GET stream ends with an event id and retry: (not cut).
      let refused;
      for (let i = 0; i < 50 && refused !== 'ECONNREFUSED'; i++) {
        refused = await tryConnect(a.port);
        if (refused !== 'ECONNREFUSED') await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(refused, 'ECONNREFUSED', 'a new connection is refused while draining');
      const ready = await readyz.finish();
      assert.match(ready, /^HTTP\/1\.1 503 /, ready);
      assert.match(ready, /connection: close/i);
      await withTimeout(stream.ended, 3000, 'the GET stream to end');
      assert.ok(Date.now() - t0 < 3000, 'the GET stream ended at once, not after the calls');
      const last = stream.events.at(-1);
      assert.ok(last.id && last.retry >= 0, `the stream ends with an id and retry:, got ${JSON.stringify(stream.text)}`);

      // Every call that started before SIGTERM succeeds.
      for (const r of await Promise.all(raw)) {
        assert.equal(r.status, 200, r.text);
        assert.match(r.text, /Computed raw\d in /);
        assert.doesNotMatch(r.text, /"isError":true/);
      }
      for (const r of await Promise.all(viaSdk)) assert.match(r.content[0].text, /Computed sdk\d in /);
      assert.ok(Date.now() - started >= CALL_S * 1000);

      // A exits 0, within its drain timeout (as soon as the calls are done).
      const { code, signal } = await withTimeout(gone, (DRAIN_S + 5) * 1000, 'A to exit');
      assert.equal(signal, null);
      assert.equal(code, 0, a.output());
      assert.ok(Date.now() - t0 < DRAIN_S * 1000, 'A exited before its drain deadline');
      assert.match(a.output(), /drained in \d+ ms/);

      // The raw stream resumes on B from the last event id; B's notifications reach it.
      const again = await fetch(`${b.base}/mcp`, { headers: { ...HEADERS, accept: 'text/event-stream',
                                                             'mcp-session-id': session, 'last-event-id': last.id } });
      assert.equal(again.status, 200, 'resumed on B with Last-Event-ID');
      const resumed = sse(again);
      await new Promise((r) => setTimeout(r, 300));
      await (await post(b.base, { jsonrpc: '2.0', id: 7, method: 'tools/call',
                                  params: { name: 'test_trigger_tool_change', arguments: {} } }, session)).text();
      await resumed.until((e) => e.message?.method === 'notifications/tools/list_changed', 5000, 'list_changed on B');
      await resumed.cancel();

      // The SDK client carries on through nginx (now B): a call, and its GET stream resumed.
      const r = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, { timeout: 15_000 });
      assert.ok(r.content.length > 0);
      const before = changed;
      const deadline = Date.now() + 10_000;
      while (changed === before && Date.now() < deadline) {
        await client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, undefined, { timeout: 15_000 });
        await new Promise((r2) => setTimeout(r2, 300));
      }
      assert.ok(changed > before, 'the SDK client\'s GET stream resumed on B and hears list_changed');
    } finally {
      await client.close().catch(() => {});
    }
  });

  test('a second SIGTERM, or the drain deadline, stops at once with exit code 1', async () => {
    for (const [drain, second] of [[30, true], [1, false]]) {
      const env = { ...process.env, MCPBRIDGE_DRAIN_S: String(drain) };
      const c = await startServer(bin, [], { env });
      try {
        const session = await openSession(c.base);
        const call = post(c.base, { jsonrpc: '2.0', id: 1, method: 'tools/call',
          params: { name: 'slow_compute', arguments: { seconds: 20, label: 'long' } } }, session).catch((e) => e);
        await new Promise((r) => setTimeout(r, 500));
        const gone = exited(c.proc);
        const t0 = Date.now();
        c.proc.kill('SIGTERM');
        if (second) {
          await new Promise((r) => setTimeout(r, 300));
          c.proc.kill('SIGTERM');
        }
        const { code } = await withTimeout(gone, 5000, 'exit after the drain was cut short');
        assert.equal(code, 1, c.output());
        assert.ok(Date.now() - t0 < 4000, `stopped promptly (${Date.now() - t0} ms)`);
        assert.match(c.output(), second ? /during the drain: stopping 1 requests/ : /drain timeout \(1 s\): stopping 1 requests/);
        await call;
      } finally {
        await c.stop();
      }
    }
  });
});
