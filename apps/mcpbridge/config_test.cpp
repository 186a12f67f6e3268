#include "config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using mcpbridge::Config;

TEST(Config, DefaultsAreLoopbackAndSafe) {
  Config c;
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.http.path, "/mcp");
}

TEST(Config, YamlThenEnvOverride) {
  Config c;
  mcpbridge::apply_yaml(c, "server:\n  port: 9000\n  threads: 2\n  allowed_origins: [https://app.example.com]\n"
                           "sessions:\n  max: 5\nlog:\n  level: debug\n");
  EXPECT_EQ(c.http.port, 9000);
  EXPECT_EQ(c.http.threads, 2u);
  EXPECT_EQ(c.http.max_sessions, 5u);
  ASSERT_EQ(c.http.allowed_origins.size(), 1u);
  EXPECT_EQ(c.log_level, "debug");
  mcpbridge::apply_env(c, {{"MCPBRIDGE_PORT", "9100"}, {"MCPBRIDGE_ALLOWED_HOSTS", "a.example,b.example:8443"}});
  EXPECT_EQ(c.http.port, 9100);
  ASSERT_EQ(c.http.allowed_hosts.size(), 2u);
  EXPECT_EQ(c.http.allowed_hosts[1], "b.example:8443");
}

TEST(Config, ErrorsNameTheKey) {
  Config c;
  auto message = [&](const std::string& yaml) {
    try {
      mcpbridge::apply_yaml(c, yaml);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("server:\n  prot: 1\n").find("server.prot: unknown key"), std::string::npos);
  EXPECT_NE(message("server:\n  port: 70000\n").find("server.port"), std::string::npos);
  EXPECT_NE(message("server:\n  path: mcp\n").find("server.path"), std::string::npos);
  EXPECT_NE(message("log:\n  level: loud\n").find("log.level"), std::string::npos);
  EXPECT_NE(message("server: [1, 2\n").find("not valid YAML"), std::string::npos);
  EXPECT_THROW(mcpbridge::apply_env(c, {{"MCPBRIDGE_PORT", "80x"}}), std::runtime_error);
}

TEST(Config, ProtocolAndCache) {
  Config c;
  mcpbridge::apply_yaml(c, "protocol:\n  legacy_sessions: false\ncache:\n  list_ttl_ms: 5000\n  list_scope: public\n");
  EXPECT_FALSE(c.http.legacy_sessions);
  EXPECT_EQ(c.server.list_ttl_ms, 5000);
  EXPECT_EQ(c.server.list_cache_scope, "public");
  EXPECT_THROW(mcpbridge::apply_yaml(c, "cache:\n  read_scope: shared\n"), std::runtime_error);
  EXPECT_THROW(mcpbridge::apply_env(c, {{"MCPBRIDGE_REQUEST_STATE_KEY", "c2hvcnQ="}}), std::runtime_error);
  mcpbridge::apply_env(c, {{"MCPBRIDGE_REQUEST_STATE_KEY", std::string(43, 'A') + "="}});
  EXPECT_EQ(c.http.request_state_key.size(), 32u);
  EXPECT_EQ(mcpbridge::to_yaml(c).find("request_state_key"), std::string::npos);  // secrets are not printed
}

TEST(Config, RoundTripsThroughYaml) {
  Config a;
  mcpbridge::apply_yaml(a, "server:\n  port: 1234\nsse:\n  always: true\n");
  Config b;
  mcpbridge::apply_yaml(b, mcpbridge::to_yaml(a));
  EXPECT_EQ(b.http.port, 1234);
  EXPECT_TRUE(b.http.always_sse);
  EXPECT_EQ(mcpbridge::to_yaml(a), mcpbridge::to_yaml(b));
}

TEST(Config, OpenApiSources) {
  Config c;
  mcpbridge::apply_yaml(c, R"(
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
  auto yaml = mcpbridge::to_yaml(c);
  EXPECT_NE(yaml.find("secret_env: PETSTORE_KEY"), std::string::npos);

  setenv("OPCALL_TEST_KEY", "k-123", 1);
  Config s;
  mcpbridge::apply_yaml(s, "openapi:\n  - {name: a, spec: a.yaml, credentials: {type: bearer, env: OPCALL_TEST_KEY}}\n");
  mcpbridge::resolve_openapi_secrets(s);
  EXPECT_EQ(s.openapi[0].upstream.credential.secret, "k-123");
  EXPECT_EQ(mcpbridge::to_yaml(s).find("k-123"), std::string::npos);  // never printed
}

TEST(Config, OpenApiErrorsNameTheKey) {
  auto error_of = [](const std::string& yaml) {
    Config c;
    try {
      mcpbridge::apply_yaml(c, yaml);
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
  Config c;
  c.openapi.resize(1);
  c.openapi[0].upstream.name = "x";
  c.openapi[0].secret_env = "OPCALL_SURELY_UNSET_VAR";
  EXPECT_THROW(mcpbridge::resolve_openapi_secrets(c), std::runtime_error);
}

TEST(Config, OAuthSettings) {
  Config c;
  mcpbridge::apply_yaml(c, "auth:\n  mode: oauth\n  oauth:\n    issuer: https://mcp.example.com/\n"
                           "    access_token_ttl_s: 600\n    scopes: [mcp, admin]\n");
  EXPECT_EQ(c.auth.mode, mcp::auth::Mode::oauth);
  EXPECT_EQ(c.oauth.access_token_ttl.count(), 600);
  mcpbridge::apply_env(c, {{"MCPBRIDGE_OAUTH_KEY", std::string(43, 'A') + "="}});
  EXPECT_EQ(c.oauth.key_encryption_key, std::string(32, '\0'));
  c.http.host = "0.0.0.0";
  mcpbridge::resolve_oauth(c, 8080);
  EXPECT_EQ(c.oauth.issuer, "https://mcp.example.com");
  EXPECT_EQ(c.oauth.resource, "https://mcp.example.com/mcp");
  EXPECT_EQ(c.auth.authorization_servers, (std::vector<std::string>{"https://mcp.example.com"}));
  EXPECT_EQ(c.auth.scopes_supported, (std::vector<std::string>{"mcp", "admin"}));
  EXPECT_THROW(mcpbridge::apply_env(c, {{"MCPBRIDGE_OAUTH_KEY", "c2hvcnQ="}}), std::runtime_error);
  Config public_no_issuer;
  public_no_issuer.http.host = "0.0.0.0";
  public_no_issuer.auth.mode = mcp::auth::Mode::oauth;
  EXPECT_THROW(mcpbridge::resolve_oauth(public_no_issuer, 8080), std::runtime_error);
  Config external;
  EXPECT_THROW(mcpbridge::apply_yaml(external, "auth:\n  oauth:\n    external:\n      issuer: https://idp.example\n"),
               std::runtime_error);  // jwks_file required
  EXPECT_THROW(mcpbridge::apply_yaml(external, "auth:\n  oauth:\n    external:\n      issuer: https://idp.example\n"
                                               "      jwks_file: /x\n      algorithms: [HS256]\n"),
               std::runtime_error);
}

TEST(Config, OAuthConnections) {
  Config c;
  ::setenv("MCPBRIDGE_TEST_CRM_CLIENT_ID", "the-client", 1);
  mcpbridge::apply_yaml(c, "server: {public_url: https://mcp.example.com}\nconnections:\n"
                           "  - {name: crm, url: https://crm.example.com/mcp, auth: oauth, scopes: [a, b],"
                           " client_id_env: MCPBRIDGE_TEST_CRM_CLIENT_ID}\n");
  EXPECT_EQ(c.public_url, "https://mcp.example.com");
  ASSERT_EQ(c.connections.size(), 1u);
  EXPECT_EQ(c.connections[0].options.auth, mcp::upstream::AuthMethod::oauth);
  EXPECT_EQ(c.connections[0].options.oauth_scope, "a b");
  mcpbridge::resolve_connection_secrets(c);
  EXPECT_EQ(c.connections[0].options.oauth_client_id, "the-client");
  EXPECT_NE(mcpbridge::to_yaml(c).find("auth: oauth"), std::string::npos);
  EXPECT_EQ(mcpbridge::to_yaml(c).find("the-client"), std::string::npos);  // named, never printed
  mcpbridge::apply_env(c, {{"MCPBRIDGE_PUBLIC_URL", "https://gw.example.com"}});
  EXPECT_EQ(c.public_url, "https://gw.example.com");
  for (const char* bad : {"{name: x, url: https://x.example/mcp, auth: api_key, scopes: [a]}",
                          "{name: x, url: https://x.example/mcp, auth: oauth, client_secret_env: S}",
                          "{name: x, url: https://x.example/mcp, auth: oauth, per_user: false}",
                          "{name: x, url: https://x.example/mcp, auth: oauth2}"}) {
    Config d;
    EXPECT_THROW(mcpbridge::apply_yaml(d, std::string("connections:\n  - ") + bad + "\n"), std::runtime_error) << bad;
  }
}
