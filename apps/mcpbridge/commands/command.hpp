#pragma once
// One `mcpbridge` command: add() declares its subcommand and options, run() does it and returns
// the process exit code. Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen,
// 4 store unusable (`client` has its own, see client.cpp).
#include <CLI/CLI.hpp>
#include <functional>
#include <mcp/config/config.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcpbridge {

constexpr int kExitUsage = 2;
constexpr int kExitStore = 4;

class Command {
 public:
  virtual ~Command() = default;
  virtual CLI::App* add(CLI::App& app) = 0;
  virtual int run() = 0;
};

// A command made of two functions over its arguments: add(app, args) declares the subcommand
// and binds its options to args, run(args) does it.
template <class Args>
class FunctionCommand final : public Command {
 public:
  using AddFn = CLI::App* (*)(CLI::App&, Args&);
  using RunFn = int (*)(const Args&);
  FunctionCommand(AddFn add, RunFn run) : add_(add), run_(run) {}
  CLI::App* add(CLI::App& app) override { return add_(app, args_); }
  int run() override { return run_(args_); }

 private:
  AddFn add_;
  RunFn run_;
  Args args_;
};

// A command that reads the configuration: add() makes its subcommand, gives it `-c,--config`
// first (so --help lists it first), then declare() adds the rest; run() loads the configuration
// and hands it to run_config().
class ConfigCommand : public Command {
 public:
  ConfigCommand(std::string name, std::string description)
      : name_(std::move(name)), description_(std::move(description)) {}
  CLI::App* add(CLI::App& app) final;
  int run() final;

 protected:
  virtual void declare(CLI::App& command) = 0;
  virtual int run_config(mcp::config::Config& cfg) = 0;
  const std::string& config_path() const { return config_path_; }  // as given: "" for none

 private:
  std::string name_, description_, config_path_;
};

// A ConfigCommand that works on the store: run_store() once both are open.
class StoreCommand : public ConfigCommand {
 public:
  using ConfigCommand::ConfigCommand;

 protected:
  int run_config(mcp::config::Config& cfg) final;
  virtual int run_store(const mcp::config::Config& cfg,
                        const std::shared_ptr<mcp::store::Store>& store) = 0;
};

// A StoreCommand made of actions, one of which is given (`keys create|list|revoke`): declare()
// adds them with action(), run_store() runs the one parsed.
class StoreActions : public StoreCommand {
 public:
  using StoreCommand::StoreCommand;

 protected:
  using Config = mcp::config::Config;
  using Store = mcp::store::Store;
  using Action = std::function<int(const Config&, Store&)>;
  // Adds the subcommand `name`, run by `run` when given; its options are the caller's to add.
  CLI::App* action(CLI::App& command, const std::string& name, const std::string& description, Action run);
  int run_store(const mcp::config::Config& cfg, const std::shared_ptr<mcp::store::Store>& store) final;

 private:
  std::vector<std::pair<CLI::App*, Action>> actions_;
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
std::unique_ptr<Command> make_migrate_command();
std::unique_ptr<Command> make_openapi_command();
std::unique_ptr<Command> make_keys_command();
std::unique_ptr<Command> make_users_command();
std::unique_ptr<Command> make_vault_command();
std::unique_ptr<Command> make_clients_command();
std::unique_ptr<Command> make_consents_command();
std::unique_ptr<Command> make_connections_command();
std::unique_ptr<Command> make_client_command();

}  // namespace mcpbridge
