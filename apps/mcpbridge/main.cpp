// mcpbridge: the gateway's command line. Each command lives in commands/ beside its options;
// `mcpbridge --help` lists them, `mcpbridge COMMAND --help` tells the rest.
// Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen, 4 store unusable.
#include <CLI/CLI.hpp>
#include <memory>
#include <vector>

#include "commands/command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mcpbridge — connects your systems to AI agents over the Model Context Protocol"};
  app.set_version_flag("--version", "mcpbridge " MCPBRIDGE_VERSION);
  app.require_subcommand(1);
  std::vector<std::pair<std::unique_ptr<mcpbridge::Command>, CLI::App*>> commands;
  for (auto make : {mcpbridge::make_serve_command, mcpbridge::make_config_command,
                    mcpbridge::make_version_command, mcpbridge::make_migrate_command,
                    mcpbridge::make_openapi_command, mcpbridge::make_keys_command,
                    mcpbridge::make_users_command, mcpbridge::make_vault_command,
                    mcpbridge::make_clients_command, mcpbridge::make_consents_command,
                    mcpbridge::make_connections_command, mcpbridge::make_client_command}) {
    auto command = make();
    auto* sub = command->add(app);
    commands.emplace_back(std::move(command), sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : mcpbridge::kExitUsage;
  }
  for (auto& [command, sub] : commands)
    if (sub->parsed()) return command->run();
  return mcpbridge::kExitUsage;
}
