// `mcpbridge users add|list|passwd`: local users (the built-in authorization server's sign-in,
// the owners of API keys).
#include <iostream>
#include <mcp/auth/auth.hpp>
#include <mcp/gateway/gateway.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

struct UserArgs {
  std::string name, team;
  std::vector<std::string> roles;
  bool password_stdin = false;
};

void add_options(CLI::App& add, UserArgs& a) {
  add.add_option("name", a.name, "Login name")->required();
  add.add_option("--team", a.team, "Team");
  add.add_option("--role", a.roles, "Role (repeatable)");
  add.add_flag("--password-stdin", a.password_stdin, "Read a password from standard input");
}

int add_user(const UserArgs& a, const Config&, Store& store) {
  mcp::store::User u{a.name, a.team, a.roles, {}, mcp::store::unix_now()};
  if (auto old = store.find_user(a.name)) {
    u.created_at = old->created_at;
    u.password_hash = old->password_hash;
  }
  if (a.password_stdin) {
    std::string pw;
    std::getline(std::cin, pw);
    if (pw.size() < 8) return fail("a password needs at least 8 characters");
    u.password_hash = mcp::auth::hash_password(pw);
  }
  store.put_user(u);
  std::cout << "user " << u.id << " saved\n";
  return 0;
}

int list_users(const UserArgs&, const Config&, Store& store) {
  for (auto& u : store.list_users()) print_row({u.id, u.team.empty() ? "-" : u.team, joined(u.roles, ",", "-")});
  return 0;
}

int passwd(const UserArgs& a, const Config& cfg, Store& store) {
  if (auto err = mcp::gateway::change_password(store, cfg.store_path, a.name, read_line()); !err.empty())
    return fail(err);
  std::cout << "password of " << a.name << " changed\n";
  return 0;
}

}  // namespace

std::unique_ptr<Command> make_users_command() {
  return store_actions<UserArgs>("users", "Manage local users",
                                 {{"add", "Add or update a user", add_user, add_options},
                                  {"list", "List users", list_users},
                                  {"passwd", "Set a user's password (read from standard input)", passwd,
                                   argument("name", &UserArgs::name, "Login name")}});
}

}  // namespace mcpbridge
