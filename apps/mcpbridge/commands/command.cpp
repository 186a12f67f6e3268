#include "commands/command.hpp"

#include <filesystem>
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

CLI::App* StoreActions::action(CLI::App& command, const std::string& name, const std::string& description,
                               Action run) {
  if (actions_.empty()) command.require_subcommand(1);
  auto* sub = command.add_subcommand(name, description);
  actions_.emplace_back(sub, std::move(run));
  return sub;
}

bool StoreActions::creates_store() const {
  for (auto& [sub, run] : actions_)
    if (sub->parsed()) return sub->get_name() == "add" || sub->get_name() == "create";
  return false;
}

int StoreActions::run_store(const mcp::config::Config& cfg, const std::shared_ptr<mcp::store::Store>& store) {
  for (auto& [sub, run] : actions_)
    if (sub->parsed()) return run(cfg, *store);
  return fail("no action given");  // unreachable: CLI11 requires one
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
