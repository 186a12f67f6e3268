// `mcpbridge config`: the effective configuration (file, then environment) as YAML, secrets left
// out.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class PrintConfig final : public ConfigCommand {
 public:
  PrintConfig() : ConfigCommand("config", "Print the effective configuration as YAML") {}

 protected:
  void declare(CLI::App&) override {}

  int run_config(mcp::config::Config& cfg) override {
    std::cout << mcp::config::to_yaml(cfg);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_config_command() { return std::make_unique<PrintConfig>(); }

}  // namespace mcpbridge
