// `mcpbridge consents list|revoke`: the OAuth consents users gave clients.
#include "commands/command.hpp"

namespace mcpbridge {
namespace {

struct ConsentArgs {
  std::string user, client;
};

void revoke_options(CLI::App& revoke, ConsentArgs& a) {
  revoke.add_option("user", a.user, "User")->required();
  revoke.add_option("client", a.client, "client_id")->required();
}

int list_consents(const ConsentArgs& a, const Config&, Store& store) {
  for (auto& c : store.list_oauth_consents(a.user)) print_row({c.client_id, c.scope, c.resource});
  return 0;
}

int revoke_consent(const ConsentArgs& a, const Config&, Store& store) {
  return report(store.revoke_oauth_consent(a.user, a.client, mcp::store::unix_now()), "revoked",
                "no consent of " + a.user + " for " + a.client);
}

}  // namespace

std::unique_ptr<Command> make_consents_command() {
  return store_actions<ConsentArgs>(
      "consents", "Remembered OAuth consents",
      {{"list", "List a user's consents", list_consents, argument("user", &ConsentArgs::user, "User")},
       {"revoke", "Forget a consent and revoke the tokens it allowed", revoke_consent, revoke_options}});
}

}  // namespace mcpbridge
