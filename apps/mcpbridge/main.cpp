// mcpbridge: the gateway's command line. Each command lives in commands/ beside its options;
// `mcpbridge --help` lists them, `mcpbridge COMMAND --help` tells the rest.
// Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen, 4 store unusable.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <mcp/core/nearest.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "commands/command.hpp"

namespace {

// The command line as far as it was understood: "mcpbridge keys list".
std::string command_line(const CLI::App* app) {
  std::string s;
  for (; app; app = app->get_parent())
    s = (app->get_parent() ? app->get_name() : "mcpbridge") + (s.empty() ? "" : " " + s);
  return s;
}

// A usage error that names what was not understood and the nearest valid word, instead of
// CLI11's "A subcommand is required" for a misspelt command. nullopt: CLI11's message will do.
std::optional<std::string> explain(const CLI::App& app) {
  const CLI::App* deepest = &app;
  for (bool descended = true; descended;) {
    descended = false;
    for (auto* sub : deepest->get_subcommands({}))
      if (sub->parsed()) deepest = sub, descended = true;
  }
  for (const CLI::App* at = deepest; at; at = at->get_parent()) {
    auto extra = at->remaining(false);
    if (extra.empty()) continue;
    const std::string& word = extra.front();
    std::vector<std::string> known;
    if (word.rfind('-', 0) == 0) {
      std::string name = word.substr(0, word.find('='));
      for (auto* opt : at->get_options()) {
        for (auto& l : opt->get_lnames()) known.push_back("--" + l);
        for (auto& s : opt->get_snames()) known.push_back("-" + s);
      }
      auto guess = mcp::nearest(name, known);
      return "unknown option " + name + " for '" + command_line(at) + "'" +
             (guess.empty() ? "" : "; did you mean " + guess + "?");
    }
    for (auto* sub : at->get_subcommands({})) known.push_back(sub->get_name());
    if (known.empty()) return "unexpected argument '" + word + "' for '" + command_line(at) + "'";
    auto guess = mcp::nearest(word, known);
    return "unknown command '" + command_line(at) + " " + word + "'" +
           (guess.empty() ? "" : "; did you mean '" + command_line(at) + " " + guess + "'?");
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpbridge — connects your systems to AI agents over the Model Context Protocol"};
  app.set_version_flag("--version", "mcpbridge " MCPBRIDGE_VERSION);
  app.require_subcommand(1);
  // Before the command as well as after it: the same as MCPBRIDGE_CONFIG.
  std::string config;
  mcpbridge::add_config_option(app, config);
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
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    if (auto why = explain(app)) {
      std::cerr << "mcpbridge: " << *why << "\nRun with --help for more information.\n";
      return mcpbridge::kExitUsage;
    }
    return app.exit(e) == 0 ? 0 : mcpbridge::kExitUsage;
  }
  if (!config.empty()) ::setenv("MCPBRIDGE_CONFIG", config.c_str(), 1);
  for (auto& [command, sub] : commands)
    if (sub->parsed()) return command->run();
  return mcpbridge::kExitUsage;
}
