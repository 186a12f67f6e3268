// Interop: the official TypeScript SDK client (pinned in tools/sdk by scripts/install-test-tools.sh)
// against our conformance-server and echo-server, over Streamable HTTP.
//
//   MCP_CONFORMANCE_SERVER=/path/conformance-server MCP_ECHO_SERVER=/path/echo-server \
//   [MCP_TS_SDK_DIR=/path/node_modules/@modelcontextprotocol/sdk] node --test interop.test.mjs
//
// Each server runs on an ephemeral port on 127.0.0.1 (--port 0; the port is read from its startup
// log line) and is killed when the file ends, whatever happened. Every wait is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  installWatchdog, killAll, sdkModule, serverBinary, startServer, waitFor, withTimeout,
} from './harness.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const {
  CreateMessageRequestSchema, ElicitRequestSchema, ErrorCode, LoggingMessageNotificationSchema, McpError,
} = await sdkModule('types.js');


// ---------------------------------------------------------------------------------------------
// Helpers: bounded waits, server processes, clients.

const REQUEST_MS = 20_000;  // per SDK request
const TEST_MS = 30_000;     // per test case
const WATCHDOG_MS = 105_000; // below the ctest TIMEOUT, so the servers are still killed by us

const watchdog = installWatchdog('interop', WATCHDOG_MS);

const openClients = new Set();

// Connects an SDK client; `requests` records every HTTP request the transport made.
async function connectClient(url, { capabilities = {}, setup } = {}) {
  const requests = [];
  const recordingFetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    requests.push({ method: init.method ?? 'GET', lastEventId: headers.get('last-event-id') });
    return fetch(input, init);
  };
  const client = new Client({ name: 'mcpbridge-interop', version: '0.0.1' }, { capabilities });
  setup?.(client);
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: recordingFetch,
    reconnectionOptions: {
      initialReconnectionDelay: 200, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 1.5, maxRetries: 3,
    },
  });
  const errors = [];
  await withTimeout(client.connect(transport, { timeout: REQUEST_MS }), REQUEST_MS, `connect to ${url}`);
  transport.onerror = ((prev) => (e) => { errors.push(e); prev?.(e); })(transport.onerror);
  openClients.add(client);
  return { client, transport, requests, errors };
}

async function closeClient(client) {
  openClients.delete(client);
  await withTimeout(client.close(), 5000, 'client close').catch(() => {});
}

const opts = { timeout: REQUEST_MS };
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// Minimal SSE reader for the raw-fetch test: yields {id, retry, data, event} per event.
async function readSse(response, { until, ms }) {
  const events = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let ended = false;
  const parse = () => {
    buf = buf.replace(/\r\n?/g, '\n');
    let cut;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const ev = { id: undefined, retry: undefined, event: undefined, data: undefined };
      let anyField = false;
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;  // comments (keep-alives)
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        anyField = true;
        if (field === 'id') ev.id = value;
        else if (field === 'retry') ev.retry = Number(value);
        else if (field === 'event') ev.event = value;
        else if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
      }
      if (anyField) events.push(ev);
    }
  };
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) { ended = true; return; }
      buf += value;
      parse();
      if (until?.(events)) return;
    }
  })();
  try {
    await withTimeout(pump, ms, 'SSE stream');
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
  }
  return { events, ended };
}

// ---------------------------------------------------------------------------------------------

let conf;  // conformance-server
let echo;  // echo-server

before(async () => {
  const confBin = serverBinary('MCP_CONFORMANCE_SERVER');
  const echoBin = serverBinary('MCP_ECHO_SERVER');
  [conf, echo] = await Promise.all([startServer(confBin), startServer(echoBin)]);
});

after(async () => {
  for (const c of [...openClients]) await closeClient(c);
  await Promise.all([conf?.stop(), echo?.stop()]);
  killAll('SIGKILL');  // anything left over (a failed start)
  clearTimeout(watchdog);
});

describe('TypeScript SDK client against conformance-server', () => {
  test('connect: server name, version, capabilities, negotiated protocol', { timeout: TEST_MS }, async () => {
    const { client, transport } = await connectClient(conf.url);
    try {
      assert.deepEqual(client.getServerVersion(), { name: 'mcp-conformance-test-server', version: '1.0.0' });
      const caps = client.getServerCapabilities();
      assert.ok(caps.tools, 'tools capability');
      assert.ok(caps.resources, 'resources capability');
      assert.ok(caps.prompts, 'prompts capability');
      assert.ok(caps.logging, 'logging capability');
      assert.equal(transport.protocolVersion, '2025-11-25');
      assert.match(transport.sessionId ?? '', /^\S{16,}$/, 'a session id was issued');
      await client.ping(opts);
    } finally {
      await closeClient(client);
    }
  });

  test('tools/list: names and input schemas', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(conf.url);
    try {
      const { tools } = await client.listTools(undefined, opts);
      const byName = new Map(tools.map((t) => [t.name, t]));
      for (const name of ['test_simple_text', 'test_tool_with_logging', 'test_tool_with_progress', 'test_sampling',
        'test_elicitation', 'test_error_handling', 'test_reconnection', 'test_image_content']) {
        assert.ok(byName.has(name), `tool ${name} listed (got ${[...byName.keys()].join(', ')})`);
      }
      for (const t of tools) assert.equal(t.inputSchema.type, 'object', `${t.name} inputSchema.type`);
      const sampling = byName.get('test_sampling');
      assert.equal(sampling.inputSchema.properties.prompt.type, 'string');
      assert.deepEqual(sampling.inputSchema.required, ['prompt']);
      assert.equal(typeof sampling.description, 'string');
      const elicitation = byName.get('test_elicitation');
      assert.deepEqual(elicitation.inputSchema.required, ['message']);

      const simple = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, opts);
      assert.deepEqual(simple.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
      assert.notEqual(simple.isError, true);
    } finally {
      await closeClient(client);
    }
  });

  test('progress notifications reach onprogress, increasing', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(conf.url);
    try {
      const seen = [];
      const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined,
        { ...opts, onprogress: (p) => seen.push(p) });
      assert.equal(textOf(result), 'Tool with progress executed successfully');
      await waitFor(() => seen.length >= 3, 2000, '3 progress notifications');
      assert.equal(seen.length, 3, JSON.stringify(seen));
      for (let i = 1; i < seen.length; ++i) assert.ok(seen[i].progress > seen[i - 1].progress, JSON.stringify(seen));
      assert.deepEqual(seen.map((p) => p.progress), [0, 50, 100]);
      assert.ok(seen.every((p) => p.total === 100));
      assert.equal(seen[0].message, 'Starting');
    } finally {
      await closeClient(client);
    }
  });

  test('logging: setLoggingLevel(debug), then 3 notifications/message', { timeout: TEST_MS }, async () => {
    const logs = [];
    const { client } = await connectClient(conf.url, {
      setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); }),
    });
    try {
      await client.setLoggingLevel('debug', opts);
      const result = await client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, opts);
      assert.equal(textOf(result), 'Tool with logging executed successfully');
      await waitFor(() => logs.length >= 3, 2000, '3 log notifications');
      assert.equal(logs.length, 3, JSON.stringify(logs));
      assert.deepEqual(logs.map((l) => l.data),
        ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
      assert.ok(logs.every((l) => l.level === 'info'));

      // A level above info silences them (the level is honoured, not just accepted).
      logs.length = 0;
      await client.setLoggingLevel('error', opts);
      await client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, opts);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(logs.length, 0, JSON.stringify(logs));
    } finally {
      await closeClient(client);
    }
  });

  test('elicitation/create answered by the client', { timeout: TEST_MS }, async () => {
    const asked = [];
    const { client } = await connectClient(conf.url, {
      capabilities: { elicitation: { form: {} } },
      setup: (c) => c.setRequestHandler(ElicitRequestSchema, (req) => {
        asked.push(req.params);
        return { action: 'accept', content: { username: 'interop-user', email: 'interop@example.com' } };
      }),
    });
    try {
      const result = await client.callTool(
        { name: 'test_elicitation', arguments: { message: 'Who are you, interop?' } }, undefined, opts);
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(asked.length, 1);
      assert.equal(asked[0].message, 'Who are you, interop?');
      assert.deepEqual(Object.keys(asked[0].requestedSchema.properties).sort(), ['email', 'username']);
      assert.deepEqual([...asked[0].requestedSchema.required].sort(), ['email', 'username']);
      const text = textOf(result);
      assert.match(text, /action=accept/);
      const content = JSON.parse(text.slice(text.indexOf('content=') + 'content='.length));
      assert.deepEqual(content, { username: 'interop-user', email: 'interop@example.com' });
    } finally {
      await closeClient(client);
    }
  });

  test('sampling/createMessage answered by the client', { timeout: TEST_MS }, async () => {
    const asked = [];
    const { client } = await connectClient(conf.url, {
      capabilities: { sampling: {} },
      setup: (c) => c.setRequestHandler(CreateMessageRequestSchema, (req) => {
        asked.push(req.params);
        return { model: 'interop-model', role: 'assistant', content: { type: 'text', text: 'pong from the client' } };
      }),
    });
    try {
      const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'ping?' } }, undefined, opts);
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(asked.length, 1);
      assert.equal(asked[0].maxTokens, 100);
      assert.deepEqual(asked[0].messages, [{ role: 'user', content: { type: 'text', text: 'ping?' } }]);
      assert.equal(textOf(result), 'LLM response: pong from the client');
    } finally {
      await closeClient(client);
    }
  });

  test('a tool error is a result with isError, not a protocol error', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(conf.url);
    try {
      const result = await client.callTool({ name: 'test_error_handling', arguments: {} }, undefined, opts);
      assert.equal(result.isError, true);
      assert.equal(textOf(result), 'This tool intentionally returns an error for testing');
    } finally {
      await closeClient(client);
    }
  });

  test('an unknown tool is McpError -32602', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(conf.url);
    try {
      await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, opts), (e) => {
        assert.ok(e instanceof McpError, `McpError expected, got ${e}`);
        assert.equal(e.code, ErrorCode.InvalidParams);
        assert.equal(e.code, -32602);
        assert.match(e.message, /no_such_tool/);
        return true;
      });
      await client.ping(opts);  // the session survives
    } finally {
      await closeClient(client);
    }
  });

  test('resources/list, resources/read (static and template), prompts/get', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(conf.url);
    try {
      const { resources } = await client.listResources(undefined, opts);
      assert.ok(resources.some((r) => r.uri === 'test://static-text' && r.mimeType === 'text/plain'));

      const read = await client.readResource({ uri: 'test://static-text' }, opts);
      assert.deepEqual(read.contents, [{
        uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.',
      }]);

      const tpl = await client.readResource({ uri: 'test://template/42/data' }, opts);
      assert.equal(tpl.contents.length, 1);
      assert.deepEqual(JSON.parse(tpl.contents[0].text), { id: '42', templateTest: true, data: 'Data for ID: 42' });

      await assert.rejects(client.readResource({ uri: 'test://nope' }, opts), (e) => e instanceof McpError);

      const { prompts } = await client.listPrompts(undefined, opts);
      assert.ok(prompts.some((p) => p.name === 'test_prompt_with_arguments'));
      const prompt = await client.getPrompt(
        { name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha', arg2: 'beta' } }, opts);
      assert.deepEqual(prompt.messages, [{
        role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='alpha', arg2='beta'" },
      }]);
    } finally {
      await closeClient(client);
    }
  });

  test('a dropped SSE stream is resumed by the SDK (Last-Event-ID, SEP-1699)', { timeout: TEST_MS }, async () => {
    const { client, requests, errors } = await connectClient(conf.url);
    try {
      const result = await client.callTool({ name: 'test_reconnection', arguments: {} }, undefined, opts);
      assert.deepEqual(errors.map(String), [], 'a graceful close plus resumption raises no transport error');
      assert.equal(textOf(result), 'Reconnection test completed successfully');
      const resumes = requests.filter((r) => r.method === 'GET' && r.lastEventId);
      assert.ok(resumes.length >= 1, `the SDK resumed with GET + Last-Event-ID (requests: ${JSON.stringify(requests)})`);
      assert.match(resumes[0].lastEventId, /\S/);
      // The session still works afterwards.
      const again = await client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, opts);
      assert.equal(textOf(again), 'This is a simple text response for testing.');
    } finally {
      await closeClient(client);
    }
  });

  test('two clients at once keep separate sessions', { timeout: TEST_MS }, async () => {
    const logsA = [];
    const logsB = [];
    const a = await connectClient(conf.url, {
      setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logsA.push(n.params); }),
    });
    const b = await connectClient(conf.url, {
      setup: (c) => c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logsB.push(n.params); }),
    });
    try {
      assert.ok(a.transport.sessionId && b.transport.sessionId);
      assert.notEqual(a.transport.sessionId, b.transport.sessionId);
      // The log level is per session: A silences info, B wants everything.
      await Promise.all([a.client.setLoggingLevel('error', opts), b.client.setLoggingLevel('debug', opts)]);
      const progressA = [];
      const progressB = [];
      const [ra, rb] = await Promise.all([
        a.client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, opts),
        b.client.callTool({ name: 'test_tool_with_logging', arguments: {} }, undefined, opts),
        a.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined,
          { ...opts, onprogress: (p) => progressA.push(p.progress) }),
        b.client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined,
          { ...opts, onprogress: (p) => progressB.push(p.progress) }),
      ]);
      assert.equal(textOf(ra), 'Tool with logging executed successfully');
      assert.equal(textOf(rb), 'Tool with logging executed successfully');
      await waitFor(() => logsB.length >= 3 && progressA.length >= 3 && progressB.length >= 3, 2000,
        'notifications of both sessions');
      assert.equal(logsA.length, 0, `A asked for errors only: ${JSON.stringify(logsA)}`);
      assert.equal(logsB.length, 3, JSON.stringify(logsB));
      assert.deepEqual(progressA, [0, 50, 100]);
      assert.deepEqual(progressB, [0, 50, 100]);

      // Ending A leaves B working.
      await a.transport.terminateSession();
      const still = await b.client.callTool({ name: 'test_simple_text', arguments: {} }, undefined, opts);
      assert.equal(textOf(still), 'This is a simple text response for testing.');
    } finally {
      await closeClient(a.client);
      await closeClient(b.client);
    }
  });

  test('terminateSession (DELETE), then the old session id gets 404', { timeout: TEST_MS }, async () => {
    const { client, transport, requests } = await connectClient(conf.url);
    try {
      const sessionId = transport.sessionId;
      const protocolVersion = transport.protocolVersion;
      assert.ok(sessionId);
      await transport.terminateSession();
      assert.ok(requests.some((r) => r.method === 'DELETE'), 'a DELETE was sent');
      assert.equal(transport.sessionId, undefined);

      const r = await fetch(conf.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': protocolVersion,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(r.status, 404);
      await r.body?.cancel();

      const g = await fetch(conf.url, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(g.status, 404);
      await g.body?.cancel();
    } finally {
      await closeClient(client);
    }
  });
});

describe('raw HTTP resumption against conformance-server', () => {
  test('POST test_reconnection: priming event, connection ends, GET with Last-Event-ID delivers the result',
    { timeout: TEST_MS }, async () => {
      const version = '2025-11-25';
      const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(conf.url, {
        method: 'POST',
        headers: base,
        body: JSON.stringify({
          jsonrpc: '2.0', id: 0, method: 'initialize',
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw-fetch', version: '0' } },
        }),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(init.status, 200);
      const sessionId = init.headers.get('mcp-session-id');
      assert.ok(sessionId, 'session id header');
      const initBody = await init.json();
      assert.equal(initBody.result.protocolVersion, version);
      const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': version };

      const inited = await fetch(conf.url, {
        method: 'POST', headers,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(inited.status, 202);
      await inited.body?.cancel();

      try {
        const post = await fetch(conf.url, {
          method: 'POST', headers,
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call',
            params: { name: 'test_reconnection', arguments: {} } }),
          signal: AbortSignal.timeout(10_000),
        });
        assert.equal(post.status, 200);
        assert.match(post.headers.get('content-type') ?? '', /^text\/event-stream/);
        const first = await readSse(post, { ms: 10_000 });
        assert.ok(first.ended, 'the server ended the POST stream on its own');
        assert.ok(first.events.length >= 1, 'at least the priming event');
        const priming = first.events[0];
        assert.ok(priming.id, `the first event has an id: ${JSON.stringify(first.events)}`);
        assert.ok(Number.isFinite(priming.retry) && priming.retry >= 0,
          `the first event has a retry field: ${JSON.stringify(first.events)}`);
        assert.ok(!priming.data, 'the priming event carries no message');
        const results = first.events.filter((e) => e.data && JSON.parse(e.data).id === 7);
        assert.equal(results.length, 0, 'the result is not on the dropped connection');
        const lastId = first.events.filter((e) => e.id).at(-1).id;

        const get = await fetch(conf.url, {
          headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': version,
            'last-event-id': lastId },
          signal: AbortSignal.timeout(10_000),
        });
        assert.equal(get.status, 200);
        assert.match(get.headers.get('content-type') ?? '', /^text\/event-stream/);
        const isResult = (e) => e.data && JSON.parse(e.data).id === 7;
        const second = await readSse(get, { until: (evs) => evs.some(isResult), ms: 10_000 });
        const msg = JSON.parse(second.events.find(isResult).data);
        assert.equal(msg.jsonrpc, '2.0');
        assert.deepEqual(msg.result.content, [{ type: 'text', text: 'Reconnection test completed successfully' }]);
        assert.ok(second.events.find(isResult).id, 'the replayed result has an event id');
      } finally {
        const del = await fetch(conf.url, { method: 'DELETE', headers, signal: AbortSignal.timeout(5000) });
        await del.body?.cancel();
      }
    });
});

describe('TypeScript SDK client against echo-server', () => {
  test('connect, list and call echo and add', { timeout: TEST_MS }, async () => {
    const { client } = await connectClient(echo.url);
    try {
      assert.deepEqual(client.getServerVersion(), { name: 'echo-server', version: '1.0.0' });
      const { tools } = await client.listTools(undefined, opts);
      const byName = new Map(tools.map((t) => [t.name, t]));
      assert.deepEqual([...byName.keys()].sort(), ['add', 'echo']);
      assert.equal(byName.get('echo').inputSchema.properties.text.type, 'string');
      assert.deepEqual(byName.get('echo').inputSchema.required, ['text']);
      assert.equal(byName.get('add').inputSchema.properties.a.type, 'number');
      assert.equal(byName.get('add').inputSchema.properties.b.type, 'number');

      const echoed = await client.callTool({ name: 'echo', arguments: { text: 'héllo, interop ✓' } }, undefined, opts);
      assert.deepEqual(echoed.content, [{ type: 'text', text: 'héllo, interop ✓' }]);

      const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40.5 } }, undefined, opts);
      assert.notEqual(sum.isError, true);
      assert.deepEqual(sum.structuredContent, { sum: 42.5 });

      // A wrong argument type is reported (as a tool error or a protocol error), not answered with a sum.
      let bad;
      try {
        bad = await client.callTool({ name: 'add', arguments: { a: 'x', b: 1 } }, undefined, opts);
      } catch (e) {
        assert.ok(e instanceof McpError, String(e));
      }
      if (bad) assert.equal(bad.isError, true, JSON.stringify(bad));
    } finally {
      await closeClient(client);
    }
  });

  test('two clients at once: separate sessions, concurrent calls', { timeout: TEST_MS }, async () => {
    const a = await connectClient(echo.url);
    const b = await connectClient(echo.url);
    try {
      assert.notEqual(a.transport.sessionId, b.transport.sessionId);
      const calls = [];
      for (let i = 0; i < 10; ++i) {
        calls.push(a.client.callTool({ name: 'echo', arguments: { text: `a${i}` } }, undefined, opts));
        calls.push(b.client.callTool({ name: 'add', arguments: { a: i, b: 1000 } }, undefined, opts));
      }
      const results = await Promise.all(calls);
      for (let i = 0; i < 10; ++i) {
        assert.equal(textOf(results[2 * i]), `a${i}`);
        assert.equal(results[2 * i + 1].structuredContent.sum, i + 1000);
      }
    } finally {
      await closeClient(a.client);
      await closeClient(b.client);
    }
  });
});
