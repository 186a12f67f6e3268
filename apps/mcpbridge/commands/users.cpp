// `mcpbridge users add|list|passwd`: local users (the built-in authorization server's sign-in,
// the owners of API keys).
#include <iostream>
#include <mcp/auth/auth.hpp>
#include <mcp/gateway/gateway.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Users final : public StoreActions {
 public:
  Users() : StoreActions("users", "Manage local users") {}

 protected:
  void declare(CLI::App& users) override {
    auto* add = action(users, "add", "Add or update a user",
                       [this](const Config&, Store& s) { return add_user(s); });
    add->add_option("name", name_, "Login name")->required();
    add->add_option("--team", team_, "Team");
    add->add_option("--role", roles_, "Role (repeatable)");
    add->add_flag("--password-stdin", password_stdin_, "Read a password from standard input");
    action(users, "list", "List users", [](const Config&, Store& s) { return list(s); });
    action(users, "passwd", "Set a user's password (read from standard input)",
           [this](const Config& cfg, Store& s) { return passwd(cfg, s); })
        ->add_option("name", name_, "Login name")
        ->required();
  }

 private:
  int add_user(Store& store) {
    mcp::store::User u{name_, team_, roles_, {}, mcp::store::unix_now()};
    if (auto old = store.find_user(name_)) {
      u.created_at = old->created_at;
      u.password_hash = old->password_hash;
    }
    if (password_stdin_) {
      std::string pw;
      std::getline(std::cin, pw);
      if (pw.size() < 8) return fail("a password needs at least 8 characters");
      u.password_hash = mcp::auth::hash_password(pw);
    }
    store.put_user(u);
    std::cout << "user " << u.id << " saved\n";
    return 0;
  }

  int passwd(const Config& cfg, Store& store) {
    if (auto err = mcp::gateway::change_password(store, cfg.store_path, name_, read_line()); !err.empty())
      return fail(err);
    std::cout << "password of " << name_ << " changed\n";
    return 0;
  }

  static int list(Store& store) {
    for (auto& u : store.list_users()) {
      std::string roles;
      for (auto& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
      std::cout << u.id << "\t" << (u.team.empty() ? "-" : u.team) << "\t"
                << (roles.empty() ? "-" : roles) << "\n";
    }
    return 0;
  }

  std::string name_, team_;
  std::vector<std::string> roles_;
  bool password_stdin_ = false;
};

}  // namespace

std::unique_ptr<Command> make_users_command() { return std::make_unique<Users>(); }

}  // namespace mcpbridge
