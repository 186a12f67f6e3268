// `mcpbridge consents list|revoke`: the OAuth consents users gave clients.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Consents final : public Command {
 public:
  CLI::App* add(CLI::App& app) override {
    auto* consents = app.add_subcommand("consents", "Remembered OAuth consents");
    consents->require_subcommand(1);
    add_config_option(*consents, config_path_);
    auto* list = consents->add_subcommand("list", "List a user's consents");
    list->add_option("user", user_, "User")->required();
    revoke_ =
        consents->add_subcommand("revoke", "Forget a consent and revoke the tokens it allowed");
    revoke_->add_option("user", user_, "User")->required();
    revoke_->add_option("client", client_, "client_id")->required();
    return consents;
  }

  int run() override {
    auto cfg = load_config(config_path_);
    if (!cfg) return kExitUsage;
    auto store = open_store(*cfg);
    if (!store) return kExitStore;
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
  std::string config_path_, user_, client_;
  CLI::App* revoke_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_consents_command() { return std::make_unique<Consents>(); }

}  // namespace mcpbridge
