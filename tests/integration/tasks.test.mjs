// Tasks on both wires against one conformance-server: the 2025-11-25 experimental form inside a
// session (params.task, tasks/get, tasks/result, tasks/list, tasks/cancel), and the 2026-07-28
// extension (tasks/get polling, tasks/update feeding inputs, tasks/cancel), with raw HTTP.
//   MCP_CONFORMANCE_SERVER=/path/conformance-server node --test tasks.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { installWatchdog, serverBinary, startServer } from './harness.mjs';

const watchdog = installWatchdog('tasks');
let server;
let url;

before(async () => {
  server = await startServer(serverBinary('MCP_CONFORMANCE_SERVER'));
  url = server.url.href;
});
after(() => server?.stop());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function post(body, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { ...base, ...headers }, body: JSON.stringify(body),
                                 signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let json = null;
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ') || line.length <= 6) continue;
      const m = JSON.parse(line.slice(6));
      if (m.id === body.id) json = m;
    }
  } else if (text) {
    json = JSON.parse(text);
  }
  return { status: res.status, headers: res.headers, json };
}

// --- 2025-11-25: tasks inside a session ---
async function session() {
  const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  assert.ok(init.json.result.capabilities.tasks?.requests?.tools?.call, 'tasks capability declared');
  const sid = init.headers.get('mcp-session-id');
  const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, h)).status, 202);
  let id = 10;
  return (method, params) => post({ jsonrpc: '2.0', id: ++id, method, params }, h);
}

test('2025-11-25: a task-augmented call answers at once, then tasks/result delivers the tool result', async () => {
  const call = await session();
  const created = await call('tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'a' }, task: { ttl: 60000 } });
  const task = created.json.result.task;
  assert.equal(task.status, 'working');
  assert.match(task.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  const got = await call('tasks/get', { taskId: task.taskId });
  assert.equal(got.json.result.taskId, task.taskId);
  const listed = await call('tasks/list', {});
  assert.ok(listed.json.result.tasks.some((t) => t.taskId === task.taskId));
  const result = await call('tasks/result', { taskId: task.taskId });
  assert.match(result.json.result.content[0].text, /Computed a/);
  assert.equal(result.json.result._meta['io.modelcontextprotocol/related-task'].taskId, task.taskId);
  assert.equal((await call('tasks/get', { taskId: task.taskId })).json.result.status, 'completed');
  const late = await call('tasks/cancel', { taskId: task.taskId });
  assert.equal(late.json.error.code, -32602, 'cancelling a finished task is refused');
});

test('2025-11-25: cancel, task support rules, and tasks belong to their session', async () => {
  const call = await session();
  const other = await session();
  const created = await call('tools/call', { name: 'slow_compute', arguments: { seconds: 60 }, task: {} });
  const id = created.json.result.task.taskId;
  assert.equal((await other('tasks/get', { taskId: id })).json.error.code, -32602, 'another session cannot see it');
  const cancelled = await call('tasks/cancel', { taskId: id });
  assert.equal(cancelled.json.result.status, 'cancelled');
  assert.ok((await call('tasks/result', { taskId: id })).json.error, 'a cancelled task has no result');
  assert.equal((await call('tools/call', { name: 'failing_job', arguments: {} })).json.error.code, -32601);
  assert.equal((await call('tools/call', { name: 'greet', arguments: { name: 'x' }, task: {} })).json.error.code, -32601);
});

// --- 2026-07-28: the tasks extension ---
const ext = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };
let nextId = 1000;
function modern(method, params, caps = ext, name) {
  const id = ++nextId;
  const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method };
  if (name !== undefined) headers['mcp-name'] = name;
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28',
                 'io.modelcontextprotocol/clientCapabilities': caps };
  return post({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }, headers);
}
async function poll(taskId, until) {
  for (let i = 0; i < 100; i++) {
    const r = await modern('tasks/get', { taskId }, ext, taskId);
    if (until(r.json.result)) return r.json.result;
    await sleep(100);
  }
  throw new Error(`task ${taskId} never reached the expected state`);
}

test('2026-07-28: a task asks for input through tasks/update and completes', async () => {
  const r = await modern('tools/call', { name: 'confirm_delete', arguments: { filename: 'a.txt' } }, ext, 'confirm_delete');
  assert.equal(r.json.result.resultType, 'task');
  const id = r.json.result.taskId;
  const waiting = await poll(id, (t) => t.status === 'input_required');
  assert.equal(waiting.inputRequests.confirm.method, 'elicitation/create');
  const ack = await modern('tasks/update', { taskId: id, inputResponses: {
    confirm: { action: 'accept', content: { confirm: true } }, stray: { ignored: true } } }, ext, id);
  assert.deepEqual(Object.keys(ack.json.result).filter((k) => k !== '_meta'), ['resultType']);
  const done = await poll(id, (t) => t.status === 'completed');
  assert.match(done.result.content[0].text, /Deleted a\.txt/);
});

test('2026-07-28: gating without the extension, unknown ids, cancellation', async () => {
  const gated = await modern('tasks/get', { taskId: 'x' }, {}, 'x');
  assert.equal(gated.json.error.code, -32021);
  assert.equal(gated.status, 400);
  const required = await modern('tools/call', { name: 'failing_job', arguments: {} }, {}, 'failing_job');
  assert.equal(required.json.error.code, -32021);
  assert.ok(required.json.error.data.requiredCapabilities.extensions['io.modelcontextprotocol/tasks']);
  const sync = await modern('tools/call', { name: 'slow_compute', arguments: { seconds: 0 } }, {}, 'slow_compute');
  assert.equal(sync.json.result.resultType, 'complete');
  assert.equal((await modern('tasks/get', { taskId: 'nope' }, ext, 'nope')).json.error.code, -32602);
  const long = await modern('tools/call', { name: 'slow_compute', arguments: { seconds: 60 } }, ext, 'slow_compute');
  const id = long.json.result.taskId;
  await modern('tasks/cancel', { taskId: id }, ext, id);
  assert.equal((await poll(id, (t) => t.status === 'cancelled')).status, 'cancelled');
});
