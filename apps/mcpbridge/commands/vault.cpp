// `mcpbridge vault set|list|remove`: per-user upstream credentials, sealed with AES-256-GCM.
#include <iostream>
#include <mcp/sources/vault.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class VaultCommand final : public ConfigCommand {
 public:
  VaultCommand()
      : ConfigCommand(
            "vault",
            "Per-user upstream credentials (sealed with AES-256-GCM; key: MCPBRIDGE_VAULT_KEY)") {}

 protected:
  void declare(CLI::App& vault) override {
    vault.require_subcommand(1);
    set_ = vault.add_subcommand("set",
                                "Store a user's secret for an upstream (read from standard input)");
    set_->add_option("--user", user_, "The user (principal subject)")->required();
    set_->add_option("--upstream", upstream_, "The openapi source's name")->required();
    auto* list = vault.add_subcommand("list", "List stored secrets (never their values)");
    list->add_option("--user", user_, "Only this user's");
    remove_ = vault.add_subcommand("remove", "Remove a user's secret for an upstream");
    remove_->add_option("--user", user_, "The user")->required();
    remove_->add_option("--upstream", upstream_, "The openapi source's name")->required();
  }

  int run_config(mcp::config::Config& cfg) override {
    auto store = open_store(cfg, set_->parsed());
    if (!store) return kExitStore;
    std::string key;
    try {
      // The configured key, else the one `serve` keeps next to the store (made by `vault set`).
      key = mcp::config::load_or_create_vault_key(cfg, set_->parsed());
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    if (key.empty())
      return fail(
          "the vault has no key yet: MCPBRIDGE_VAULT_KEY (base64 of 32 random bytes, e.g. "
          "`openssl rand -base64 32`), vault.key_file, or the one `mcpbridge serve` makes next to "
          "the store");
    mcp::sources::Vault v(store, key);
    if (set_->parsed()) {
      auto secret = read_line();
      if (secret.empty()) return fail("no secret on standard input");
      v.put(user_, upstream_, secret);
      std::cout << "stored " << user_ << "'s secret for " << upstream_ << "\n";
      return 0;
    }
    if (remove_->parsed())
      return report(v.remove(user_, upstream_), "removed " + user_ + "'s secret for " + upstream_,
                    "no secret of " + user_ + " for " + upstream_);
    for (auto& e : v.list(user_))
      if (!e.subject.empty())  // the gateway's own rows (OAuth connections' sign-in state) are not
                               // users'
        print_row({e.subject, e.upstream, std::to_string(e.updated_at)});
    return 0;
  }

 private:
  std::string user_, upstream_;
  CLI::App* set_ = nullptr;
  CLI::App* remove_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_vault_command() { return std::make_unique<VaultCommand>(); }

}  // namespace mcpbridge
