// `mcpbridge clients add|list|remove`: pre-registered OAuth clients of the built-in
// authorization server.
#include <iostream>
#include <mcp/authz/authz.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

struct ClientArgs {
  std::string name, id;
  std::vector<std::string> redirects, scopes;
};

void add_options(CLI::App& add, ClientArgs& a) {
  add.add_option("name", a.name, "A name shown on the consent page")->required();
  add.add_option("--redirect-uri", a.redirects, "The client's redirect URI (repeatable)")->required();
  add.add_option("--scope", a.scopes, "Limit the client to these scopes (repeatable)");
}

int add_client(const ClientArgs& a, const Config& cfg, Store& store) {
  try {
    auto c = mcp::authz::register_client(store, a.name, a.redirects, joined(a.scopes, " "), {});
    std::cout << "client_id: " << c.record.id << "\nclient_secret: " << c.secret << "\n";
    for (auto& r : c.record.redirect_uris) std::cout << "redirect_uri: " << r << "\n";
    if (!cfg.oauth.issuer.empty())
      std::cout << "authorization_endpoint: " << cfg.oauth.issuer << "/authorize\ntoken_endpoint: " << cfg.oauth.issuer
                << "/token\n";
    std::cerr << "the client secret is shown once: store it now\n";
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}

int list_clients(const ClientArgs&, const Config&, Store& store) {
  for (auto& c : store.list_oauth_clients())
    print_row({c.id, c.name.empty() ? "-" : c.name, c.auth_method, c.scope.empty() ? "*" : c.scope,
               joined(c.redirect_uris, ",")});
  return 0;
}

int remove_client(const ClientArgs& a, const Config&, Store& store) {
  return report(store.remove_oauth_client(a.id), "removed " + a.id, "no client " + a.id);
}

}  // namespace

std::unique_ptr<Command> make_clients_command() {
  return store_actions<ClientArgs>(
      "clients", "Manage pre-registered OAuth clients (auth mode oauth)",
      {{"add", "Register a confidential client; prints its secret once", add_client, add_options},
       {"list", "List clients (never their secrets)", list_clients},
       {"remove", "Remove a client and revoke its tokens", remove_client,
        argument("id", &ClientArgs::id, "The client_id")}});
}

}  // namespace mcpbridge
