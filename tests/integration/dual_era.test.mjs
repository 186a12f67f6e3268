// Dual era: ONE conformance-server process serves a session-based client (the official TypeScript
// SDK, 2025-11-25 with Mcp-Session-Id) and stateless MCP 2026-07-28 clients (raw fetch: no
// initialize, MCP-Protocol-Version / Mcp-Method / Mcp-Name headers, params._meta) at the same time.
//
//   MCP_CONFORMANCE_SERVER=/path/conformance-server \
//   [MCP_TS_SDK_DIR=/path/node_modules/@modelcontextprotocol/sdk] node --test dual_era.test.mjs
//
// The server runs on an ephemeral port on 127.0.0.1 (--port 0; the port is read from its startup
// log line) and is killed when the file ends, whatever happened. Every wait is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  installWatchdog, killAll, sdkModule, serverBinary, startServer, waitFor, withTimeout,
} from './harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const {
  ElicitRequestSchema, PromptListChangedNotificationSchema, ToolListChangedNotificationSchema,
} = await sdkModule('types.js');


// ---------------------------------------------------------------------------------------------
// Bounded waits and the server process.

const REQUEST_MS = 20_000;   // per request (SDK or raw)
const NOTIFY_MS = 5_000;     // a notification must arrive within this
const TEST_MS = 40_000;      // per test case
const WATCHDOG_MS = 105_000; // below the ctest TIMEOUT (120 s), so the server is still killed by us

const watchdog = installWatchdog('dual_era', WATCHDOG_MS);

// ---------------------------------------------------------------------------------------------
// SSE: a collector that keeps reading in the background (for the listen stream and for POST
// responses that came as a stream). events: [{ id, event, data, msg }] where msg is the parsed data.

const openStreams = new Set();

function collectSse(response) {
  const events = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const state = { events, ended: false, error: undefined };
  let buf = '';
  const parse = () => {
    buf = buf.replace(/\r\n?/g, '\n');
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = { id: undefined, event: undefined, data: undefined, msg: undefined };
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;  // keep-alive comments
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
      }
      if (ev.data) {  // priming events (id + retry, no data) carry no message
        ev.msg = JSON.parse(ev.data);
        events.push(ev);
      }
    }
  };
  state.pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { state.ended = true; return; }
        buf += value;
        parse();
      }
    } catch (e) {
      state.error = e;
      state.ended = true;
    }
  })();
  state.cancel = async () => {
    openStreams.delete(state);
    await reader.cancel().catch(() => {});
  };
  openStreams.add(state);
  return state;
}

// ---------------------------------------------------------------------------------------------
// The stateless wire (2026-07-28), by hand.

const MODERN = '2026-07-28';
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_CAPS = 'io.modelcontextprotocol/clientCapabilities';
const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
const META_SUBSCRIPTION = 'io.modelcontextprotocol/subscriptionId';
const NAMED = new Set(['tools/call', 'prompts/get', 'resources/read']);

let server;  // the one conformance-server
let nextId = 1;

function statelessBody(method, params, { id, caps = {} } = {}) {
  const meta = { ...(params._meta ?? {}), [META_VERSION]: MODERN, [META_CAPS]: caps };
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
}

function statelessHeaders(method, params, extra = {}) {
  const h = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
  };
  if (NAMED.has(method)) h['mcp-name'] = method === 'resources/read' ? params.uri : params.name;
  return { ...h, ...extra };
}

// POSTs one request; resolves to { status, headers, msg, notifications } where msg is the
// JSON-RPC response to this id (from a JSON body or from the SSE stream).
async function postRaw(body, headers) {
  const r = await fetch(server.url, {
    method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_MS),
  });
  const ct = r.headers.get('content-type') ?? '';
  if (ct.startsWith('text/event-stream')) {
    const sse = collectSse(r);
    const isAnswer = (e) => e.msg.id === body.id && ('result' in e.msg || 'error' in e.msg);
    try {
      await waitFor(() => sse.events.some(isAnswer) || sse.ended, REQUEST_MS, `the answer to ${body.method}`);
    } finally {
      await sse.cancel();
    }
    const answer = sse.events.find(isAnswer);
    return { status: r.status, headers: r.headers, msg: answer?.msg,
      notifications: sse.events.filter((e) => !isAnswer(e)).map((e) => e.msg) };
  }
  if (ct.includes('json')) return { status: r.status, headers: r.headers, msg: await r.json(), notifications: [] };
  await r.body?.cancel();
  return { status: r.status, headers: r.headers, msg: undefined, notifications: [] };
}

async function stateless(method, params = {}, { caps = {}, headers = {}, id = `sl-${nextId++}` } = {}) {
  return postRaw(statelessBody(method, params, { id, caps }), statelessHeaders(method, params, headers));
}

// A result that must be a success: returns msg.result.
function resultOf(reply, what) {
  assert.equal(reply.status, 200, `${what}: HTTP ${reply.status} ${JSON.stringify(reply.msg)}`);
  assert.ok(reply.msg, `${what}: a JSON-RPC response`);
  assert.equal(reply.msg.error, undefined, `${what}: ${JSON.stringify(reply.msg.error)}`);
  assert.ok(reply.msg.result, `${what}: a result`);
  return reply.msg.result;
}

function assertServerInfo(result, what) {
  assert.deepEqual(result._meta?.[META_SERVER_INFO]?.name, 'mcp-conformance-test-server',
    `${what}: _meta serverInfo (${JSON.stringify(result._meta)})`);
  assert.equal(typeof result._meta[META_SERVER_INFO].version, 'string');
}

async function statelessToolNames() {
  const names = [];
  let cursor;
  let first;
  for (let page = 0; page < 20; ++page) {
    const result = resultOf(await stateless('tools/list', cursor ? { cursor } : {}), 'stateless tools/list');
    first ??= result;
    names.push(...result.tools.map((t) => t.name));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return { names, first };
}

// ---------------------------------------------------------------------------------------------
// The session-based client (the SDK).

const openClients = new Set();

// Connects an SDK client; `gets` records the status of every GET (standalone SSE stream) it opened.
async function connectClient({ capabilities = {}, setup } = {}) {
  const gets = [];
  const recordingFetch = async (input, init = {}) => {
    const method = init.method ?? 'GET';
    const r = await fetch(input, init);
    if (method === 'GET') gets.push(r.status);
    return r;
  };
  const client = new Client({ name: 'mcpbridge-dual-era', version: '0.0.1' }, { capabilities });
  setup?.(client);
  const transport = new StreamableHTTPClientTransport(server.url, {
    fetch: recordingFetch,
    reconnectionOptions: {
      initialReconnectionDelay: 200, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 1.5, maxRetries: 3,
    },
  });
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect to ${server.url}`);
  openClients.add(client);
  return { client, transport, gets };
}

async function closeClient(client) {
  openClients.delete(client);
  await withTimeout(client.close(), 5000, 'client close').catch(() => {});
}

async function sdkToolNames(client) {
  const names = [];
  let cursor;
  for (let page = 0; page < 20; ++page) {
    const r = await client.listTools(cursor ? { cursor } : undefined, opts);
    names.push(...r.tools.map((t) => t.name));
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  return names;
}

const opts = { timeout: REQUEST_MS };
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// ---------------------------------------------------------------------------------------------

before(async () => {
  server = await startServer(serverBinary('MCP_CONFORMANCE_SERVER'));
});

after(async () => {
  for (const s of [...openStreams]) await s.cancel();
  for (const c of [...openClients]) await closeClient(c);
  await server?.stop();
  killAll('SIGKILL');  // anything left over
  clearTimeout(watchdog);
});

describe('one conformance-server, two eras at once', () => {
  test('a session-based SDK client and stateless requests interleave, both get correct results',
    { timeout: TEST_MS }, async () => {
      const asked = [];
      let duringElicitation;  // a stateless exchange run while the legacy call waits for its answer

      // The SDK client connects while the stateless requests are already in flight.
      const [legacy, discover, list, simple] = await Promise.all([
        connectClient({
          capabilities: { elicitation: { form: {} } },
          setup: (c) => c.setRequestHandler(ElicitRequestSchema, async (req) => {
            asked.push(req.params);
            // The legacy tools/call is suspended on this answer; the stateless wire is not.
            duringElicitation = await stateless('tools/call', { name: 'test_simple_text', arguments: {} });
            return { action: 'accept', content: { username: 'dual-era', email: 'dual@example.com' } };
          }),
        }),
        stateless('server/discover'),
        statelessToolNames(),
        stateless('tools/call', { name: 'test_simple_text', arguments: {} }),
      ]);
      const { client, transport } = legacy;
      try {
        assert.equal(transport.protocolVersion, '2025-11-25');
        assert.match(transport.sessionId ?? '', /^\S{16,}$/, 'the legacy client has a session');
        assert.deepEqual(client.getServerVersion(), { name: 'mcp-conformance-test-server', version: '1.0.0' });

        // server/discover
        assert.equal(discover.headers.get('mcp-session-id'), null, 'server/discover opens no session');
        const d = resultOf(discover, 'server/discover');
        assert.ok(Array.isArray(d.supportedVersions) && d.supportedVersions.includes(MODERN),
          `supportedVersions: ${JSON.stringify(d.supportedVersions)}`);
        assert.ok(d.capabilities?.tools, `capabilities.tools: ${JSON.stringify(d.capabilities)}`);
        assert.equal(d.resultType, 'complete');
        assertServerInfo(d, 'server/discover');

        // tools/list, stateless: cache hints, and the same tools as the session sees
        const l = list.first;
        assert.equal(l.resultType, 'complete');
        assert.ok(Number.isInteger(l.ttlMs) && l.ttlMs >= 0, `ttlMs: ${l.ttlMs}`);
        assert.equal(typeof l.cacheScope, 'string');
        assert.ok(l.cacheScope.length > 0, 'cacheScope');
        assertServerInfo(l, 'tools/list');
        for (const name of ['test_simple_text', 'test_tool_with_progress', 'test_elicitation',
          'test_input_required_result_elicitation', 'test_trigger_tool_change']) {
          assert.ok(list.names.includes(name), `stateless tools/list has ${name}`);
        }

        // tools/call, stateless
        assert.equal(simple.headers.get('mcp-session-id'), null, 'no Mcp-Session-Id on a stateless response');
        const s = resultOf(simple, 'stateless test_simple_text');
        assert.equal(s.resultType, 'complete');
        assert.deepEqual(s.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
        assertServerInfo(s, 'tools/call');

        // Second wave, all at once: the SDK client's elicitation (answered by its handler, which
        // itself waits for a stateless call), its progress tool, its tools/list, and a full stateless
        // multi round-trip.
        const progress = [];
        const mrtr = (async () => {
          const params = { name: 'test_input_required_result_elicitation', arguments: {} };
          const caps = { elicitation: {} };
          const r1 = await stateless('tools/call', params, { caps });
          const r2 = await stateless('tools/call', {
            ...params,
            inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
            requestState: r1.msg?.result?.requestState,
          }, { caps });
          return { r1, r2 };
        })();
        const [elicited, withProgress, sdkNames, { r1, r2 }, progressStateless] = await Promise.all([
          client.callTool({ name: 'test_elicitation', arguments: { message: 'Both eras at once?' } }, undefined, opts),
          client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined,
            { ...opts, onprogress: (p) => progress.push(p.progress) }),
          sdkToolNames(client),
          mrtr,
          stateless('tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p-1' } }),
        ]);

        // The legacy side.
        assert.notEqual(elicited.isError, true, textOf(elicited));
        assert.equal(asked.length, 1, 'the SDK handler was asked exactly once');
        assert.equal(asked[0].message, 'Both eras at once?');
        const text = textOf(elicited);
        assert.match(text, /action=accept/);
        assert.deepEqual(JSON.parse(text.slice(text.indexOf('content=') + 'content='.length)),
          { username: 'dual-era', email: 'dual@example.com' });
        assert.equal(textOf(withProgress), 'Tool with progress executed successfully');
        await waitFor(() => progress.length >= 3, NOTIFY_MS, '3 progress notifications on the session');
        assert.deepEqual(progress, [0, 50, 100]);
        assert.deepEqual([...sdkNames].sort(), [...list.names].sort(), 'both eras see the same tools');

        // The stateless call made while the legacy call waited for its elicitation answer.
        assert.ok(duringElicitation, 'the handler ran its stateless call');
        const de = resultOf(duringElicitation, 'stateless call during a legacy elicitation');
        assert.equal(de.resultType, 'complete');
        assert.equal(textOf(de), 'This is a simple text response for testing.');

        // The stateless multi round-trip.
        const ir = resultOf(r1, 'MRTR round 1');
        assert.equal(ir.resultType, 'input_required', JSON.stringify(ir));
        assert.deepEqual(Object.keys(ir.inputRequests), ['user_name']);
        assert.equal(ir.inputRequests.user_name.method, 'elicitation/create');
        assert.equal(ir.inputRequests.user_name.params.message, 'What is your name?');
        assert.equal(typeof ir.requestState, 'string');
        assert.ok(ir.requestState.length > 0, 'requestState');
        assert.equal(r1.headers.get('mcp-session-id'), null);
        const done = resultOf(r2, 'MRTR round 2');
        assert.equal(done.resultType, 'complete', JSON.stringify(done));
        assert.equal(textOf(done), 'Hello, Alice!');
        assertServerInfo(done, 'MRTR round 2');
        assert.equal(r2.headers.get('mcp-session-id'), null);

        // Progress on the stateless wire goes to that request's own stream, not to the session.
        const sp = resultOf(progressStateless, 'stateless test_tool_with_progress');
        assert.equal(textOf(sp), 'Tool with progress executed successfully');
        const sprog = progressStateless.notifications.filter((n) => n.method === 'notifications/progress');
        assert.deepEqual(sprog.map((n) => n.params.progress), [0, 50, 100]);
        assert.ok(sprog.every((n) => n.params.progressToken === 'p-1'));
        assert.deepEqual(progress, [0, 50, 100], 'the session saw only its own progress');

        // The session is intact afterwards.
        await client.ping(opts);
      } finally {
        await closeClient(client);
      }
    });

  test('cross-era isolation and each wire\'s errors', { timeout: TEST_MS }, async () => {
    const asked = [];
    const { client, transport } = await connectClient({
      capabilities: { elicitation: { form: {} } },
      setup: (c) => c.setRequestHandler(ElicitRequestSchema, (req) => {
        asked.push(req.params);
        return { action: 'decline' };
      }),
    });
    try {
      const sessionId = transport.sessionId;
      assert.ok(sessionId, 'a session id was issued');

      // A stateless request carrying the legacy client's session id is served statelessly: an
      // elicitation becomes input_required (it is not routed to the session's client).
      const withSession = await stateless('tools/call',
        { name: 'test_elicitation', arguments: { message: 'Which era?' } },
        { caps: { elicitation: {} }, headers: { 'mcp-session-id': sessionId } });
      const ws = resultOf(withSession, 'stateless call with a session id header');
      assert.equal(ws.resultType, 'input_required', JSON.stringify(ws));
      const keys = Object.keys(ws.inputRequests);
      assert.equal(keys.length, 1, JSON.stringify(ws.inputRequests));
      assert.equal(ws.inputRequests[keys[0]].method, 'elicitation/create');
      assert.equal(ws.inputRequests[keys[0]].params.message, 'Which era?');
      assert.equal(withSession.headers.get('mcp-session-id'), null, 'no session semantics on the reply');
      assert.equal(asked.length, 0, 'the session\'s client was not asked');

      // tools/list with the session id header: a stateless result (cache hints), no session echo.
      const listWithSession = await stateless('tools/list', {}, { headers: { 'mcp-session-id': sessionId } });
      const lws = resultOf(listWithSession, 'stateless tools/list with a session id header');
      assert.equal(lws.resultType, 'complete');
      assert.ok(Number.isInteger(lws.ttlMs));
      assert.equal(listWithSession.headers.get('mcp-session-id'), null);
      // An unknown session id does not matter either (no 404 "session not found").
      const bogus = await stateless('server/discover', {}, { headers: { 'mcp-session-id': 'no-such-session-0000' } });
      assert.equal(resultOf(bogus, 'discover with a bogus session id').resultType, 'complete');

      // The session is unaffected: same id, still answers, its client was never asked.
      const still = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, opts);
      assert.equal(textOf(still), 'This is a simple text response for testing.');
      assert.equal(transport.sessionId, sessionId);
      assert.equal(asked.length, 0);

      // A tampered requestState is rejected with -32602.
      const params = { name: 'test_input_required_result_elicitation', arguments: {} };
      const caps = { elicitation: {} };
      const r1 = await stateless('tools/call', params, { caps });
      const state = resultOf(r1, 'MRTR round 1').requestState;
      assert.equal(typeof state, 'string');
      const tampered = await stateless('tools/call', {
        ...params,
        inputResponses: { user_name: { action: 'accept', content: { name: 'Mallory' } } },
        requestState: `${state}x`,
      }, { caps });
      assert.ok(tampered.msg, `a JSON-RPC reply (HTTP ${tampered.status})`);
      assert.equal(tampered.msg.result, undefined, JSON.stringify(tampered.msg.result));
      assert.equal(tampered.msg.error?.code, -32602, JSON.stringify(tampered.msg));
      // ... and so is a state issued for another tool.
      const other = await stateless('tools/call', {
        name: 'test_input_required_result_request_state', arguments: {},
        inputResponses: { confirm: { action: 'accept', content: { ok: true } } },
        requestState: state,
      }, { caps });
      assert.equal(other.msg?.error?.code, -32602, JSON.stringify(other.msg));
      // The untampered state still completes (the rejection had no side effect).
      const r2 = await stateless('tools/call', {
        ...params,
        inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
        requestState: state,
      }, { caps });
      assert.equal(textOf(resultOf(r2, 'MRTR round 2')), 'Hello, Alice!');

      // Legacy wire: a POST without a session id is 400.
      const legacyNoSession = await postRaw(
        { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
        { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25' });
      assert.equal(legacyNoSession.status, 400, JSON.stringify(legacyNoSession.msg));
      assert.ok(legacyNoSession.msg?.error, 'a JSON-RPC error body');

      // Stateless wire: _meta says 2026-07-28 but the header says otherwise: 400, -32020.
      const mismatch = await postRaw(statelessBody('tools/list', {}, { id: 'mm-1' }),
        statelessHeaders('tools/list', {}, { 'mcp-protocol-version': '2025-11-25' }));
      assert.equal(mismatch.status, 400, JSON.stringify(mismatch.msg));
      assert.equal(mismatch.msg?.error?.code, -32020, JSON.stringify(mismatch.msg));

      // Stateless wire: an unknown method is HTTP 404 with -32601.
      const unknown = await stateless('no/such/method', {}, { id: 'um-1' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.msg));
      assert.equal(unknown.msg?.error?.code, -32601, JSON.stringify(unknown.msg));
      assert.equal(unknown.msg?.id, 'um-1');

      // initialize is not a method of the stateless wire: 404, and no session is opened.
      const init = await stateless('initialize', {
        protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'confused', version: '0' },
      }, { id: 'init-1' });
      assert.equal(init.status, 404, JSON.stringify(init.msg));
      assert.equal(init.msg?.error?.code, -32601, JSON.stringify(init.msg));
      assert.equal(init.headers.get('mcp-session-id'), null, 'initialize with modern _meta opens no session');

      // After all of that, the session still works.
      await client.ping(opts);
      assert.equal(transport.sessionId, sessionId);
    } finally {
      await closeClient(client);
    }
  });

  test('list_changed reaches a subscriptions/listen stream and a legacy session alike', { timeout: TEST_MS },
    async () => {
      const legacyNotes = [];
      const { client, transport, gets } = await connectClient({
        setup: (c) => {
          c.setNotificationHandler(ToolListChangedNotificationSchema, (n) => { legacyNotes.push(n.method); });
          c.setNotificationHandler(PromptListChangedNotificationSchema, (n) => { legacyNotes.push(n.method); });
        },
      });
      const controller = new AbortController();
      let listen;
      try {
        assert.ok(transport.sessionId);
        // The session's notifications travel on its standalone GET stream: wait until it is open.
        await waitFor(() => gets.includes(200), NOTIFY_MS, 'the SDK client\'s standalone SSE stream (GET 200)');

        const listenId = `listen-${Date.now()}`;
        const params = { notifications: { toolsListChanged: true } };
        const r = await withTimeout(fetch(server.url, {
          method: 'POST',
          headers: statelessHeaders('subscriptions/listen', params),
          body: JSON.stringify(statelessBody('subscriptions/listen', params, { id: listenId })),
          signal: controller.signal,
        }), REQUEST_MS, 'subscriptions/listen response headers');
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
        assert.equal(r.headers.get('mcp-session-id'), null);
        listen = collectSse(r);

        await waitFor(() => listen.events.length >= 1 || listen.ended, NOTIFY_MS, 'the listen acknowledgement');
        const ack = listen.events[0]?.msg;
        assert.ok(ack, 'a first event');
        assert.equal(ack.method, 'notifications/subscriptions/acknowledged', JSON.stringify(ack));
        assert.equal(ack.params._meta[META_SUBSCRIPTION], listenId, JSON.stringify(ack));
        assert.equal(ack.params.notifications?.toolsListChanged, true, JSON.stringify(ack));

        const onListen = (method) => listen.events.filter((e) => e.msg.method === method);
        const toolsChanged = 'notifications/tools/list_changed';

        // A prompts change first: the session gets it, the tools-only listener does not.
        const prompt = await stateless('tools/call', { name: 'test_trigger_prompt_change', arguments: {} });
        assert.equal(textOf(resultOf(prompt, 'test_trigger_prompt_change')), 'prompts/list_changed sent');

        // Tools change, triggered from the legacy side.
        const fromLegacy = await client.callTool({ name: 'test_trigger_tool_change', arguments: {} }, undefined, opts);
        assert.equal(textOf(fromLegacy), 'tools/list_changed sent');
        await waitFor(() => onListen(toolsChanged).length >= 1 && legacyNotes.includes(toolsChanged), NOTIFY_MS,
          `tools/list_changed on both eras (listen: ${JSON.stringify(listen.events.map((e) => e.msg.method))}, ` +
          `legacy: ${JSON.stringify(legacyNotes)})`);

        // Tools change, triggered from the stateless side.
        const fromStateless = await stateless('tools/call', { name: 'test_trigger_tool_change', arguments: {} });
        assert.equal(textOf(resultOf(fromStateless, 'stateless test_trigger_tool_change')), 'tools/list_changed sent');
        await waitFor(() => onListen(toolsChanged).length >= 2 &&
            legacyNotes.filter((m) => m === toolsChanged).length >= 2, NOTIFY_MS,
          `a second tools/list_changed on both eras (listen: ${JSON.stringify(listen.events.map((e) => e.msg.method))}, ` +
          `legacy: ${JSON.stringify(legacyNotes)})`);

        assert.equal(listen.ended, false, 'the listen stream stays open');
        assert.deepEqual(listen.events.map((e) => e.msg.method),
          ['notifications/subscriptions/acknowledged', toolsChanged, toolsChanged],
          'the listener got exactly what it subscribed to');
        for (const e of onListen(toolsChanged)) {
          assert.equal(e.msg.params._meta[META_SUBSCRIPTION], listenId, JSON.stringify(e.msg));
          assert.equal(e.msg.id, undefined, 'a notification');
        }
        assert.deepEqual(legacyNotes, ['notifications/prompts/list_changed', toolsChanged, toolsChanged]);
      } finally {
        controller.abort();
        await listen?.cancel();
        await closeClient(client);
      }
    });
});
