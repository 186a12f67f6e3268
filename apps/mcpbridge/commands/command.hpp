#pragma once
// One `mcpbridge` command: add() declares its subcommand and options, run() does it and returns
// the process exit code. Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen,
// 4 store unusable (`client` has its own, see client.cpp).
#include <CLI/CLI.hpp>
#include <mcp/config/config.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <optional>
#include <string>

namespace mcpbridge {

constexpr int kExitUsage = 2;
constexpr int kExitStore = 4;

class Command {
 public:
  virtual ~Command() = default;
  virtual CLI::App* add(CLI::App& app) = 0;
  virtual int run() = 0;
};

// The `-c,--config FILE` option of the commands that read the configuration.
void add_config_option(CLI::App& command, std::string& path);
// The configuration (the file, else MCPBRIDGE_CONFIG; then the environment); nullopt after
// printing why not.
std::optional<mcp::config::Config> load_config(const std::string& path);
// The store; null after printing why not.
std::shared_ptr<mcp::store::Store> open_store(const mcp::config::Config& c);
// Prints "mcpbridge: <message>" on standard error and returns `code`.
int fail(const std::string& message, int code = kExitUsage);
// The first line of standard input without its line ending.
std::string read_line();

// In the order `mcpbridge --help` lists them.
std::unique_ptr<Command> make_serve_command();
std::unique_ptr<Command> make_config_command();
std::unique_ptr<Command> make_version_command();
std::unique_ptr<Command> make_openapi_command();
std::unique_ptr<Command> make_keys_command();
std::unique_ptr<Command> make_users_command();
std::unique_ptr<Command> make_vault_command();
std::unique_ptr<Command> make_clients_command();
std::unique_ptr<Command> make_consents_command();
std::unique_ptr<Command> make_connections_command();
std::unique_ptr<Command> make_client_command();

}  // namespace mcpbridge
