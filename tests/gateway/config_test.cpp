#include <mcp/config/config.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using mcp::config::Config;

TEST(Config, DefaultsAreLoopbackAndSafe) {
  Config c;
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.path, "/mcp");
}

TEST(Config, YamlThenEnvOverride) {
  Config c;
  mcp::config::apply_yaml(c, "server:\n  port: 9000\n  threads: 2\n  allowed_origins: [https://app.example.com]\n"
                           "sessions:\n  max: 5\nlog:\n  level: debug\n");
  EXPECT_EQ(c.http.port, 9000);
  EXPECT_EQ(c.http.threads, 2u);
  EXPECT_EQ(c.http.max_sessions, 5u);
  ASSERT_EQ(c.http.allowed_origins.size(), 1u);
  EXPECT_EQ(c.log_level, "debug");
  mcp::config::apply_env(c, {{"MCPBRIDGE_PORT", "9100"}, {"MCPBRIDGE_ALLOWED_HOSTS", "a.example,b.example:8443"}});
  EXPECT_EQ(c.http.port, 9100);
  ASSERT_EQ(c.http.allowed_hosts.size(), 2u);
  EXPECT_EQ(c.http.allowed_hosts[1], "b.example:8443");
}

TEST(Config, ErrorsNameTheKey) {
  Config c;
  auto message = [&](const std::string& yaml) {
    try {
      mcp::config::apply_yaml(c, yaml);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("server:\n  prot: 1\n").find("server.prot: unknown key; did you mean server.port?"),
            std::string::npos);
  EXPECT_NE(message("auth:\n  method: [oauth]\n").find("did you mean auth.methods?"), std::string::npos);
  EXPECT_NE(message("sever:\n  port: 1\n").find("sever: unknown key; did you mean server?"), std::string::npos);
  EXPECT_EQ(message("server:\n  zzzzzz: 1\n").find("did you mean"), std::string::npos);  // nothing near
  EXPECT_NE(message("server:\n  port: 70000\n").find("server.port"), std::string::npos);
  EXPECT_NE(message("server:\n  path: mcp\n").find("server.path"), std::string::npos);
  EXPECT_NE(message("log:\n  level: loud\n").find("log.level"), std::string::npos);
  EXPECT_NE(message("server: [1, 2\n").find("not valid YAML"), std::string::npos);
  EXPECT_THROW(mcp::config::apply_env(c, {{"MCPBRIDGE_PORT", "80x"}}), std::runtime_error);
}

TEST(Config, ProtocolAndCache) {
  Config c;
  mcp::config::apply_yaml(c, "protocol:\n  legacy_sessions: false\ncache:\n  list_ttl_ms: 5000\n  list_scope: public\n");
  EXPECT_FALSE(c.http.legacy_sessions);
  EXPECT_EQ(c.server.list_ttl_ms, 5000);
  EXPECT_EQ(c.server.list_cache_scope, "public");
  EXPECT_THROW(mcp::config::apply_yaml(c, "cache:\n  read_scope: shared\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_env(c, {{"MCPBRIDGE_REQUEST_STATE_KEY", "c2hvcnQ="}}), std::runtime_error);
  mcp::config::apply_env(c, {{"MCPBRIDGE_REQUEST_STATE_KEY", std::string(43, 'A') + "="}});
  EXPECT_EQ(c.http.request_state_key.size(), 32u);
  EXPECT_EQ(mcp::config::to_yaml(c).find("request_state_key"), std::string::npos);  // secrets are not printed
}

TEST(Config, SessionSharesReplayBudgetsAndBatchLength) {
  Config c;
  EXPECT_EQ(c.http.max_sessions_per_principal, 0u);  // max(1, max / 10)
  EXPECT_EQ(c.http.max_batch, 100u);
  mcp::config::apply_yaml(c, "sessions:\n  max_per_principal: 7\n  replay_bytes_per_session: 1000\n"
                           "  replay_bytes_total: 50000\nlimits:\n  max_batch: 10\n");
  EXPECT_EQ(c.http.max_sessions_per_principal, 7u);
  EXPECT_EQ(c.http.replay_bytes_per_session, 1000u);
  EXPECT_EQ(c.http.replay_bytes_total, 50000u);
  EXPECT_EQ(c.http.max_batch, 10u);
  mcp::config::apply_env(c, {{"MCPBRIDGE_MAX_SESSIONS_PER_PRINCIPAL", "3"},
                           {"MCPBRIDGE_REPLAY_BYTES_PER_SESSION", "2000"},
                           {"MCPBRIDGE_REPLAY_BYTES_TOTAL", "90000"},
                           {"MCPBRIDGE_MAX_BATCH", "4"}});
  EXPECT_EQ(c.http.max_sessions_per_principal, 3u);
  EXPECT_EQ(c.http.replay_bytes_per_session, 2000u);
  EXPECT_EQ(c.http.replay_bytes_total, 90000u);
  EXPECT_EQ(c.http.max_batch, 4u);
  auto printed = mcp::config::to_yaml(c);
  for (const char* k : {"max_per_principal: 3", "replay_bytes_per_session: 2000", "replay_bytes_total: 90000",
                        "max_batch: 4"})
    EXPECT_NE(printed.find(k), std::string::npos) << k << "\n" << printed;
}

TEST(Config, ClusterRedisUrlAndReplicaIdWithThePasswordNeverPrinted) {
  mcp::config::Config c;
  EXPECT_TRUE(c.redis_url.empty());  // one process unless told otherwise
  EXPECT_EQ(mcp::config::to_yaml(c).find("cluster"), std::string::npos);
  mcp::config::apply_yaml(c, "cluster:\n  redis_url: redis://:s3cret@10.0.0.5:6379/2\n  replica_id: r1\n");
  EXPECT_EQ(c.redis_url, "redis://:s3cret@10.0.0.5:6379/2");
  EXPECT_EQ(c.replica_id, "r1");
  mcp::config::apply_env(c, {{"MCPBRIDGE_REDIS_URL", "redis://app:hunter2@redis:6380/0"}, {"MCPBRIDGE_REPLICA_ID", "r2"}});
  EXPECT_EQ(c.redis_url, "redis://app:hunter2@redis:6380/0");
  EXPECT_EQ(c.replica_id, "r2");
  auto printed = mcp::config::to_yaml(c);
  EXPECT_EQ(printed.find("hunter2"), std::string::npos) << printed;
  EXPECT_NE(printed.find("redis://app:***@redis:6380/0"), std::string::npos) << printed;
  EXPECT_EQ(mcp::config::redact_url_password("redis://redis:6379"), "redis://redis:6379");
  EXPECT_EQ(mcp::config::redact_url_password("redis://user@redis:6379"), "redis://user@redis:6379");
  EXPECT_THROW(mcp::config::apply_yaml(c, "cluster:\n  redis: x\n"), std::runtime_error);
}

TEST(Config, RoundTripsThroughYaml) {
  Config a;
  mcp::config::apply_yaml(a, "server:\n  port: 1234\nsse:\n  always: true\n");
  Config b;
  mcp::config::apply_yaml(b, mcp::config::to_yaml(a));
  EXPECT_EQ(b.http.port, 1234);
  EXPECT_TRUE(b.http.always_sse);
  EXPECT_EQ(mcp::config::to_yaml(a), mcp::config::to_yaml(b));
}

TEST(Config, OpenApiSources) {
  Config c;
  mcp::config::apply_yaml(c, R"(
openapi:
  - name: petstore
    spec: specs/petstore.yaml
    prefix: pets_
    base_url: http://127.0.0.1:9000/v2
    server_variables: {region: eu}
    include: {tags: [pets], methods: [GET, POST]}
    credentials: {type: api_key, name: X-API-Key, in: header, env: PETSTORE_KEY}
    timeout_ms: 5000
    retries: 4
    poll: {interval_ms: 250, max_polls: 10}
    limits: {per_principal: {per_second: 5, burst: 10}, cache_ttl_s: 30}
  - name: github
    spec: https://example.com/github.json
    catalogue: true
    credentials: {type: bearer, per_user: true}
gateway: {idempotency_ttl_s: 3600, cache_max_entries: 50}
vault: {key_file: /run/secrets/vault.key}
)");
  ASSERT_EQ(c.openapi.size(), 2u);
  auto& p = c.openapi[0];
  EXPECT_EQ(p.upstream.name, "petstore");
  EXPECT_EQ(p.prefix, "pets_");
  EXPECT_EQ(p.upstream.base_url, "http://127.0.0.1:9000/v2");
  EXPECT_EQ(p.upstream.server_variables.at("region"), "eu");
  EXPECT_EQ(p.include.at("methods").size(), 2u);
  EXPECT_EQ(p.upstream.credential.kind, mcp::openapi::Credential::Kind::api_key);
  EXPECT_EQ(p.upstream.credential.name, "X-API-Key");
  EXPECT_EQ(p.secret_env, "PETSTORE_KEY");
  EXPECT_EQ(p.upstream.timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(p.upstream.max_attempts, 5);
  EXPECT_EQ(p.upstream.max_polls, 10);
  EXPECT_EQ(c.gateway.upstreams.at("petstore").per_principal.burst, 10);
  EXPECT_EQ(c.gateway.upstreams.at("petstore").cache_ttl, std::chrono::seconds(30));
  EXPECT_TRUE(c.openapi[1].catalogue);
  EXPECT_TRUE(c.openapi[1].upstream.credential.per_user);
  EXPECT_EQ(c.gateway.idempotency_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(c.gateway.cache_max_entries, 50u);
  EXPECT_EQ(c.vault_key_file, "/run/secrets/vault.key");
  auto yaml = mcp::config::to_yaml(c);
  EXPECT_NE(yaml.find("secret_env: PETSTORE_KEY"), std::string::npos);

  setenv("OPCALL_TEST_KEY", "k-123", 1);
  Config s;
  mcp::config::apply_yaml(s, "openapi:\n  - {name: a, spec: a.yaml, credentials: {type: bearer, env: OPCALL_TEST_KEY}}\n");
  mcp::config::resolve_openapi_secrets(s);
  EXPECT_EQ(s.openapi[0].upstream.credential.secret, "k-123");
  EXPECT_EQ(mcp::config::to_yaml(s).find("k-123"), std::string::npos);  // never printed
}

TEST(Config, OpenApiErrorsNameTheKey) {
  auto error_of = [](const std::string& yaml) {
    Config c;
    try {
      mcp::config::apply_yaml(c, yaml);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("openapi:\n  - {name: a}\n").find("openapi[0]"), std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, typo: 1}\n").find("openapi[0].typo"), std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, credentials: {type: bearer}}\n").find("env, file"), std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, base_url: ftp://x}\n").find("base_url"), std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x}\n  - {name: a, spec: y}\n").find("used twice"), std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, credentials: {type: api_key, env: K}}\n").find("name"),
            std::string::npos);
  // Passthrough forwards callers' tokens only for an audience stated here, and nothing else.
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, credentials: {type: passthrough}}\n")
                .find("openapi[0].credentials.audience"),
            std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, credentials: {type: passthrough, audience: A, env: K}}\n")
                .find("no env, file or per_user"),
            std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, credentials: {type: bearer, env: K, audience: A}}\n")
                .find("only a passthrough"),
            std::string::npos);
  EXPECT_NE(error_of("openapi:\n  - {name: a, spec: x, watch_interval_ms: 5}\n").find("watch_interval_ms"),
            std::string::npos);
  {
    Config ok;
    mcp::config::apply_yaml(ok,
                          "openapi:\n  - {name: a, spec: x, watch_interval_ms: 0, credentials: {type: passthrough, "
                          "audience: https://api.test}}\n");
    EXPECT_EQ(ok.openapi[0].upstream.credential.audience, "https://api.test");
    EXPECT_EQ(ok.openapi[0].watch_interval.count(), 0);
  }
  Config c;
  c.openapi.resize(1);
  c.openapi[0].upstream.name = "x";
  c.openapi[0].secret_env = "OPCALL_SURELY_UNSET_VAR";
  EXPECT_THROW(mcp::config::resolve_openapi_secrets(c), std::runtime_error);
}

TEST(Config, OAuthSettings) {
  Config c;
  mcp::config::apply_yaml(c, "auth:\n  mode: oauth\n  oauth:\n    issuer: https://mcp.example.com/\n"
                           "    access_token_ttl_s: 600\n    scopes: [mcp, admin]\n");
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::oauth);
  EXPECT_EQ(c.oauth.access_token_ttl.count(), 600);
  mcp::config::apply_env(c, {{"MCPBRIDGE_OAUTH_KEY", std::string(43, 'A') + "="}});
  EXPECT_EQ(c.oauth.key_encryption_key, std::string(32, '\0'));
  c.http.host = "0.0.0.0";
  mcp::config::resolve_oauth(c, 8080);
  EXPECT_EQ(c.oauth.issuer, "https://mcp.example.com");
  EXPECT_EQ(c.oauth.resource, "https://mcp.example.com/mcp");
  EXPECT_EQ(c.auth.authorization_servers, (std::vector<std::string>{"https://mcp.example.com"}));
  EXPECT_EQ(c.auth.scopes_supported, (std::vector<std::string>{"mcp", "admin"}));
  EXPECT_THROW(mcp::config::apply_env(c, {{"MCPBRIDGE_OAUTH_KEY", "c2hvcnQ="}}), std::runtime_error);
  Config public_no_issuer;
  public_no_issuer.http.host = "0.0.0.0";
  public_no_issuer.auth.mode = mcp::auth::Mode::oauth;
  EXPECT_THROW(mcp::config::resolve_oauth(public_no_issuer, 8080), std::runtime_error);
  Config external;
  EXPECT_THROW(mcp::config::apply_yaml(external, "auth:\n  oauth:\n    external:\n      audience: https://x\n"),
               std::runtime_error);  // issuer required
  EXPECT_THROW(mcp::config::apply_yaml(external, "auth:\n  oauth:\n    external:\n      issuer: https://idp.example\n"
                                               "      jwks_file: /x\n      algorithms: [HS256]\n"),
               std::runtime_error);
}

#include "gateway/connection_set.hpp"
#include "gateway/external_issuer.hpp"

TEST(Config, AdminSectionAndRunTimeConnectionRules) {
  Config c;
  mcp::config::apply_yaml(c, "admin:\n  role: ops\n  private_hosts: [crm.internal, 127.0.0.1]\n  poll_s: 2\n"
                           "connections:\n  - {name: fixed, url: https://fixed.example/mcp}\n");
  EXPECT_EQ(c.admin.role, "ops");
  EXPECT_EQ(c.admin.poll.count(), 2);
  EXPECT_THROW(mcp::config::apply_yaml(c, "admin:\n  poll_s: 0\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_yaml(c, "admin:\n  colour: red\n"), std::runtime_error);

  auto check = [&](const std::string& entry) {
    return mcp::gateway::check_runtime_connection(c, mcp::config::connection_from_yaml(entry, "connection"));
  };
  // JSON is accepted as the entry (the admin API's body).
  EXPECT_EQ(check(R"({"name": "crm", "url": "https://crm.example/mcp"})").status, 200);
  EXPECT_EQ(check(R"({"name": "crm", "url": "http://crm.internal:8080/mcp", "allow_private": true})").status, 200);
  EXPECT_EQ(check(R"({"name": "crm", "url": "http://user@[::1]:8080/mcp", "allow_private": true})").status, 400);
  EXPECT_EQ(check(R"({"name": "crm", "url": "http://127.0.0.1:9/mcp", "allow_private": true})").status, 200);
  EXPECT_EQ(check(R"({"name": "crm", "url": "http://CRM.internal/mcp", "allow_private": true})").status, 200);
  EXPECT_EQ(check(R"({"name": "crm", "url": "http://crm.internal.evil.example/mcp", "allow_private": true})").status, 400);
  auto env = check(R"({"name": "crm", "url": "https://crm.example/mcp", "auth": "api_key", "per_user": false, "env": "HOME"})");
  EXPECT_EQ(env.status, 400);
  EXPECT_NE(env.message.find("env and file"), std::string::npos);
  EXPECT_EQ(check(R"({"name": "fixed", "url": "https://other.example/mcp"})").status, 409);
  EXPECT_THROW(mcp::config::connection_from_yaml("[1, 2]", "connection"), std::runtime_error);
  EXPECT_THROW(mcp::config::connection_from_yaml(R"({"name": "a b", "url": "https://x.example"})", "connection"),
               std::runtime_error);
}

TEST(Config, DefaultIsTheBuiltInAuthorizationServerAndModesStaySelectable) {
  mcp::config::Config c;
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::oauth);
  using M = mcp::auth::Mode;
  // OAuth on: API keys are accepted beside it (auth.mode oauth is the shorthand for both).
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::oauth, M::api_key}));
  EXPECT_NE(mcp::config::to_yaml(c).find("methods: [oauth, api_key]"), std::string::npos);
  mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "none"}});
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::none);
  mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "headers"}});
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::header);
  mcp::config::apply_yaml(c, "auth:\n  mode: api_key\n");
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::api_key);
  EXPECT_THROW(mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "open"}}), std::runtime_error);
  mcp::config::apply_yaml(c, "auth:\n  oauth:\n    registrations_per_minute: 3\n    registration_burst: 5\n"
                           "    abandoned_client_hours: 2\n");
  EXPECT_EQ(c.oauth.registrations_per_minute, 3);
  EXPECT_EQ(c.oauth.registration_burst, 5);
  EXPECT_EQ(c.oauth.abandoned_client_ttl, std::chrono::hours(2));
  // The default must not listen in the open without a public issuer.
  mcp::config::Config open;
  open.http.host = "0.0.0.0";
  EXPECT_THROW(mcp::config::resolve_oauth(open, 8080), std::runtime_error);
}

TEST(Config, AuthMethodsListAndModeShorthand) {
  using M = mcp::auth::Mode;
  mcp::config::Config c;
  mcp::config::apply_yaml(c, "auth:\n  methods: [oauth, header, api_key, oauth]\n");
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::oauth, M::header, M::api_key}));
  // What `mcpbridge config` prints is valid input, meaning the same.
  auto printed = mcp::config::to_yaml(c);
  EXPECT_NE(printed.find("methods: [oauth, header, api_key]"), std::string::npos);
  mcp::config::Config again;
  mcp::config::apply_yaml(again, printed);
  EXPECT_EQ(mcp::config::auth_methods(again), mcp::config::auth_methods(c));
  // A single mode replaces the list (the environment and --auth override the file).
  mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "api_key"}});
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::api_key}));
  mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "none"}});
  EXPECT_TRUE(mcp::config::auth_methods(c).empty());
  EXPECT_NE(mcp::config::to_yaml(c).find("mode: none"), std::string::npos);
  mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_METHODS", "oauth,header"}});
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::oauth, M::header}));
  mcp::config::apply_yaml(c, "auth:\n  mode: oauth\n");
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::oauth, M::api_key}));
  mcp::config::apply_yaml(c, "auth:\n  methods: [oauth]\n");
  EXPECT_EQ(mcp::config::auth_methods(c), (std::vector<M>{M::oauth}));
  EXPECT_THROW(mcp::config::apply_yaml(c, "auth:\n  methods: []\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_yaml(c, "auth:\n  methods: [none]\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_yaml(c, "auth:\n  methods: [oauth, saml]\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_yaml(c, "auth:\n  mode: oauth\n  methods: [oauth]\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_env(c, {{"MCPBRIDGE_AUTH_MODE", "oauth"}, {"MCPBRIDGE_AUTH_METHODS", "oauth"}}),
               std::runtime_error);
}

TEST(Config, ExternalIssuerJwksUriIntrospectionAndClientMetadata) {
  Config c;
  mcp::config::apply_yaml(c,
                        "auth:\n  mode: oauth\n  oauth:\n    external:\n      issuer: http://127.0.0.1:9/idp\n"
                        "      allow_private_issuer: true\n      min_refresh_s: 5\n"
                        "      introspection:\n        endpoint: http://127.0.0.1:9/idp/introspect\n"
                        "        client_id: rs\n        cache_ttl_s: 30\n"
                        "    client_metadata:\n      allow_private: true\n      ca_file: /tmp/ca.pem\n");
  EXPECT_EQ(c.external.issuer, "http://127.0.0.1:9/idp");
  EXPECT_TRUE(c.external_allow_private);
  EXPECT_EQ(c.external.min_refresh, std::chrono::seconds(5));
  EXPECT_EQ(c.introspection.endpoint, "http://127.0.0.1:9/idp/introspect");
  EXPECT_EQ(c.introspection.client_id, "rs");
  EXPECT_EQ(c.introspection.cache_ttl, std::chrono::seconds(30));
  EXPECT_TRUE(c.client_metadata_allow_private);
  EXPECT_EQ(c.client_metadata_ca_file, "/tmp/ca.pem");
  auto printed = mcp::config::to_yaml(c);
  EXPECT_NE(printed.find("allow_private_issuer: true"), std::string::npos) << printed;
  EXPECT_NE(printed.find("endpoint: http://127.0.0.1:9/idp/introspect"), std::string::npos) << printed;
  EXPECT_NE(printed.find("ca_file: /tmp/ca.pem"), std::string::npos) << printed;
  Config again;  // what `mcpbridge config` prints reads back
  mcp::config::apply_yaml(again, printed);
  EXPECT_EQ(again.introspection.endpoint, c.introspection.endpoint);
  EXPECT_TRUE(again.client_metadata_allow_private);
  mcp::config::resolve_oauth(c, 8080);
  EXPECT_EQ(c.introspection.issuer, "http://127.0.0.1:9/idp");
  EXPECT_EQ(c.auth.authorization_servers, (std::vector<std::string>{"http://127.0.0.1:9/idp"}));
  // Configuration is data: the outbound client and the token check are the gateway's to make.
  EXPECT_EQ(c.external.http_client, nullptr);
  EXPECT_EQ(c.introspection.http_client, nullptr);
  EXPECT_FALSE(c.auth.async_token_verifier);
  auto check = mcp::gateway::start_external_check(c);  // no jwks_file: fetched, so a client is made
  EXPECT_NE(check, nullptr);
  EXPECT_NE(c.external.http_client, nullptr);
  EXPECT_EQ(c.introspection.http_client, c.external.http_client);
  EXPECT_TRUE(c.auth.async_token_verifier);
  Config bad;
  EXPECT_THROW(mcp::config::apply_yaml(bad, "auth:\n  oauth:\n    external:\n      issuer: https://i\n"
                                          "      jwks_file: /x\n      jwks_uri: https://i/k\n"),
               std::runtime_error);  // one source of keys
  EXPECT_THROW(mcp::config::apply_yaml(bad, "auth:\n  oauth:\n    external:\n      issuer: https://i\n"
                                          "      introspection:\n        client_id: x\n"),
               std::runtime_error);  // endpoint required
  EXPECT_THROW(mcp::config::apply_yaml(bad, "auth:\n  oauth:\n    client_metadata:\n      allow_http: true\n"),
               std::runtime_error);  // unknown key
}

TEST(Config, OAuthConnections) {
  Config c;
  ::setenv("MCPBRIDGE_TEST_CRM_CLIENT_ID", "the-client", 1);
  mcp::config::apply_yaml(c, "server: {public_url: https://mcp.example.com}\nconnections:\n"
                           "  - {name: crm, url: https://crm.example.com/mcp, auth: oauth, scopes: [a, b],"
                           " client_id_env: MCPBRIDGE_TEST_CRM_CLIENT_ID}\n");
  EXPECT_EQ(c.public_url, "https://mcp.example.com");
  ASSERT_EQ(c.connections.size(), 1u);
  EXPECT_EQ(c.connections[0].options.auth, mcp::upstream::AuthMethod::oauth);
  EXPECT_EQ(c.connections[0].options.oauth_scope, "a b");
  mcp::config::resolve_connection_secrets(c);
  EXPECT_EQ(c.connections[0].options.oauth_client_id, "the-client");
  EXPECT_NE(mcp::config::to_yaml(c).find("auth: oauth"), std::string::npos);
  EXPECT_EQ(mcp::config::to_yaml(c).find("the-client"), std::string::npos);  // named, never printed
  mcp::config::apply_env(c, {{"MCPBRIDGE_PUBLIC_URL", "https://gw.example.com"}});
  EXPECT_EQ(c.public_url, "https://gw.example.com");
  for (const char* bad : {"{name: x, url: https://x.example/mcp, auth: api_key, scopes: [a]}",
                          "{name: x, url: https://x.example/mcp, auth: oauth, client_secret_env: S}",
                          "{name: x, url: https://x.example/mcp, auth: oauth, per_user: false}",
                          "{name: x, url: https://x.example/mcp, auth: oauth2}"}) {
    Config d;
    EXPECT_THROW(mcp::config::apply_yaml(d, std::string("connections:\n  - ") + bad + "\n"), std::runtime_error) << bad;
  }
}

#include "gateway/bootstrap.hpp"

TEST(Config, APostgresStoreNeedsSharedKeysAndIsNeverPrintedWithItsPassword) {
  Config c;
  mcp::config::apply_yaml(c, "store:\n  path: postgresql://mcp:yaml-secret@db.internal:5432/mcp\n");
  EXPECT_EQ(c.store_path, "postgresql://mcp:yaml-secret@db.internal:5432/mcp");
  mcp::config::apply_env(c, {{"MCPBRIDGE_STORE", "postgres://mcp:env-secret@db.internal/mcp?sslmode=require"}});
  auto shown = mcp::config::to_yaml(c);
  EXPECT_EQ(shown.find("env-secret"), std::string::npos) << shown;
  EXPECT_NE(shown.find("postgres://mcp:***@db.internal/mcp?sslmode=require"), std::string::npos) << shown;
  // No key file can be made beside a URI: the key must come from the environment or a file.
  c.auth.mode = mcp::auth::Mode::oauth;
  try {
    mcp::config::resolve_oauth(c, 8080);
    ADD_FAILURE() << "an OAuth server on a postgresql:// store started without a shared key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("MCPBRIDGE_OAUTH_KEY"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists("postgres://mcp:env-secret@db.internal/mcp?sslmode=require.oauth-key"));
  mcp::config::apply_env(c, {{"MCPBRIDGE_OAUTH_KEY", std::string(43, 'A') + "="}});
  EXPECT_NO_THROW(mcp::config::resolve_oauth(c, 8080));
  EXPECT_TRUE(mcp::config::load_or_create_vault_key(c, false).empty());
  try {
    mcp::config::load_or_create_vault_key(c, true);
    ADD_FAILURE() << "a vault key was made for a postgresql:// store";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("MCPBRIDGE_VAULT_KEY"), std::string::npos) << e.what();
  }
  mcp::config::apply_env(c, {{"MCPBRIDGE_VAULT_KEY", std::string(43, 'B') + "="}});
  EXPECT_EQ(mcp::config::load_or_create_vault_key(c, true).size(), 32u);
  EXPECT_EQ(mcp::gateway::admin_password_file(c.store_path), "");  // no first-run password file either
}

TEST(Config, ToolCallTimeoutBecomesTheServersAndReadsBack) {
  Config c;
  EXPECT_EQ(c.server.tool_call_timeout.count(), 0);  // none unless configured
  mcp::config::apply_yaml(c, "limits:\n  tool_call_timeout_s: 45\n");
  EXPECT_EQ(c.server.tool_call_timeout, std::chrono::seconds(45));
  Config again;
  mcp::config::apply_yaml(again, mcp::config::to_yaml(c));
  EXPECT_EQ(again.server.tool_call_timeout, std::chrono::seconds(45));
  Config bad;
  EXPECT_THROW(mcp::config::apply_yaml(bad, "limits:\n  tool_call_timeout_s: -1\n"), std::runtime_error);
}
