#include "commands/command.hpp"

#include <filesystem>
#include <iostream>
#include <utility>

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

std::shared_ptr<mcp::store::Store> open_store(const mcp::config::Config& c, bool create) {
  std::error_code ec;
  if (!create && !mcp::store::is_postgres_uri(c.store_path) && !std::filesystem::exists(c.store_path, ec)) {
    fail("no store at " + std::filesystem::absolute(c.store_path, ec).string() +
             " (store.path in the configuration, MCPBRIDGE_STORE or -c FILE name it; the store is made by "
             "`mcpbridge serve`, `migrate`, `users add` or `keys create`)",
         kExitStore);
    return nullptr;
  }
  try {
    return mcp::store::open_store(c.store_path);  // a file path, or a postgresql:// URI
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
}

// `-c` on every action too: `mcpbridge keys list -c FILE` as well as `keys -c FILE list`.
static void add_config_option_below(CLI::App& command, std::string& path) {
  for (auto* sub : command.get_subcommands({})) {
    if (!sub->get_option_no_throw("--config")) add_config_option(*sub, path);
    add_config_option_below(*sub, path);
  }
}

CLI::App* ConfigCommand::add(CLI::App& app) {
  auto* command = app.add_subcommand(name_, description_);
  add_config_option(*command, config_path_);
  declare(*command);
  add_config_option_below(*command, config_path_);
  return command;
}

int ConfigCommand::run() {
  auto cfg = load_config(config_path_);
  if (!cfg) return kExitUsage;
  return run_config(*cfg);
}

int StoreCommand::run_config(mcp::config::Config& cfg) {
  auto store = open_store(cfg, creates_store());
  if (!store) return kExitStore;
  return run_store(cfg, store);
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

int report(bool changed, const std::string& done, const std::string& missing) {
  if (!changed) return fail(missing);
  std::cout << done << "\n";
  return 0;
}

void print_row(std::initializer_list<std::string_view> fields) {
  const char* tab = "";
  for (auto f : fields) std::cout << std::exchange(tab, "\t") << f;
  std::cout << "\n";
}

std::string joined(const std::vector<std::string>& items, std::string_view separator, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out = items.front();
  for (std::size_t i = 1; i < items.size(); ++i) out.append(separator).append(items[i]);
  return out;
}

}  // namespace mcpbridge
