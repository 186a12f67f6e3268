// The validating-mock check (issue 14): every operation of the corpus specs (GitHub and
// Kubernetes sampled, see SPECS) is called through `mcpbridge serve` with arguments generated
// from the tool's own inputSchema (full, required-only, edge values), against a Prism mock of
// that spec (`prism mock --errors`, pinned in tools/prism). Every request Prism rejects for its
// shape must be listed in prism_allowlist.json with Prism's error and why it is the mock's
// defect; the counts per spec are printed (docs/openapi.md reports them).
//   MCPBRIDGE_BIN=... MCP_TS_SDK_DIR=... MCP_OPENAPI_CORPORA=... MCP_PRISM=... node --test prism_mock.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { freePort, installWatchdog, sdkModule, serverBinary, startServer, waitFor } from '../integration/harness.mjs';
import { argumentSets } from './schema_args.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { AjvJsonSchemaValidator } = await sdkModule('validation/ajv-provider.js');

const BIN = serverBinary('MCPBRIDGE_BIN');
const corpora = process.env.MCP_OPENAPI_CORPORA ?? '';
const prism = process.env.MCP_PRISM ?? '';
const watchdog = installWatchdog('prism_mock.test.mjs', 230_000);
const here = import.meta.dirname;
const oas = 'oas-examples/node_modules/@readme/oas-examples';
const twilio = 'twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json';

// [label, file, every]: `every` > 1 calls every n-th operation (by tool name, deterministic),
// to keep the run within about three minutes on two cores.
const SPECS = [
  ['deep-forms (tests/openapi/fixtures)', path.join(here, 'fixtures/deep_forms.yaml'), 1],
  ['boolean-schemas (tests/openapi/fixtures)', path.join(here, 'fixtures/boolean_schemas.json'), 1],
  ...['complex-nesting', 'file-uploads', 'form-data', 'parameters-style', 'parameters-extreme', 'parameters-common',
    'petstore', 'schema-additional-properties', 'schema-encoding-style', 'schema-types', 'schema-validation',
    'request-examples'].map((n) => [`oas-examples 3.0 ${n}`, path.join(corpora, oas, `3.0/json/${n}.json`), 1]),
  ...['schema-types', 'schema-encoding-style', 'train-travel']  // 3.1 parameters-style: 3.0's operations
    .map((n) => [`oas-examples 3.1 ${n}`, path.join(corpora, oas, `3.1/json/${n}.json`), 1]),
  ['Twilio API v2010 (form bodies)', path.join(corpora, twilio, 'twilio_api_v2010.json'), 3],
  ['Twilio Messaging v1', path.join(corpora, twilio, 'twilio_messaging_v1.json'), 2],
  ['GitHub (api.github.com)', path.join(corpora, 'octokit/node_modules/@octokit/openapi/generated/api.github.com.json'), 16],
  ['Kubernetes 1.13', path.join(corpora, 'kubernetes/node_modules/kubernetes-client/lib/specs/swagger-1.13.json.gz'), 16],
];
const allow = JSON.parse(readFileSync(path.join(here, 'prism_allowlist.json'), 'utf8'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-prism-'));
const children = [];
let proxy;
after(() => {
  for (const c of children) c.kill('SIGKILL');
  proxy?.close();
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

// The spec as Prism gets it: security requirements removed (the shape is under test, not the
// credential; mcpbridge gets the same copy, so it sends none).
function prepare(file, i) {
  let text = readFileSync(file);
  if (file.endsWith('.gz')) text = zlib.gunzipSync(text);
  text = text.toString();
  if (file.endsWith('.yaml')) {
    const out = path.join(dir, `spec${i}.yaml`);
    writeFileSync(out, text);
    return out;
  }
  const doc = JSON.parse(text);
  delete doc.security;
  for (const item of Object.values(doc.paths ?? {}))
    for (const op of Object.values(item ?? {})) if (op && typeof op === 'object') delete op.security;
  const out = path.join(dir, `spec${i}.json`);
  writeFileSync(out, JSON.stringify(doc));
  return out;
}

const prismLogs = [];
function startPrism(spec, i) {
  const child = spawn(process.execPath, [prism, 'mock', '--errors', '-h', '127.0.0.1', '-p', String(prismPorts[i]), spec],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  prismLogs[i] = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism did not start on ${spec}: ${prismLogs[i].slice(-500)}`)), 150_000);
    const seen = (d) => {
      prismLogs[i] = (prismLogs[i] + d).slice(-20_000);
      if (prismLogs[i].includes('Prism is listening')) clearTimeout(timer), resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`prism exited (${code}) on ${spec}: ${prismLogs[i].slice(-500)}`)));
  });
}

// Prism's own crash on a request (it exits): its error line, for the allow-list.
function crashOf(i) {
  const m = /\n(\w*Error: [^\n]*)\n\s+at ([^\n]*)/.exec(prismLogs[i] ?? '');
  return m ? `PRISM_CRASHED ${m[1]} at ${m[2].replace(/^.*node_modules\//, '')}` : 'PRISM_CRASHED';
}

// The last response Prism gave, per spec: mcpbridge -> proxy (/s<i>/...) -> Prism i.
const prismPorts = [];
const last = {};
function startProxy(port) {
  proxy = http.createServer((req, res) => {
    const m = /^\/s(\d+)(\/.*)$/.exec(req.url);
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const i = Number(m?.[1]);
      const up = http.request({ host: '127.0.0.1', port: prismPorts[i], method: req.method, path: m?.[2] ?? '/',
        headers: { ...req.headers, host: `127.0.0.1:${prismPorts[i]}` } }, (r) => {
        const body = [];
        r.on('data', (d) => body.push(d));
        r.on('end', () => {
          const text = Buffer.concat(body).toString();
          last[i] = { method: req.method, url: m?.[2], status: r.statusCode, text, sent: Buffer.concat(chunks).toString(),
            type: String(req.headers['content-type'] ?? '').split(';')[0] };
          res.writeHead(r.statusCode, r.headers);
          res.end(text);
        });
      });
      up.on('error', (e) => {
        last[i] = { method: req.method, url: m?.[2], status: 0, text: String(e), sent: Buffer.concat(chunks).toString() };
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((r) => proxy.listen(port, '127.0.0.1', r));
}

// A rejection for shape: Prism's own error answer about the request (not about its responses).
function rejection(r) {
  if (!r || ![400, 404, 405, 415, 422].includes(r.status)) return null;
  let p;
  try { p = JSON.parse(r.text); } catch { return null; }
  if (!String(p.type ?? '').includes('prism/errors')) return null;
  const details = (p.validation ?? []).map((v) => `${(v.location ?? []).join('.')}: ${v.message}`);
  return `${String(p.type).split('#')[1]}${details.length ? ' ' + details.join('; ') : ` ${p.detail ?? ''}`}`;
}

// An entry: {spec (label prefix or *), tool (a regular expression, optional), contentType (of
// the request, optional), error (a substring of Prism's answer), reason}.
function allowed(label, tool, got, error) {
  return allow.find((a) => (a.spec === '*' || label.startsWith(a.spec)) && (!a.tool || new RegExp(a.tool).test(tool)) &&
    (!a.contentType || a.contentType === got.type) && error.includes(a.error));
}

test('every request sent to the validating mock has the shape its spec asks', { timeout: 225_000 }, async () => {
  assert.ok(prism && existsSync(prism), `Prism is missing (${prism}): run scripts/install-test-tools.sh`);
  const only = new RegExp(process.env.MCP_PRISM_ONLY ?? '');  // a subset while debugging
  const specs = SPECS.filter(([l, f]) => existsSync(f) && only.test(l));
  assert.equal(specs.length, SPECS.filter(([l]) => only.test(l)).length,
    `corpus missing: run scripts/install-test-tools.sh (${corpora})`);
  const proxyPort = await freePort();
  await startProxy(proxyPort);
  const files = specs.map(([, f], i) => prepare(f, i));
  for (let i = 0; i < files.length; ++i) prismPorts.push(await freePort());
  // Prism loads slowly (seconds a spec): all of them at once, two at a time.
  // Two lanes: the big specs (GitHub, Kubernetes: the last two) load while the small ones are
  // loaded and called.
  const lane = async (ids) => { for (const i of ids) await startPrism(files[i], i); };
  const ids = files.map((_, i) => i);
  const big = ids.filter((i) => specs[i][2] > 1 && /GitHub|Kubernetes/.test(specs[i][0]));
  let loadError;
  Promise.all([lane(big), lane(ids.filter((i) => !big.includes(i)))]).catch((e) => { loadError = e; });

  const config = ['tools: {builtin: false}', `store: {path: ${path.join(dir, 'db.sqlite')}}`,
    'gateway: {idempotency: false, per_principal: {per_second: 100000, burst: 100000}, all_calls: {per_second: 100000, burst: 100000}}',
    'openapi:',
    ...files.map((f, i) => `  - {name: s${i}, prefix: s${i}_, spec: ${f}, base_url: "http://127.0.0.1:${proxyPort}/s${i}", retries: 0, output_schema: false}`)];
  writeFileSync(path.join(dir, 'config.yaml'), config.join('\n') + '\n');
  const mcp = await startServer(BIN, ['-c', path.join(dir, 'config.yaml')],
    { before: ['serve'], env: { ...process.env, MCPBRIDGE_AUTH_MODE: 'none' } });
  const client = new Client({ name: 'prism-check', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(mcp.url));
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const validator = new AjvJsonSchemaValidator();
    const warn = console.warn;
    const report = [];
    const unexplained = [];
    const refusals = [];
    const crashed = new Set();
    for (let i = 0; i < specs.length; ++i) {
      const [label, , every] = specs[i];
      const started = Date.now();
      await waitFor(() => loadError || prismLogs[i]?.includes('Prism is listening'), 200_000, `prism for ${label}`);
      if (loadError) throw loadError;
      const mine = tools.filter((t) => t.name.startsWith(`s${i}_`)).sort((a, b) => a.name.localeCompare(b.name))
        .filter((_, k) => k % every === 0);
      const c = { operations: mine.length, calls: 0, sent: 0, refused: 0, rejected: 0, allowed: 0, invalidArgs: 0, afterCrash: 0 };
      for (const tool of mine) {
        console.warn = () => {};
        const check = validator.getValidator(tool.inputSchema);
        console.warn = warn;
        for (const args of argumentSets(tool.inputSchema)) {
          if (crashed.has(tool.name)) { ++c.afterCrash; continue; }  // each Prism restart costs seconds
          if (!check(args).valid) {  // the generator's miss, not sent
            ++c.invalidArgs;
            if (process.env.MCP_PRISM_REPORT) refusals.push(`GEN ${tool.name} ${JSON.stringify(args).slice(0, 300)}`);
            continue;
          }
          delete last[i];
          ++c.calls;
          const r = await client.callTool({ name: tool.name, arguments: args });
          const got = last[i];
          if (!got) {  // refused before sending (a tool error)
            ++c.refused;
            refusals.push(`${tool.name} ${JSON.stringify(args).slice(0, 200)}: ${JSON.stringify(r.content).slice(0, 300)}`);
            continue;
          }
          ++c.sent;
          let why = rejection(got);
          if (got.status === 0) {  // Prism died on this request: counted, then restarted
            await new Promise((r) => setTimeout(r, 200));
            why = crashOf(i);
            crashed.add(tool.name);
            await startPrism(files[i], i);
          }
          if (!why) continue;
          ++c.rejected;
          if (allowed(label, tool.name.slice(`s${i}_`.length), got, why)) { ++c.allowed; continue; }
          unexplained.push(`${label} ${tool.name} ${got.method} ${got.url} (${got.type})\n    args ${JSON.stringify(args).slice(0, 300)}` +
            `\n    sent ${got.sent.slice(0, 300)}\n    prism: ${why.slice(0, 400)}${r.isError ? '' : ''}`);
        }
      }
      report.push(`${label}: ${c.operations} operations, ${c.calls} calls, ${c.sent} sent, ${c.refused} refused ` +
        `before sending, ${c.rejected} rejected by Prism (${c.allowed} allow-listed), ${c.invalidArgs} generated sets ` +
        `outside the schema skipped, ${c.afterCrash} not sent after Prism crashed on the operation, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.ok(c.sent > 0, `${label}: nothing reached the mock`);
    }
    console.log(report.join('\n'));
    if (process.env.MCP_PRISM_REPORT) writeFileSync(process.env.MCP_PRISM_REPORT, [...report, ...unexplained, ...refusals].join('\n'));
    assert.deepEqual(unexplained.slice(0, 15), [], `${unexplained.length} requests rejected by the mock:\n` +
      unexplained.slice(0, 15).join('\n'));
  } finally {
    await client.close().catch(() => {});
    await mcp.stop();
  }
});
