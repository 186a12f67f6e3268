// `mcpbridge clients add|list|remove`: pre-registered OAuth clients of the built-in
// authorization server.
#include <iostream>
#include <mcp/authz/authz.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Clients final : public StoreCommand {
 public:
  Clients() : StoreCommand("clients", "Manage pre-registered OAuth clients (auth mode oauth)") {}

 protected:
  void declare(CLI::App& clients) override {
    clients.require_subcommand(1);
    add_ = clients.add_subcommand("add", "Register a confidential client; prints its secret once");
    add_->add_option("name", name_, "A name shown on the consent page")->required();
    add_->add_option("--redirect-uri", redirects_, "The client's redirect URI (repeatable)")
        ->required();
    add_->add_option("--scope", scopes_, "Limit the client to these scopes (repeatable)");
    clients.add_subcommand("list", "List clients (never their secrets)");
    remove_ = clients.add_subcommand("remove", "Remove a client and revoke its tokens");
    remove_->add_option("id", id_, "The client_id")->required();
  }

  int run_store(const mcp::config::Config& cfg,
                const std::shared_ptr<mcp::store::Store>& store) override {
    if (add_->parsed()) return add_client(cfg, *store);
    if (remove_->parsed()) {
      if (!store->remove_oauth_client(id_)) return fail("no client " + id_);
      std::cout << "removed " << id_ << "\n";
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

 private:
  int add_client(const mcp::config::Config& cfg, mcp::store::Store& store) {
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

  std::string name_, id_;
  std::vector<std::string> redirects_, scopes_;
  CLI::App* add_ = nullptr;
  CLI::App* remove_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_clients_command() { return std::make_unique<Clients>(); }

}  // namespace mcpbridge
