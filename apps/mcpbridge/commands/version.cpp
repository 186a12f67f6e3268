// `mcpbridge version`.
#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Version final : public Command {
 public:
  CLI::App* add(CLI::App& app) override {
    return app.add_subcommand("version", "Print the version");
  }
  int run() override {
    std::cout << "mcpbridge " MCPBRIDGE_VERSION "\n";
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> make_version_command() { return std::make_unique<Version>(); }

}  // namespace mcpbridge
