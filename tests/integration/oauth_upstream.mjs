// An OAuth-protected upstream MCP server built on the TypeScript SDK, for connections_oauth:
// the SDK's authorization-server router (mcpAuthRouter: metadata, DCR, authorize, token,
// revoke) with an in-memory provider like the SDK's demo, except that its authorize step asks
// who is signing in (a one-field form, as a login page would), tokens expire after TOKEN_TTL
// seconds and refresh tokens rotate; and a resource server (protected-resource metadata,
// requireBearerAuth) whose tool `whoami` names the user behind the token.
// Test hooks on the authorization server: GET /stats, POST /forget-clients.
//
//   TOKEN_TTL=3 node oauth_upstream.mjs     → prints "UPSTREAM mcp=<url> as=<issuer>"
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot, sdkModule } from './harness.mjs';

// express comes with the SDK (its dependency), from the SDK's own node_modules tree.
const sdkDir = process.env.MCP_TS_SDK_DIR || path.join(repoRoot, 'tools', 'sdk', 'node_modules', '@modelcontextprotocol', 'sdk');
const express = createRequire(path.join(sdkDir, 'package.json'))('express');

const { McpServer } = await sdkModule('server/mcp.js');
const { StreamableHTTPServerTransport } = await sdkModule('server/streamableHttp.js');
const { mcpAuthRouter, mcpAuthMetadataRouter, getOAuthProtectedResourceMetadataUrl } = await sdkModule('server/auth/router.js');
const { requireBearerAuth } = await sdkModule('server/auth/middleware/bearerAuth.js');
const { InvalidGrantError, InvalidTokenError } = await sdkModule('server/auth/errors.js');

const TOKEN_TTL = Number(process.env.TOKEN_TTL || 3600);
const stats = { registrations: 0, logins: [], refreshes: 0, revocations: 0 };

class Clients {
  constructor() { this.clients = new Map(); }
  async getClient(id) { return this.clients.get(id); }
  async registerClient(client) {
    stats.registrations += 1;
    this.clients.set(client.client_id, client);
    return client;
  }
}

class Provider {
  constructor(issuer) {
    this.issuer = issuer;
    this.clientsStore = new Clients();
    this.pending = new Map();  // login form id → { client, params }
    this.codes = new Map();    // code → { client, params, user }
    this.tokens = new Map();   // access token → { user, clientId, scopes, expiresAt, resource }
    this.refresh = new Map();  // refresh token → { user, clientId, scopes, resource }
  }

  // The SDK has checked client, redirect_uri and PKCE; who signs in is asked here.
  async authorize(client, params, res) {
    const id = randomUUID();
    this.pending.set(id, { client, params });
    res.type('html').send(`<!doctype html><form method="post" action="/login">
      <input type="hidden" name="request" value="${id}"><label>User <input name="user"></label>
      <button>Sign in</button></form>`);
  }

  login(id, user, res) {
    const p = this.pending.get(id);
    if (!p || !/^[a-z]+$/.test(user || '')) return res.status(400).send('bad login');
    this.pending.delete(id);
    const code = randomUUID();
    this.codes.set(code, { ...p, user });
    stats.logins.push(user);
    const to = new URL(p.params.redirectUri);
    to.searchParams.set('code', code);
    if (p.params.state !== undefined) to.searchParams.set('state', p.params.state);
    to.searchParams.set('iss', this.issuer);  // RFC 9207
    res.redirect(302, to.href);
  }

  async challengeForAuthorizationCode(_client, code) {
    const c = this.codes.get(code);
    if (!c) throw new InvalidGrantError('unknown code');
    return c.params.codeChallenge;
  }

  issue(user, clientId, scopes, resource) {
    const access = randomUUID();
    const refresh = randomUUID();
    this.tokens.set(access, { user, clientId, scopes, resource, expiresAt: Date.now() + TOKEN_TTL * 1000 });
    this.refresh.set(refresh, { user, clientId, scopes, resource });
    return { access_token: access, token_type: 'bearer', expires_in: TOKEN_TTL, refresh_token: refresh, scope: scopes.join(' ') };
  }

  async exchangeAuthorizationCode(client, code) {
    const c = this.codes.get(code);
    if (!c || c.client.client_id !== client.client_id) throw new InvalidGrantError('code not issued to this client');
    this.codes.delete(code);
    return this.issue(c.user, client.client_id, c.params.scopes || [], c.params.resource?.href);
  }

  async exchangeRefreshToken(client, refreshToken) {
    const r = this.refresh.get(refreshToken);
    if (!r || r.clientId !== client.client_id) throw new InvalidGrantError('unknown refresh token');
    this.refresh.delete(refreshToken);  // rotated
    stats.refreshes += 1;
    return this.issue(r.user, r.clientId, r.scopes, r.resource);
  }

  async verifyAccessToken(token) {
    const t = this.tokens.get(token);
    if (!t || t.expiresAt < Date.now()) throw new InvalidTokenError('invalid or expired token');
    return { token, clientId: t.clientId, scopes: t.scopes, expiresAt: Math.floor(t.expiresAt / 1000),
             extra: { user: t.user } };
  }

  async revokeToken(_client, { token }) {
    if (this.tokens.delete(token) || this.refresh.delete(token)) stats.revocations += 1;
  }
}

function listen(app) {
  return new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

// The authorization server.
const asApp = express();
const asServer = await listen(asApp);
const issuer = new URL(`http://127.0.0.1:${asServer.address().port}/`);
const provider = new Provider(issuer.href);
asApp.post('/login', express.urlencoded({ extended: false }), (req, res) => provider.login(req.body.request, req.body.user, res));
asApp.get('/stats', (_req, res) => res.json(stats));
asApp.post('/forget-clients', (_req, res) => { provider.clientsStore.clients.clear(); res.json({ ok: true }); });
asApp.use(mcpAuthRouter({ provider, issuerUrl: issuer, scopesSupported: ['mcp:tools'] }));
const oauthMetadata = await (await fetch(new URL('/.well-known/oauth-authorization-server', issuer))).json();

// The MCP server (resource server).
const mcpApp = express();
mcpApp.use(express.json());
const mcpServer = await listen(mcpApp);
const mcpUrl = new URL(`http://127.0.0.1:${mcpServer.address().port}/mcp`);
mcpApp.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: mcpUrl, scopesSupported: ['mcp:tools'] }));
const bearer = requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl) });

function makeServer() {
  const server = new McpServer({ name: 'oauth-upstream', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the upstream sees', inputSchema: {} }, async (_args, extra) => {
    const user = extra.authInfo?.extra?.user ?? 'nobody';
    return { content: [{ type: 'text', text: user }], structuredContent: { user, client: extra.authInfo?.clientId } };
  });
  return server;
}

// Stateless: a server and transport per request.
mcpApp.all('/mcp', bearer, async (req, res) => {
  if (req.method !== 'POST') return res.status(405).set('allow', 'POST').end();
  const server = makeServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

console.log(`UPSTREAM mcp=${mcpUrl.href} as=${issuer.href}`);
process.on('SIGTERM', () => process.exit(0));
