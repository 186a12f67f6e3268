// `mcpbridge migrate`: brings the store's schema up to this binary's version and exits, without
// serving. The package's postinst runs it on upgrade, so that a store this version cannot use
// (a newer schema, an unwritable file) fails the upgrade instead of the next service start.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Migrate final : public StoreCommand {
 public:
  Migrate()
      : StoreCommand("migrate", "Apply the store's schema migrations, then exit (no serving)") {}

 protected:
  void declare(CLI::App&) override {}

  // open_store has migrated (or failed with exit code 4); this reports where the store is now.
  int run_store(const mcp::config::Config& cfg,
                const std::shared_ptr<mcp::store::Store>& store) override {
    std::cout << "store " << cfg.store_path << ": schema version " << store->schema_version()
              << "\n";
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_migrate_command() { return std::make_unique<Migrate>(); }

}  // namespace mcpbridge
