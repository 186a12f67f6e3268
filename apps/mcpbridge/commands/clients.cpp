// `mcpbridge clients add|list|remove`: pre-registered OAuth clients of the built-in
// authorization server.
#include <iostream>
#include <mcp/authz/authz.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Clients final : public StoreActions {
 public:
  Clients() : StoreActions("clients", "Manage pre-registered OAuth clients (auth mode oauth)") {}

 protected:
  void declare(CLI::App& clients) override {
    auto* add = action(clients, "add", "Register a confidential client; prints its secret once",
                       [this](const Config& cfg, Store& s) { return add_client(cfg, s); });
    add->add_option("name", name_, "A name shown on the consent page")->required();
    add->add_option("--redirect-uri", redirects_, "The client's redirect URI (repeatable)")
        ->required();
    add->add_option("--scope", scopes_, "Limit the client to these scopes (repeatable)");
    action(clients, "list", "List clients (never their secrets)",
           [](const Config&, Store& s) { return list(s); });
    action(clients, "remove", "Remove a client and revoke its tokens",
           [this](const Config&, Store& s) { return remove(s); })
        ->add_option("id", id_, "The client_id")
        ->required();
  }

 private:
  int add_client(const Config& cfg, Store& store) {
    std::string scope;
    for (auto& sc : scopes_) scope += (scope.empty() ? "" : " ") + sc;
    try {
      auto c = mcp::authz::register_client(store, name_, redirects_, scope, {});
      std::cout << "client_id: " << c.record.id << "\nclient_secret: " << c.secret << "\n";
      for (auto& r : c.record.redirect_uris) std::cout << "redirect_uri: " << r << "\n";
      if (!cfg.oauth.issuer.empty())
        std::cout << "authorization_endpoint: " << cfg.oauth.issuer
                  << "/authorize\ntoken_endpoint: " << cfg.oauth.issuer << "/token\n";
      std::cerr << "the client secret is shown once: store it now\n";
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    return 0;
  }

  int remove(Store& store) {
    if (!store.remove_oauth_client(id_)) return fail("no client " + id_);
    std::cout << "removed " << id_ << "\n";
    return 0;
  }

  static int list(Store& store) {
    for (auto& c : store.list_oauth_clients()) {
      std::string uris;
      for (auto& r : c.redirect_uris) uris += (uris.empty() ? "" : ",") + r;
      std::cout << c.id << "\t" << (c.name.empty() ? "-" : c.name) << "\t" << c.auth_method << "\t"
                << (c.scope.empty() ? "*" : c.scope) << "\t" << uris << "\n";
    }
    return 0;
  }

  std::string name_, id_;
  std::vector<std::string> redirects_, scopes_;
};

}  // namespace

std::unique_ptr<Command> make_clients_command() { return std::make_unique<Clients>(); }

}  // namespace mcpbridge
