// OAuth with a client ID metadata document, end to end: `mcpbridge serve` with the built-in
// authorization server and the official TypeScript SDK client whose OAuth provider names a
// `clientMetadataUrl`. The document is served over HTTPS by this test from 127.0.0.1 with a
// throwaway CA made by openssl here; the AS is configured to allow that (auth.oauth.
// client_metadata: allow_private + ca_file, for development and tests only). The SDK finds
// `client_id_metadata_document_supported` in our metadata and uses the URL as its client_id (no
// registration); we play the browser on the sign-in page, call a tool, refresh. Negatives: a
// document whose client_id is not its URL, and a redirect_uri the document does not list.
//
//   MCPBRIDGE_BIN=/path/mcpbridge [MCP_TS_SDK_DIR=...] node --test oauth_cimd.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort, installWatchdog, sdkModule, serverBinary, startServer } from './harness.mjs';
import { MemoryProvider, recordingFetch } from './oauth_client.mjs';

const { Client } = await sdkModule('client/index.js');
const { StreamableHTTPClientTransport } = await sdkModule('client/streamableHttp.js');
const { auth, UnauthorizedError } = await sdkModule('client/auth.js');

const bin = serverBinary('MCPBRIDGE_BIN');
const watchdog = installWatchdog('oauth_cimd', 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-cimd-'));
const env = { ...process.env, MCPBRIDGE_STORE: path.join(dir, 'store.db') };
const REDIRECT = 'http://127.0.0.1:9/callback';

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { cwd: dir, env, input, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

// A CA and a server certificate for IP 127.0.0.1, valid for a day.
function makeCertificates() {
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key',
    '-out', 'ca.pem', '-days', '1', '-subj', '/CN=mcpbridge test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key',
    '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, 'leaf.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'leaf.pem', '-days', '1', '-extfile', 'leaf.ext']);
}

let docs;      // https server of the client metadata documents
let docBase;   // https://127.0.0.1:<port>
const fetched = [];  // paths the AS fetched
let server;    // mcpbridge
let mcpUrl;

function documentFor(pathname) {
  const url = `${docBase}${pathname}`;
  const doc = {
    client_id: url,
    client_name: 'CIMD e2e',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  if (pathname === '/clients/mismatch.json') doc.client_id = `${docBase}/clients/someone-else.json`;
  if (pathname === '/clients/other-redirect.json') doc.redirect_uris = ['http://127.0.0.1:9/elsewhere'];
  return doc;
}

// The issuer is derived from the port, so it must be known before the server starts.
before(async () => {
  makeCertificates();
  docs = https.createServer({ key: readFileSync(path.join(dir, 'leaf.key')), cert: readFileSync(path.join(dir, 'leaf.pem')) },
    (req, res) => {
      fetched.push(req.url);
      if (!req.url.startsWith('/clients/')) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documentFor(req.url)));
    });
  await new Promise((resolve) => docs.listen(0, '127.0.0.1', resolve));
  docBase = `https://127.0.0.1:${docs.address().port}`;

  run(bin, ['users', 'add', 'alice', '--team', 'eng', '--password-stdin'], 'correct horse battery\n');
  const config = path.join(dir, 'mcpbridge.yaml');
  writeFileSync(config, [
    'auth:',
    '  mode: oauth',
    '  oauth:',
    '    client_metadata:',
    '      allow_private: true',
    `      ca_file: ${path.join(dir, 'ca.pem')}`,
    '',
  ].join('\n'));
  server = await startServer(bin, ['--config', config], { env, before: ['serve'], port: await freePort() });
  mcpUrl = server.url;
});

after(async () => {
  await server?.stop();
  docs?.close();
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
});

// An in-memory OAuthClientProvider that identifies itself by a metadata document URL.
const UrlClientProvider = (documentUrl, redirect = REDIRECT) =>
  new MemoryProvider({ clientMetadataUrl: documentUrl, redirectUrl: redirect, clientName: 'CIMD e2e', state: 'st-cimd' });

// Starts the flow through the SDK; resolves to the provider and transport once the SDK has sent
// the "browser" to our authorization endpoint.
async function beginFlow(provider, log) {
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch(log) });
  const client = new Client({ name: 'oauth-cimd', version: '1.0.0' });
  await assert.rejects(client.connect(transport), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK was sent to the authorization endpoint');
  return transport;
}

// Plays the browser: reads the sign-in form, posts credentials and consent; the redirect's query.
async function signIn(authorizationUrl) {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  assert.equal(page.status, 200, `the sign-in page answered ${page.status}`);
  const html = await page.text();
  assert.ok(html.includes('CIMD e2e'), 'the page names the client from its metadata document');
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g))
    fields[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const post = await fetch(`${server.base}/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ...fields, username: 'alice', password: 'correct horse battery', action: 'approve' }),
    redirect: 'manual',
  });
  assert.equal(post.status, 302, `sign-in answered ${post.status}: ${await post.text()}`);
  return new URL(post.headers.get('location')).searchParams;
}

describe('oauth: a client ID metadata document with the TypeScript SDK client', () => {
  test('discovery, URL client_id, sign-in, tool call, refresh', async () => {
    const docUrl = `${docBase}/clients/good.json`;
    const provider = UrlClientProvider(docUrl);
    const log = [];
    const meta = await (await fetch(`${server.base}/.well-known/oauth-authorization-server`)).json();
    assert.equal(meta.client_id_metadata_document_supported, true);

    const transport = await beginFlow(provider, log);
    assert.equal(provider.info.client_id, docUrl, 'the SDK uses the document URL as its client_id');
    assert.ok(!log.some((l) => l.includes('/register')), 'no dynamic registration');
    const seen = log.join('\n');
    assert.match(seen, /GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp/);
    assert.match(seen, /GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server/);
    assert.equal(provider.authorizationUrl.searchParams.get('client_id'), docUrl);

    const back = await signIn(provider.authorizationUrl);
    assert.ok(fetched.includes('/clients/good.json'), 'the AS fetched the document over HTTPS');
    assert.equal(back.get('state'), 'st-cimd');
    assert.equal(back.get('iss'), server.base);
    await transport.finishAuth(back.get('code'));
    const tokens = provider.tokens();
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
    assert.equal(claims.client_id, docUrl);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, mcpUrl.href);

    const client = new Client({ name: 'oauth-cimd', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    assert.match(JSON.stringify(await client.callTool({ name: 'echo', arguments: { text: 'cimd' } })), /cimd/);

    // Refresh through the SDK with the URL client_id: a new pair that works.
    assert.equal(await auth(provider, { serverUrl: mcpUrl }), 'AUTHORIZED');
    const refreshed = provider.tokens();
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.match(JSON.stringify(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })), /5/);
    const raw = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
        authorization: `Bearer ${refreshed.access_token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    assert.equal(raw.status, 200);
    await client.close();
  });

  test('a document whose client_id is not its URL is refused', async () => {
    const provider = UrlClientProvider(`${docBase}/clients/mismatch.json`);
    await beginFlow(provider, []);
    const page = await fetch(provider.authorizationUrl, { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.ok((await page.text()).includes(
      'This application is not registered: client metadata client_id does not equal its URL'));
  });

  test('a redirect_uri the document does not list is refused', async () => {
    const provider = UrlClientProvider(`${docBase}/clients/good.json`, 'http://127.0.0.1:9/not-listed');
    await beginFlow(provider, []);
    const page = await fetch(provider.authorizationUrl, { redirect: 'manual' });
    assert.equal(page.status, 400);
    assert.ok((await page.text()).includes(
      'The redirect URI is not registered for this application: http://127.0.0.1:9/not-listed'));
    // And a document listing another redirect URI than the one asked for: the same.
    const other = UrlClientProvider(`${docBase}/clients/other-redirect.json`);
    await beginFlow(other, []);
    const p2 = await fetch(other.authorizationUrl, { redirect: 'manual' });
    assert.equal(p2.status, 400);
    assert.ok((await p2.text()).includes(`The redirect URI is not registered for this application: ${REDIRECT}`));
  });

  test('by default (no client_metadata settings) a loopback document URL is refused before any fetch', async () => {
    const strictDir = mkdtempSync(path.join(os.tmpdir(), 'mcpbridge-cimd-strict-'));
    const strictEnv = { ...env, MCPBRIDGE_STORE: path.join(strictDir, 'store.db'), MCPBRIDGE_AUTH_MODE: 'oauth' };
    const strict = await startServer(bin, [], { env: strictEnv, before: ['serve'], port: await freePort() });
    try {
      const before = fetched.length;
      const q = new URLSearchParams({
        response_type: 'code', client_id: `${docBase}/clients/good.json`, redirect_uri: REDIRECT,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
        resource: strict.url.href, state: 's',
      });
      const page = await fetch(`${strict.base}/authorize?${q}`, { redirect: 'manual' });
      assert.equal(page.status, 400);
      assert.ok((await page.text()).includes('This application is not registered: client ID URL points at a private address'));
      assert.equal(fetched.length, before, 'nothing was fetched');
    } finally {
      await strict.stop();
      rmSync(strictDir, { recursive: true, force: true });
    }
  });
});
