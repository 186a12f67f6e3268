// `mcpbridge keys create|list|revoke`: API keys, stored hashed (a key is shown once).
#include <iostream>
#include <mcp/auth/auth.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Keys final : public StoreActions {
 public:
  Keys() : StoreActions("keys", "Manage API keys (stored hashed; a key is shown once)") {}

 protected:
  void declare(CLI::App& keys) override {
    auto* create = action(keys, "create", "Create a key carrying a user's permissions",
                          [this](const Config&, Store& s) { return create_key(s); });
    create->add_option("--user", user_, "The user whose permissions the key carries")->required();
    create->add_option("--team", team_, "Team (default: the user's)");
    create->add_option("--scope", scopes_, "Narrow the key to these scopes (repeatable)");
    create->add_option("--expires-days", days_, "Expire after N days (default: never)")
        ->check(CLI::Range(0, 3650));
    create->add_option("--label", label_, "A note shown in listings");
    action(keys, "list", "List keys (never their secrets)", [](const Config&, Store& s) { return list(s); });
    action(keys, "revoke", "Revoke a key", [this](const Config&, Store& s) { return revoke(s); })
        ->add_option("id", id_, "The key's id (k_...)")
        ->required();
  }

 private:
  int create_key(Store& store) {
    auto user = store.find_user(user_);
    if (!user) return fail("no user " + user_ + " (mcpbridge users add " + user_ + ")");
    auto expires = days_ > 0 ? mcp::store::unix_now() + days_ * 86400LL : 0;
    auto k = mcp::auth::make_api_key(user->id, team_.empty() ? user->team : team_, scopes_, label_,
                                     expires);
    store.put_api_key(k.record);
    std::cout << k.secret << "\n";
    std::cerr << "key " << k.record.id << " for " << user->id << ": shown once, store it now\n";
    return 0;
  }

  int revoke(Store& store) {
    if (!store.revoke_api_key(id_, mcp::store::unix_now())) return fail("no live key " + id_);
    std::cout << "revoked " << id_ << "\n";
    return 0;
  }

  static int list(Store& store) {
    auto now = mcp::store::unix_now();
    for (auto& k : store.list_api_keys()) {
      const char* state = k.revoked_at                            ? "revoked"
                          : (k.expires_at && k.expires_at <= now) ? "expired"
                                                                  : "live";
      std::string scopes;
      for (auto& s : k.scopes) scopes += (scopes.empty() ? "" : ",") + s;
      std::cout << k.id << "\t" << k.user << "\t" << (k.team.empty() ? "-" : k.team) << "\t"
                << (scopes.empty() ? "*" : scopes) << "\t" << state << "\t" << k.label << "\n";
    }
    return 0;
  }

  std::string user_, team_, label_, id_;
  std::vector<std::string> scopes_;
  int days_ = 0;
};

}  // namespace

std::unique_ptr<Command> make_keys_command() { return std::make_unique<Keys>(); }

}  // namespace mcpbridge
