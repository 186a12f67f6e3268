// Several replicas on loopback for the integration tests and examples/cluster: a throw-away
// PostgreSQL 15, Redis 7 and nginx (round robin, no stickiness), each on a free 127.0.0.1 port
// in a temporary folder, always stopped. Debian's packages (scripts/install-deps.sh with
// WITH_TEST_TOOLS=1); a missing one is a failure that says so, never a skip.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, killAll, withTimeout } from './harness.mjs';

const PG_BIN = process.env.MCP_PG_BIN || '/usr/lib/postgresql/15/bin';
const HINT = 'run WITH_TEST_TOOLS=1 scripts/install-deps.sh (PostgreSQL 15, Redis 7, nginx)';
const cleanups = [];
process.on('exit', () => { for (const c of cleanups.splice(0)) try { c(); } catch { /* best effort */ } });

function need(file, what) {
  if (!existsSync(file)) throw new Error(`${what} not found at ${file}: ${HINT}`);
}

function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function waitUntil(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// initdb refuses root: as root, everything PostgreSQL runs as Debian's `postgres` user.
function asPostgres(cmd, args, opts = {}) {
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], opts)
                 : spawnSync(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r;
}

// A PostgreSQL cluster with a superuser `mcpbridge` (password auth over TCP). Resolves to
// { uri, port, stop(), start() } — stop/start restart it on the same port and data.
export async function startPostgres({ password = 'pg-' + Math.random().toString(36).slice(2) } = {}) {
  need(path.join(PG_BIN, 'initdb'), 'PostgreSQL 15 (initdb)');
  const dir = tempDir('mcpbridge-pg-');
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, password + '\n');
  if (process.getuid?.() === 0) {
    const pg = spawnSync('id', ['-u', 'postgres']);
    const uid = Number(String(pg.stdout).trim());
    const gid = Number(String(spawnSync('id', ['-g', 'postgres']).stdout).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  asPostgres(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'mcpbridge', `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync'], { encoding: 'utf8' });
  const port = await freePort();
  const ctl = (action) => asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-t', '30',
    '-l', path.join(dir, 'log'),
    '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    ...(action === 'stop' ? ['-m', 'immediate'] : []), action], { encoding: 'utf8' });
  const start = () => ctl('start');
  const stop = () => { try { ctl('stop'); } catch { /* not running */ } };
  start();
  cleanups.push(stop);
  return { uri: `postgresql://mcpbridge:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, password, port,
           start, stop };
}

// A Redis 7 without persistence. { url, port, stop(), start() } (restart on the same port).
export async function startRedis({ password } = {}) {
  need('/usr/bin/redis-server', 'Redis 7 (redis-server)');
  const dir = tempDir('mcpbridge-redis-');
  const port = await freePort();
  let proc;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
                  '--protected-mode', 'no'];
    if (password) args.push('--requirepass', password);
    proc = spawn('/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    const ready = new Promise((resolve, reject) => {
      proc.stdout.on('data', () => { if (/Ready to accept connections/.test(out)) resolve(); });
      proc.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    });
    await withTimeout(ready, 10_000, 'redis-server to start');
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  cleanups.push(() => proc?.kill('SIGKILL'));
  const auth = password ? `:${encodeURIComponent(password)}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}/0`, port, start, stop };
}

// nginx in front of `ports`: plain round robin (no stickiness), streaming (no buffering),
// keep-alive to the replicas; `backup` ports are used only while none of `ports` answers.
// { base, port, stop() }.
export async function startNginx(ports, { mcpPath = '/mcp', backup = [] } = {}) {
  need('/usr/sbin/nginx', 'nginx');
  const dir = tempDir('mcpbridge-nginx-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mcpbridge {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
${backup.map((p) => `    server 127.0.0.1:${p} backup;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcpbridge;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
      # A replica that is gone refuses the connection before anything is sent: try the next one,
      # POST included (a destructive call retried is answered from its idempotency record).
      proxy_next_upstream error timeout http_502 non_idempotent;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc = spawn('/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off; master_process off;'],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr.on('data', (d) => { out += d; });
  proc.on('exit', (code) => { if (code) console.error(`nginx exited (${code}): ${out}`); });
  cleanups.push(() => proc.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      await r.body?.cancel();
      return r.status > 0;  // nginx answers (a 502 while no replica is up is fine)
    } catch { return false; }
  }, 10_000, `nginx on ${base}; ${out}`);
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await withTimeout(gone, 5000, 'nginx exit').catch(() => proc.kill('SIGKILL'));
  };
  return { base, url: new URL(`${base}${mcpPath}`), port, conf: path.join(dir, 'nginx.conf'), stop };
}

// A replica's counter from its own /metrics (to see that requests landed on every replica).
export async function metric(base, name) {
  const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) });
  const text = await r.text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function stopEverything() {
  killAll('SIGKILL');
  for (const c of cleanups.splice(0)) try { c(); } catch { /* best effort */ }
}
