// `mcpbridge consents list|revoke`: the OAuth consents users gave clients.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Consents final : public StoreActions {
 public:
  Consents() : StoreActions("consents", "Remembered OAuth consents") {}

 protected:
  void declare(CLI::App& consents) override {
    action(consents, "list", "List a user's consents", [this](const Config&, Store& s) { return list(s); })
        ->add_option("user", user_, "User")
        ->required();
    auto* revoke = action(consents, "revoke", "Forget a consent and revoke the tokens it allowed",
                          [this](const Config&, Store& s) { return revoke_consent(s); });
    revoke->add_option("user", user_, "User")->required();
    revoke->add_option("client", client_, "client_id")->required();
  }

 private:
  int revoke_consent(Store& store) {
    if (!store.revoke_oauth_consent(user_, client_, mcp::store::unix_now()))
      return fail("no consent of " + user_ + " for " + client_);
    std::cout << "revoked\n";
    return 0;
  }

  int list(Store& store) {
    for (auto& c : store.list_oauth_consents(user_))
      std::cout << c.client_id << "\t" << c.scope << "\t" << c.resource << "\n";
    return 0;
  }

  std::string user_, client_;
};

}  // namespace

std::unique_ptr<Command> make_consents_command() { return std::make_unique<Consents>(); }

}  // namespace mcpbridge
