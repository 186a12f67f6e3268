// What the OAuth tests' client side shares: an in-memory OAuthClientProvider for the TypeScript
// SDK (the "browser" is wherever the test sends `authorizationUrl`), and a fetch that records
// every request the SDK makes.

export class MemoryProvider {
  // preregistered: client information known in advance ({client_id, client_secret});
  // clientMetadataUrl: identify by a client ID metadata document instead of registering.
  constructor({ preregistered, redirectUrl = 'http://127.0.0.1:9/callback', clientName = 'oauth e2e',
                clientMetadataUrl, state } = {}) {
    this.info = preregistered;
    this.redirect = redirectUrl;
    this.name = clientName;
    this.documentUrl = clientMetadataUrl;
    this.stateValue = state ?? `st-${Math.random().toString(36).slice(2)}`;
    this.saved = undefined;
    this.verifier = undefined;
    this.authorizationUrl = undefined;
  }
  get redirectUrl() { return this.redirect; }
  get clientMetadataUrl() { return this.documentUrl; }
  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.info?.client_secret ? 'client_secret_basic' : 'none',
    };
  }
  state() { return this.stateValue; }
  clientInformation() { return this.info; }
  saveClientInformation(i) { this.info = i; }
  tokens() { return this.saved; }
  saveTokens(t) { this.saved = t; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'client') this.info = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
  }
}

// A fetch that logs "METHOD URL" of every request into `log`.
export function recordingFetch(log) {
  return (input, init) => {
    log.push(`${init?.method ?? 'GET'} ${input instanceof Request ? input.url : String(input)}`);
    return fetch(input, init);
  };
}
