// mcpbridge: the gateway's command line.
//   mcpbridge serve [--config FILE] [--host H] [--port N] [--threads N] [--auth MODE]
//   mcpbridge config [--config FILE]     print the effective configuration
//   mcpbridge openapi inspect SPEC [--json] [--compat] [--include X] [--exclude X] [--include-tag T] ...
//   mcpbridge keys create --user U [--team T] [--scope S]... [--expires-days N] [--label L]
//   mcpbridge keys list | keys revoke ID
//   mcpbridge users add NAME [--team T] [--role R]... [--password-stdin]
//   mcpbridge users passwd NAME   (the new password on standard input)
//   mcpbridge vault set --user U --upstream NAME   (the secret on standard input)
//   mcpbridge vault list [--user U] | vault remove --user U --upstream NAME
//   mcpbridge clients add NAME --redirect-uri URI... [--scope S]... | clients list | clients remove ID
//   mcpbridge consents list USER | consents revoke USER CLIENT_ID
//   mcpbridge connections list | connections login NAME --user U (the credential on standard input)
//   mcpbridge connections logout NAME --user U
//   mcpbridge connections add NAME URL [--auth M] [--allow G]... [--allow-private] | add --spec FILE
//   mcpbridge connections remove NAME          (run-time connections, kept in the store)
//   mcpbridge version
//   mcpbridge client URL tools/list | tools/call NAME JSON | ... [--header K:V] [--bearer T] [--oauth]
// Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen, 4 store unusable.
#include <mcp/mcp.hpp>

#include "gateway/admin_api.hpp"
#include "gateway/bootstrap.hpp"
#include "gateway/builtin_tools.hpp"
#include "commands/client.hpp"
#include <mcp/config/config.hpp>
#include "gateway/connection_set.hpp"
#include "gateway/openapi_set.hpp"

#include <mcp/http/client.hpp>
#include <mcp/sources/vault.hpp>

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "commands/openapi.hpp"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitStore = 4;

void setup_logging(const mcpbridge::Config& c) {
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  if (c.log_format == "json")
    spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%v"})");
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  // Audit lines (gateway calls, auth events) carry a JSON object as their message: in json
  // format it is the line's "event" member, not a string left unescaped inside "msg".
  auto audit = spdlog::get("audit");
  if (!audit) audit = spdlog::stdout_color_mt("audit");
  audit->set_level(spdlog::level::from_str(c.log_level));
  if (c.log_format == "json")
    audit->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"event":%v})");
  else
    audit->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ audit %v");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpbridge — connects your systems to AI agents over the Model Context Protocol"};
  app.require_subcommand(1);
  std::string config_path;
  std::string host;
  int port = -1;
  int threads = -1;

  auto* serve = app.add_subcommand("serve", "Serve MCP over Streamable HTTP (default: http://127.0.0.1:8080/mcp)");
  serve->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  serve->add_option("--host", host, "Address to bind (default 127.0.0.1; env: MCPBRIDGE_HOST)");
  serve->add_option("-p,--port", port, "TCP port (0 = ephemeral; env: MCPBRIDGE_PORT)")->check(CLI::Range(0, 65535));
  serve->add_option("-t,--threads", threads, "Event-loop threads (env: MCPBRIDGE_THREADS)")->check(CLI::Range(1, 256));
  std::string auth_mode;
  serve->add_option("--auth", auth_mode,
                    "Who may call: oauth (default: the built-in authorization server), api_key, header, none "
                    "(env: MCPBRIDGE_AUTH_MODE)")
      ->check(CLI::IsMember({"none", "api_key", "header", "headers", "oauth"}));

  auto* config = app.add_subcommand("config", "Print the effective configuration as YAML");
  config->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");

  app.add_subcommand("version", "Print the version");

  mcpbridge::InspectArgs inspect_args;
  auto* openapi = mcpbridge::add_openapi_command(app, inspect_args);

  auto* keys = app.add_subcommand("keys", "Manage API keys (stored hashed; a key is shown once)");
  keys->require_subcommand(1);
  keys->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string key_user, key_team, key_label, key_id;
  std::vector<std::string> key_scopes;
  int key_days = 0;
  auto* keys_create = keys->add_subcommand("create", "Create a key carrying a user's permissions");
  keys_create->add_option("--user", key_user, "The user whose permissions the key carries")->required();
  keys_create->add_option("--team", key_team, "Team (default: the user's)");
  keys_create->add_option("--scope", key_scopes, "Narrow the key to these scopes (repeatable)");
  keys_create->add_option("--expires-days", key_days, "Expire after N days (default: never)")->check(CLI::Range(0, 3650));
  keys_create->add_option("--label", key_label, "A note shown in listings");
  keys->add_subcommand("list", "List keys (never their secrets)");
  auto* keys_revoke = keys->add_subcommand("revoke", "Revoke a key");
  keys_revoke->add_option("id", key_id, "The key's id (k_...)")->required();

  auto* users = app.add_subcommand("users", "Manage local users");
  users->require_subcommand(1);
  users->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string user_name, user_team;
  std::vector<std::string> user_roles;
  bool password_stdin = false;
  auto* users_add = users->add_subcommand("add", "Add or update a user");
  users_add->add_option("name", user_name, "Login name")->required();
  users_add->add_option("--team", user_team, "Team");
  users_add->add_option("--role", user_roles, "Role (repeatable)");
  users_add->add_flag("--password-stdin", password_stdin, "Read a password from standard input");
  users->add_subcommand("list", "List users");
  auto* users_passwd = users->add_subcommand("passwd", "Set a user's password (read from standard input)");
  users_passwd->add_option("name", user_name, "Login name")->required();

  auto* vault = app.add_subcommand("vault", "Per-user upstream credentials (sealed with AES-256-GCM; key: MCPBRIDGE_VAULT_KEY)");
  vault->require_subcommand(1);
  vault->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string vault_user, vault_upstream;
  auto* vault_set = vault->add_subcommand("set", "Store a user's secret for an upstream (read from standard input)");
  vault_set->add_option("--user", vault_user, "The user (principal subject)")->required();
  vault_set->add_option("--upstream", vault_upstream, "The openapi source's name")->required();
  auto* vault_list = vault->add_subcommand("list", "List stored secrets (never their values)");
  vault_list->add_option("--user", vault_user, "Only this user's");
  auto* vault_remove = vault->add_subcommand("remove", "Remove a user's secret for an upstream");
  vault_remove->add_option("--user", vault_user, "The user")->required();
  vault_remove->add_option("--upstream", vault_upstream, "The openapi source's name")->required();
  auto* clients = app.add_subcommand("clients", "Manage pre-registered OAuth clients (auth mode oauth)");
  clients->require_subcommand(1);
  clients->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string client_name, client_id;
  std::vector<std::string> client_redirects, client_scopes;
  auto* clients_add = clients->add_subcommand("add", "Register a confidential client; prints its secret once");
  clients_add->add_option("name", client_name, "A name shown on the consent page")->required();
  clients_add->add_option("--redirect-uri", client_redirects, "The client's redirect URI (repeatable)")->required();
  clients_add->add_option("--scope", client_scopes, "Limit the client to these scopes (repeatable)");
  clients->add_subcommand("list", "List clients (never their secrets)");
  auto* clients_remove = clients->add_subcommand("remove", "Remove a client and revoke its tokens");
  clients_remove->add_option("id", client_id, "The client_id")->required();

  auto* consents = app.add_subcommand("consents", "Remembered OAuth consents");
  consents->require_subcommand(1);
  consents->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string consent_user, consent_client;
  auto* consents_list = consents->add_subcommand("list", "List a user's consents");
  consents_list->add_option("user", consent_user, "User")->required();
  auto* consents_revoke = consents->add_subcommand("revoke", "Forget a consent and revoke the tokens it allowed");
  consents_revoke->add_option("user", consent_user, "User")->required();
  consents_revoke->add_option("client", consent_client, "client_id")->required();

  auto* conns = app.add_subcommand("connections", "Custom connections to other MCP servers (the config's connections:)");
  conns->require_subcommand(1);
  conns->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  std::string conn_name, conn_user;
  conns->add_subcommand("list", "List the connections and who has signed in to each");
  auto* conns_login = conns->add_subcommand(
      "login", "Store a user's own credential for a connection (standard input: the API key, or the headers as a JSON object; "
               "auth oauth: prints a one-time sign-in link instead)");
  conns_login->add_option("name", conn_name, "The connection")->required();
  conns_login->add_option("--user", conn_user, "The user (principal subject)")->required();
  auto* conns_logout = conns->add_subcommand("logout", "Remove a user's credential for a connection (OAuth: tokens revoked)");
  conns_logout->add_option("name", conn_name, "The connection")->required();
  conns_logout->add_option("--user", conn_user, "The user")->required();
  std::string add_url, add_auth = "none", add_key_header, add_spec, add_version;
  std::vector<std::string> add_allow, add_deny;
  bool add_private = false;
  auto* conns_add = conns->add_subcommand(
      "add", "Add a connection at run time (kept in the store; a running server starts it within admin.poll_s)");
  conns_add->add_option("name", conn_name, "The connection's name (tool prefix)");
  conns_add->add_option("url", add_url, "The upstream MCP endpoint");
  conns_add->add_option("--auth", add_auth, "none | api_key | headers (each user signs in with `connections login`)");
  conns_add->add_option("--api-key-header", add_key_header, "api_key: send the key in this header, not as a bearer token");
  conns_add->add_option("--allow", add_allow, "Tool-name glob to serve (repeatable; default all)");
  conns_add->add_option("--deny", add_deny, "Tool-name glob to hide (repeatable)");
  conns_add->add_flag("--allow-private", add_private, "The URL is internal (its host must be in admin.private_hosts)");
  conns_add->add_option("--protocol-version", add_version, "2025-11-25 (default) or 2026-07-28");
  conns_add->add_option("--spec", add_spec, "Instead: a file ('-': standard input) holding the whole entry, YAML or JSON, "
                                            "with the keys of a config file's connections: entry");
  auto* conns_remove = conns->add_subcommand("remove", "Remove a connection added at run time");
  conns_remove->add_option("name", conn_name, "The connection")->required();
  mcpbridge::ClientArgs client_args;
  auto* client_cmd = mcpbridge::add_client_command(app, client_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (client_cmd->parsed()) return mcpbridge::run_client_command(client_args);

  if (app.got_subcommand("version")) {
    std::cout << "mcpbridge 0.1.0\n";
    return 0;
  }
  if (openapi->parsed()) return mcpbridge::run_openapi_inspect(inspect_args);

  mcpbridge::Config cfg;
  try {
    auto env = mcpbridge::process_env();
    if (config_path.empty())
      if (auto it = env.find("MCPBRIDGE_CONFIG"); it != env.end()) config_path = it->second;
    if (!config_path.empty()) mcpbridge::apply_yaml_file(cfg, config_path);
    mcpbridge::apply_env(cfg, env);
  } catch (const std::exception& e) {
    std::cerr << "mcpbridge: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!host.empty()) cfg.http.host = host;
  if (port >= 0) cfg.http.port = static_cast<std::uint16_t>(port);
  if (threads > 0) cfg.http.threads = static_cast<unsigned>(threads);
  if (!auth_mode.empty()) mcpbridge::apply_env(cfg, {{"MCPBRIDGE_AUTH_MODE", auth_mode}});

  if (app.got_subcommand("config")) {
    std::cout << mcpbridge::to_yaml(cfg);
    return 0;
  }

  std::shared_ptr<mcp::store::Store> store;
  auto open_store = [&]() -> bool {
    try {
      store = mcp::store::open_sqlite(cfg.store_path);
      return true;
    } catch (const std::exception& e) {
      std::cerr << "mcpbridge: " << e.what() << "\n";
      return false;
    }
  };

  if (app.got_subcommand("keys")) {
    if (!open_store()) return kExitStore;
    if (keys_create->parsed()) {
      auto user = store->find_user(key_user);
      if (!user) {
        std::cerr << "mcpbridge: no user " << key_user << " (mcpbridge users add " << key_user << ")\n";
        return kExitUsage;
      }
      auto expires = key_days > 0 ? mcp::store::unix_now() + key_days * 86400LL : 0;
      auto k = mcp::auth::make_api_key(user->id, key_team.empty() ? user->team : key_team, key_scopes, key_label, expires);
      store->put_api_key(k.record);
      std::cout << k.secret << "\n";
      std::cerr << "key " << k.record.id << " for " << user->id << ": shown once, store it now\n";
      return 0;
    }
    if (keys_revoke->parsed()) {
      if (!store->revoke_api_key(key_id, mcp::store::unix_now())) {
        std::cerr << "mcpbridge: no live key " << key_id << "\n";
        return kExitUsage;
      }
      std::cout << "revoked " << key_id << "\n";
      return 0;
    }
    auto now = mcp::store::unix_now();
    for (auto& k : store->list_api_keys()) {
      const char* state = k.revoked_at ? "revoked" : (k.expires_at && k.expires_at <= now) ? "expired" : "live";
      std::string scopes;
      for (auto& s : k.scopes) scopes += (scopes.empty() ? "" : ",") + s;
      std::cout << k.id << "\t" << k.user << "\t" << (k.team.empty() ? "-" : k.team) << "\t"
                << (scopes.empty() ? "*" : scopes) << "\t" << state << "\t" << k.label << "\n";
    }
    return 0;
  }

  if (app.got_subcommand("users")) {
    if (!open_store()) return kExitStore;
    if (users_add->parsed()) {
      mcp::store::User u{user_name, user_team, user_roles, {}, mcp::store::unix_now()};
      if (auto old = store->find_user(user_name)) {
        u.created_at = old->created_at;
        u.password_hash = old->password_hash;
      }
      if (password_stdin) {
        std::string pw;
        std::getline(std::cin, pw);
        if (pw.size() < 8) {
          std::cerr << "mcpbridge: a password needs at least 8 characters\n";
          return kExitUsage;
        }
        u.password_hash = mcp::auth::hash_password(pw);
      }
      store->put_user(u);
      std::cout << "user " << u.id << " saved\n";
      return 0;
    }
    if (users_passwd->parsed()) {
      std::string pw;
      std::getline(std::cin, pw);
      while (!pw.empty() && (pw.back() == '\r' || pw.back() == '\n')) pw.pop_back();
      if (auto err = mcpbridge::change_password(*store, cfg.store_path, user_name, pw); !err.empty()) {
        std::cerr << "mcpbridge: " << err << "\n";
        return kExitUsage;
      }
      std::cout << "password of " << user_name << " changed\n";
      return 0;
    }
    for (auto& u : store->list_users()) {
      std::string roles;
      for (auto& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
      std::cout << u.id << "\t" << (u.team.empty() ? "-" : u.team) << "\t" << (roles.empty() ? "-" : roles) << "\n";
    }
    return 0;
  }

  if (app.got_subcommand("vault")) {
    std::string key;
    try {
      // The configured key, else the one `serve` keeps next to the store (made by `vault set`).
      key = mcpbridge::load_or_create_vault_key(cfg, vault_set->parsed());
    } catch (const std::exception& e) {
      std::cerr << "mcpbridge: " << e.what() << "\n";
      return kExitUsage;
    }
    if (key.empty()) {
      std::cerr << "mcpbridge: the vault has no key yet: MCPBRIDGE_VAULT_KEY (base64 of 32 random bytes, e.g. "
                   "`openssl rand -base64 32`), vault.key_file, or the one `mcpbridge serve` makes next to the store\n";
      return kExitUsage;
    }
    if (!open_store()) return kExitStore;
    mcp::sources::Vault v(store, key);
    if (vault_set->parsed()) {
      std::string secret;
      std::getline(std::cin, secret);
      while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
      if (secret.empty()) {
        std::cerr << "mcpbridge: no secret on standard input\n";
        return kExitUsage;
      }
      v.put(vault_user, vault_upstream, secret);
      std::cout << "stored " << vault_user << "'s secret for " << vault_upstream << "\n";
      return 0;
    }
    if (vault_remove->parsed()) {
      if (!v.remove(vault_user, vault_upstream)) {
        std::cerr << "mcpbridge: no secret of " << vault_user << " for " << vault_upstream << "\n";
        return kExitUsage;
      }
      std::cout << "removed " << vault_user << "'s secret for " << vault_upstream << "\n";
      return 0;
    }
    for (auto& e : v.list(vault_user))
      if (!e.subject.empty())  // the gateway's own rows (OAuth connections' sign-in state) are not users'
        std::cout << e.subject << "\t" << e.upstream << "\t" << e.updated_at << "\n";
    return 0;
  }

  if (app.got_subcommand("clients")) {
    if (!open_store()) return kExitStore;
    if (clients_add->parsed()) {
      std::string scope;
      for (auto& sc : client_scopes) scope += (scope.empty() ? "" : " ") + sc;
      try {
        auto c = mcp::authz::register_client(*store, client_name, client_redirects, scope, {});
        std::cout << "client_id: " << c.record.id << "\nclient_secret: " << c.secret << "\n";
        for (auto& r : c.record.redirect_uris) std::cout << "redirect_uri: " << r << "\n";
        if (!cfg.oauth.issuer.empty())
          std::cout << "authorization_endpoint: " << cfg.oauth.issuer << "/authorize\ntoken_endpoint: "
                    << cfg.oauth.issuer << "/token\n";
        std::cerr << "the client secret is shown once: store it now\n";
      } catch (const std::exception& e) {
        std::cerr << "mcpbridge: " << e.what() << "\n";
        return kExitUsage;
      }
      return 0;
    }
    if (clients_remove->parsed()) {
      if (!store->remove_oauth_client(client_id)) {
        std::cerr << "mcpbridge: no client " << client_id << "\n";
        return kExitUsage;
      }
      std::cout << "removed " << client_id << "\n";
      return 0;
    }
    for (auto& c : store->list_oauth_clients()) {
      std::string uris;
      for (auto& r : c.redirect_uris) uris += (uris.empty() ? "" : ",") + r;
      std::cout << c.id << "\t" << (c.name.empty() ? "-" : c.name) << "\t" << c.auth_method << "\t"
                << (c.scope.empty() ? "*" : c.scope) << "\t" << uris << "\n";
    }
    return 0;
  }

  if (app.got_subcommand("consents")) {
    if (!open_store()) return kExitStore;
    if (consents_revoke->parsed()) {
      if (!store->revoke_oauth_consent(consent_user, consent_client, mcp::store::unix_now())) {
        std::cerr << "mcpbridge: no consent of " << consent_user << " for " << consent_client << "\n";
        return kExitUsage;
      }
      std::cout << "revoked\n";
      return 0;
    }
    for (auto& c : store->list_oauth_consents(consent_user))
      std::cout << c.client_id << "\t" << c.scope << "\t" << c.resource << "\n";
    return 0;
  }

  if (app.got_subcommand("connections")) {
    mcpbridge::ConnectionsCommand cmd;
    cmd.action = conns_login->parsed()    ? "login"
                 : conns_logout->parsed() ? "logout"
                 : conns_add->parsed()    ? "add"
                 : conns_remove->parsed() ? "remove"
                                          : "list";
    cmd.name = conn_name;
    cmd.user = conn_user;
    if (conns_add->parsed()) {
      if (!add_spec.empty()) {
        std::stringstream text;
        if (add_spec == "-") text << std::cin.rdbuf();
        else if (std::ifstream f(add_spec); f) text << f.rdbuf();
        else {
          std::cerr << "mcpbridge: cannot read " << add_spec << "\n";
          return kExitUsage;
        }
        cmd.spec = text.str();
      } else if (conn_name.empty() || add_url.empty()) {
        std::cerr << "mcpbridge: connections add needs NAME and URL, or --spec FILE\n";
        return kExitUsage;
      } else {
        mcp::json::object e{{"name", conn_name}, {"url", add_url}, {"auth", add_auth}};
        if (!add_key_header.empty()) e["api_key_header"] = add_key_header;
        if (!add_allow.empty()) e["allow"] = mcp::json::value_from(add_allow);
        if (!add_deny.empty()) e["deny"] = mcp::json::value_from(add_deny);
        if (add_private) e["allow_private"] = true;
        if (!add_version.empty()) e["protocol_version"] = add_version;
        cmd.spec = mcp::json::serialize(e);
      }
    }
    if (!open_store()) return kExitStore;
    return mcpbridge::connections_command(cfg, store, cmd, std::cin, std::cout, std::cerr);
  }

  setup_logging(cfg);
  std::shared_ptr<mcp::authz::AuthorizationServer> authorization_server;
  std::shared_ptr<void> external_check;  // the external issuer's JWKS refresher or introspection
  if (cfg.auth.mode == mcp::auth::Mode::oauth && !cfg.external.issuer.empty()) {
    try {
      mcpbridge::resolve_oauth(cfg, cfg.http.port);
      external_check = mcpbridge::start_external_check(cfg);
    } catch (const std::exception& e) {
      std::cerr << "mcpbridge: " << e.what() << "\n";
      return kExitUsage;
    }
  } else if (cfg.auth.mode == mcp::auth::Mode::oauth) {
    if (!open_store()) return kExitStore;
    try {
      mcpbridge::resolve_oauth(cfg, cfg.http.port);
      // Client ID metadata documents are fetched with the default policy: HTTPS to public
      // addresses only, no redirects, size and time limits (auth.oauth.client_metadata may
      // allow private addresses and an extra CA, for development and tests).
      cfg.oauth.http_client = mcpbridge::client_metadata_http_client(cfg);
      cfg.oauth.metadata_allow_private = cfg.client_metadata_allow_private;
      authorization_server = std::make_shared<mcp::authz::AuthorizationServer>(cfg.oauth, store);
    } catch (const std::exception& e) {
      std::cerr << "mcpbridge: " << e.what() << "\n";
      return kExitUsage;
    }
    for (auto& r : authorization_server->routes()) cfg.http.routes.push_back(std::move(r));
    cfg.auth.token_verifier = authorization_server->token_verifier();
    mcpbridge::Bootstrap boot;
    try {
      boot = mcpbridge::bootstrap_admin(*store, cfg.store_path, mcpbridge::process_env());
    } catch (const std::exception& e) {
      std::cerr << "mcpbridge: " << e.what() << "\n";
      return kExitUsage;
    }
    for (auto& line : boot.log) spdlog::warn("oauth: {}", line);
    spdlog::info("oauth: built-in authorization server, issuer {} (metadata {}/.well-known/oauth-authorization-server)",
                 cfg.oauth.issuer, cfg.oauth.issuer);
    spdlog::info("oauth: connect an MCP client to {}; it opens the sign-in page in your browser: sign in as {} "
                 "(more users: `mcpbridge users add NAME --password-stdin`; no auth: --auth none)",
                 cfg.auth.resource, boot.user.empty() ? "a user from `mcpbridge users list`" : boot.user);
  }
  if (cfg.auth.mode != mcp::auth::Mode::none) {
    if (cfg.auth.mode == mcp::auth::Mode::api_key && !open_store()) return kExitStore;
    if (cfg.auth.mode == mcp::auth::Mode::header && cfg.auth.proxy_secret.empty()) {
      std::cerr << "mcpbridge: auth mode header needs MCPBRIDGE_PROXY_SECRET (the trusted proxy's shared secret)\n";
      return kExitUsage;
    }
    cfg.http.authenticator = std::make_shared<mcp::auth::Authenticator>(cfg.auth, store);
  }
  mcp::ServerOptions server_options = cfg.server;
  server_options.info = {.name = "mcpbridge", .version = "0.1.0"};
  mcp::Server server(std::move(server_options));
  if (cfg.builtin_tools) mcpbridge::register_builtin_tools(server);
  // The store is always open when serving: connections added at run time (admin API, CLI)
  // live there, and the vault every source shares (one cache, so a credential stored through
  // the admin API is used at once).
  if (!store && !open_store()) return kExitStore;
  std::shared_ptr<mcp::sources::Vault> user_vault;
  try {
    user_vault = mcpbridge::open_vault(cfg, store, true);  // made next to the store on first use
  } catch (const std::exception& e) {
    std::cerr << "mcpbridge: " << e.what() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<mcpbridge::RunningOpenApi> openapi_sources;
  if (!cfg.openapi.empty()) {
    if (auto err = mcpbridge::start_openapi_sources(server, cfg, store, user_vault, openapi_sources); !err.empty()) {
      std::cerr << "mcpbridge: " << err << "\n";
      return kExitUsage;
    }
  }
  auto connections = std::make_shared<mcpbridge::ConnectionSet>(server, cfg, store, user_vault);
  if (auto err = connections->start(); !err.empty()) {
    std::cerr << "mcpbridge: " << err << "\n";
    return kExitUsage;
  }
  for (auto& r : mcpbridge::admin_routes({&cfg, cfg.http.authenticator, connections, user_vault}))
    cfg.http.routes.push_back(std::move(r));
  return mcp::serve(server, cfg.http);
}
