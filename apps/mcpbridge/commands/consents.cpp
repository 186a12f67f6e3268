// `mcpbridge consents list|revoke`: the OAuth consents users gave clients.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Consents final : public StoreCommand {
 public:
  Consents() : StoreCommand("consents", "Remembered OAuth consents") {}

 protected:
  void declare(CLI::App& consents) override {
    consents.require_subcommand(1);
    auto* list = consents.add_subcommand("list", "List a user's consents");
    list->add_option("user", user_, "User")->required();
    revoke_ =
        consents.add_subcommand("revoke", "Forget a consent and revoke the tokens it allowed");
    revoke_->add_option("user", user_, "User")->required();
    revoke_->add_option("client", client_, "client_id")->required();
  }

  int run_store(const mcp::config::Config& cfg,
                const std::shared_ptr<mcp::store::Store>& store) override {
    if (revoke_->parsed()) {
      if (!store->revoke_oauth_consent(user_, client_, mcp::store::unix_now()))
        return fail("no consent of " + user_ + " for " + client_);
      std::cout << "revoked\n";
      return 0;
    }
    for (auto& c : store->list_oauth_consents(user_))
      std::cout << c.client_id << "\t" << c.scope << "\t" << c.resource << "\n";
    return 0;
  }

 private:
  std::string user_, client_;
  CLI::App* revoke_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_consents_command() { return std::make_unique<Consents>(); }

}  // namespace mcpbridge
