// `mcpbridge keys create|list|revoke`: API keys, stored hashed (a key is shown once).
#include <iostream>
#include <mcp/auth/auth.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

struct KeyArgs {
  std::string user, team, label, id;
  std::vector<std::string> scopes;
  int days = 0;
};

void create_options(CLI::App& create, KeyArgs& a) {
  create.add_option("--user", a.user, "The user whose permissions the key carries")->required();
  create.add_option("--team", a.team, "Team (default: the user's)");
  create.add_option("--scope", a.scopes, "Narrow the key to these scopes (repeatable)");
  create.add_option("--expires-days", a.days, "Expire after N days (default: never)")->check(CLI::Range(0, 3650));
  create.add_option("--label", a.label, "A note shown in listings");
}

int create_key(const KeyArgs& a, const Config&, Store& store) {
  auto user = store.find_user(a.user);
  if (!user) return fail("no user " + a.user + " (mcpbridge users add " + a.user + ")");
  auto expires = a.days > 0 ? mcp::store::unix_now() + a.days * 86400LL : 0;
  auto k = mcp::auth::make_api_key(user->id, a.team.empty() ? user->team : a.team, a.scopes, a.label, expires);
  store.put_api_key(k.record);
  std::cout << k.secret << "\n";
  std::cerr << "key " << k.record.id << " for " << user->id << ": shown once, store it now\n";
  return 0;
}

int list_keys(const KeyArgs&, const Config&, Store& store) {
  auto now = mcp::store::unix_now();
  for (auto& k : store.list_api_keys()) {
    const char* state = k.revoked_at                            ? "revoked"
                        : (k.expires_at && k.expires_at <= now) ? "expired"
                                                                : "live";
    print_row({k.id, k.user, k.team.empty() ? "-" : k.team, joined(k.scopes, ",", "*"), state, k.label});
  }
  return 0;
}

int revoke_key(const KeyArgs& a, const Config&, Store& store) {
  return report(store.revoke_api_key(a.id, mcp::store::unix_now()), "revoked " + a.id, "no live key " + a.id);
}

}  // namespace

std::unique_ptr<Command> make_keys_command() {
  return store_actions<KeyArgs>(
      "keys", "Manage API keys (stored hashed; a key is shown once)",
      {{"create", "Create a key carrying a user's permissions", create_key, create_options},
       {"list", "List keys (never their secrets)", list_keys},
       {"revoke", "Revoke a key", revoke_key, argument("id", &KeyArgs::id, "The key's id (k_...)")}});
}

}  // namespace mcpbridge
