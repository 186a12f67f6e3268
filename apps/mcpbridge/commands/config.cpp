// `mcpbridge config`: the effective configuration (file, then environment) as YAML, secrets left
// out.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class ConfigCommand final : public Command {
 public:
  CLI::App* add(CLI::App& app) override {
    auto* config = app.add_subcommand("config", "Print the effective configuration as YAML");
    add_config_option(*config, path_);
    return config;
  }

  int run() override {
    auto cfg = load_config(path_);
    if (!cfg) return kExitUsage;
    std::cout << mcp::config::to_yaml(*cfg);
    return 0;
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<Command> make_config_command() { return std::make_unique<ConfigCommand>(); }

}  // namespace mcpbridge
