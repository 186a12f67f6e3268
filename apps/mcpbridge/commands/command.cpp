#include "commands/command.hpp"

#include <iostream>

namespace mcpbridge {

void add_config_option(CLI::App& command, std::string& path) {
  command.add_option("-c,--config", path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
}

std::optional<mcp::config::Config> load_config(const std::string& path) {
  try {
    return mcp::config::load(path, mcp::config::process_env());
  } catch (const std::exception& e) {
    fail(e.what());
    return std::nullopt;
  }
}

std::shared_ptr<mcp::store::Store> open_store(const mcp::config::Config& c) {
  try {
    return mcp::store::open_sqlite(c.store_path);
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
}

int fail(const std::string& message, int code) {
  std::cerr << "mcpbridge: " << message << "\n";
  return code;
}

std::string read_line() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

}  // namespace mcpbridge
