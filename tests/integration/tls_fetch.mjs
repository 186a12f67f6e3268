// HTTPS for tests whose CA is made at run time: a fetch (the subset the SDK and the harness use)
// over node:https with that CA, a throw-away PKI from the openssl CLI, and the serial of the
// certificate a new handshake presents. Node 20 reads NODE_EXTRA_CA_CERTS only at start.
import https from 'node:https';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

// `identity`: { cert, key } (PEM) presented as the client certificate (mTLS).
export function tlsFetch(ca, identity = {}) {
  const agent = new https.Agent({ ca, keepAlive: true, ...identity });
  const f = (input, init = {}) => new Promise((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers ?? (input instanceof Request ? input.headers : {})));
    const method = init.method ?? 'GET';
    const req = https.request(url, { method, headers, agent, signal: init.signal ?? undefined });
    req.on('error', reject);
    req.on('response', (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) for (const x of [].concat(v)) h.append(k, x);
      const empty = [204, 205, 304].includes(res.statusCode) || method === 'HEAD';
      if (empty) res.resume();
      const response = new Response(empty ? null : Readable.toWeb(res),
                                    { status: res.statusCode, statusText: res.statusMessage, headers: h });
      Object.defineProperty(response, 'peerSerial', { value: res.socket.getPeerCertificate().serialNumber });
      resolve(response);
    });
    if (init.body != null) req.end(typeof init.body === 'string' ? init.body : Buffer.from(init.body));
    else req.end();
  });
  f.close = () => agent.destroy();
  return f;
}

// The serial (upper-case hex) of the certificate a fresh handshake to 127.0.0.1:port presents.
export function handshakeSerial(port, ca) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.setTimeout(5000, () => s.destroy(new Error('handshake timed out')));
    s.on('error', reject);
  });
}

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

// A CA and leaf certificates for localhost / 127.0.0.1 in a fresh directory.
export function makePki() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-tls-'));
  const p = (name) => path.join(dir, name);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
           '-subj', '/CN=mcpbridge-test-ca', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  return {
    dir,
    path: p,
    ca: readFileSync(p('ca.pem')),
    // <name>.pem / <name>.key, `type` ec or rsa, `serial` hex.
    leaf(name, type, serial) {
      const key = type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      openssl(['req', '-x509', ...key, '-nodes', '-days', '1', '-subj', '/CN=localhost',
               '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:FALSE',
               '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-set_serial', `0x${serial}`,
               '-keyout', p(`${name}.key`), '-out', p(`${name}.pem`)]);
    },
    // <name>.pem / <name>.key: a client certificate (extendedKeyUsage clientAuth) for /CN=<cn>.
    client(name, cn) {
      openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
               '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=clientAuth',
               '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-keyout', p(`${name}.key`), '-out', p(`${name}.pem`)]);
      return { cert: readFileSync(p(`${name}.pem`)), key: readFileSync(p(`${name}.key`)) };
    },
    // Makes <name> the served pair (served.pem / served.key), each file replaced by a rename.
    install(name) {
      copyFileSync(p(`${name}.pem`), p('next.pem'));
      copyFileSync(p(`${name}.key`), p('next.key'));
      renameSync(p('next.pem'), p('served.pem'));
      renameSync(p('next.key'), p('served.key'));
    },
  };
}
