// What every integration test needs: the pinned TypeScript SDK, server binaries named by ctest,
// bounded waits, and server processes that are always killed (SIGTERM, then SIGKILL; a watchdog
// below the ctest TIMEOUT; and on exit whatever happened).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const sdkDir = process.env.MCP_TS_SDK_DIR ||
  path.join(repoRoot, 'tools', 'sdk', 'node_modules', '@modelcontextprotocol', 'sdk');
const HINT = 'run scripts/install-test-tools.sh (it installs the pinned TypeScript SDK into tools/sdk)';

export const STARTUP_MS = 15_000;

// ESM ignores NODE_PATH: the SDK is imported from absolute file URLs. A missing SDK is a failure,
// never a skip, so that a CI without the tools cannot pass silently.
export function sdkModule(rel) {
  const file = path.join(sdkDir, 'dist', 'esm', rel);
  if (!existsSync(file)) throw new Error(`TypeScript MCP SDK not found (${file} is missing): ${HINT}`);
  return import(pathToFileURL(file).href);
}

export function serverBinary(envVar) {
  const p = process.env[envVar];
  if (!p) throw new Error(`${envVar} is not set: it must name the server binary (ctest sets it)`);
  if (!existsSync(p)) throw new Error(`${envVar}=${p} does not exist: build it first`);
  return p;
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A port free on 127.0.0.1 right now (for a peer that must be told its port before it starts).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const children = new Set();
export function killAll(signal) {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try { c.kill(signal); } catch { /* already gone */ }
    }
  }
}
process.on('exit', () => killAll('SIGKILL'));

// Ends the process (and its servers) after `ms`: keep it below the test's ctest TIMEOUT.
// Returns the timer (clearTimeout it once the tests are done).
export function installWatchdog(name, ms = 105_000) {
  const watchdog = setTimeout(() => {
    console.error(`${name}: watchdog fired after ${ms} ms; killing the servers`);
    killAll('SIGKILL');
    process.exit(1);
  }, ms);
  watchdog.unref();
  return watchdog;
}

// Starts `binary --host 127.0.0.1 --port 0 ...args` and resolves to { url, proc, output(), stop() }
// once it answers /healthz. The port is read from its startup log line ("MCP endpoint http://127.0.0.1:N/...",
// or https://: then `fetch` must trust its certificate, e.g. tls_fetch.mjs).
// A server that dies before stop() is reported with its output (later requests would only say
// "fetch failed").
// `before`: arguments ahead of the flags (a subcommand); `port`: a fixed port (a restart).
export async function startServer(binary, args = [],
                                  { env, endpoint = '/mcp', before = [], port: fixed = 0, fetch: get = fetch } = {}) {
  env = { ...(env ?? process.env) };
  // `mcpbridge serve` keeps an SQLite store: a throwaway one unless the test chose (env or config).
  let storeDir;
  if (before[0] === 'serve' && !env.MCPBRIDGE_STORE && !env.MCPBRIDGE_CONFIG && !args.includes('--config')) {
    storeDir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-store-'));
    env.MCPBRIDGE_STORE = path.join(storeDir, 'mcpbridge.db');
  }
  const proc = spawn(binary, [...before, '--host', '127.0.0.1', '--port', String(fixed), ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'], env });
  if (storeDir) proc.on('exit', () => rmSync(storeDir, { recursive: true, force: true }));
  children.add(proc);
  let out = '';
  const output = () => out;
  const portFound = new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d.toString();
      // The listener's own line: other lines may name other servers' URLs first (a gateway
      // logs its upstreams' URLs from another thread).
      const m = /MCP endpoint (https?):\/\/127\.0\.0\.1:(\d+)\//.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m && Number(m[2]) > 0) resolve({ scheme: m[1], port: Number(m[2]) });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', reject);
    proc.on('exit', (code, sig) => reject(new Error(`${binary} exited early (code ${code}, signal ${sig}):\n${out}`)));
  });
  let stopping = false;
  const stop = () => { stopping = true; return stopServer(proc); };
  proc.on('exit', (code, sig) => {
    if (!stopping) console.error(`${path.basename(binary)} died (code ${code}, signal ${sig}); its output:\n${out}`);
  });
  try {
    const { scheme, port } = await withTimeout(portFound, STARTUP_MS, `${binary} to announce its port; output:\n${out}`);
    const base = `${scheme}://127.0.0.1:${port}`;
    // It announced the port; now wait until it actually answers HTTP.
    const deadline = Date.now() + STARTUP_MS;
    for (;;) {
      try {
        const r = await get(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
        await r.body?.cancel();
        if (r.ok) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`${binary} does not answer on ${base}/healthz`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { url: new URL(`${base}${endpoint}`), base, port, proc, output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function stopServer(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  try {
    await withTimeout(exited, 5000, 'server exit after SIGTERM');
  } catch {
    proc.kill('SIGKILL');
    await withTimeout(exited, 5000, 'server exit after SIGKILL').catch(() => {});
  }
}
