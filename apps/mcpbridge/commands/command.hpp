#pragma once
// One `mcpbridge` command: add() declares its subcommand and options, run() does it and returns
// the process exit code. Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen,
// 4 store unusable (`client` has its own, see client.cpp).
#include <CLI/CLI.hpp>
#include <functional>
#include <initializer_list>
#include <mcp/config/config.hpp>
#include <mcp/store/store.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpbridge {

using mcp::config::Config;
using mcp::store::Store;

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
  // Whether this run may make the store when there is none (see open_store()).
  virtual bool creates_store() const { return true; }
};

// The `-c,--config FILE` option of the commands that read the configuration.
void add_config_option(CLI::App& command, std::string& path);
// The configuration (the file, else MCPBRIDGE_CONFIG; then the environment); nullopt after
// printing why not.
std::optional<mcp::config::Config> load_config(const std::string& path);
// The store; null after printing why not. Unless `create`, a SQLite file that does not exist is
// not made: a command run from the wrong folder says which store it looked for instead of
// answering from a new, empty one.
std::shared_ptr<mcp::store::Store> open_store(const mcp::config::Config& c, bool create = true);
// Prints "mcpbridge: <message>" on standard error and returns `code`.
int fail(const std::string& message, int code = kExitUsage);
// The first line of standard input without its line ending.
std::string read_line();
// The end of an action that changes one thing: prints `done` and returns 0, or fails with
// `missing` when there was nothing to change.
int report(bool changed, const std::string& done, const std::string& missing);
// One row of a listing: the fields separated by tabs.
void print_row(std::initializer_list<std::string_view> fields);
// `items` separated by `separator`; `none` when there are none.
std::string joined(const std::vector<std::string>& items, std::string_view separator, std::string_view none = "");

// A StoreCommand made of actions, one of which is given (`keys create|list|revoke`): each a
// function of the command's arguments (bound to the action's options by `options`), the
// configuration and the store.
template <class Args>
class StoreActions final : public StoreCommand {
 public:
  using Options = std::function<void(CLI::App& action, Args& args)>;
  struct Action {
    const char* name;
    const char* description;
    int (*run)(const Args&, const Config&, Store&);
    Options options = nullptr;
  };
  StoreActions(std::string name, std::string description, std::vector<Action> actions)
      : StoreCommand(std::move(name), std::move(description)), actions_(std::move(actions)) {}

 protected:
  void declare(CLI::App& command) override {
    command.require_subcommand(1);
    for (auto& a : actions_) {
      subs_.push_back(command.add_subcommand(a.name, a.description));
      if (a.options) a.options(*subs_.back(), args_);
    }
  }
  int run_store(const Config& cfg, const std::shared_ptr<Store>& store) override {
    for (std::size_t i = 0; i < actions_.size(); ++i)
      if (subs_[i]->parsed()) return actions_[i].run(args_, cfg, *store);
    return fail("no action given");  // unreachable: CLI11 requires one
  }
  // Only the actions that add (add, create) may make the store; the others (list, revoke,
  // remove, passwd) work on what must already be there.
  bool creates_store() const override {
    for (std::size_t i = 0; i < actions_.size(); ++i)
      if (subs_[i]->parsed()) return std::string_view(actions_[i].name) == "add" || std::string_view(actions_[i].name) == "create";
    return false;
  }

 private:
  std::vector<Action> actions_;
  std::vector<CLI::App*> subs_;
  Args args_;
};

template <class Args>
std::unique_ptr<Command> store_actions(std::string name, std::string description,
                                       std::vector<typename StoreActions<Args>::Action> actions) {
  return std::make_unique<StoreActions<Args>>(std::move(name), std::move(description), std::move(actions));
}

// The options of an action that takes one required argument (`keys revoke ID`).
template <class Args>
std::function<void(CLI::App&, Args&)> argument(std::string name, std::string Args::*value, std::string description) {
  return [=](CLI::App& action, Args& args) { action.add_option(name, args.*value, description)->required(); };
}

// The commands' factories, in the order `mcpbridge --help` lists them.
using MakeCommand = std::unique_ptr<Command>();
MakeCommand make_serve_command, make_config_command, make_version_command, make_migrate_command,
    make_openapi_command, make_keys_command, make_users_command, make_vault_command, make_clients_command,
    make_consents_command, make_connections_command, make_client_command;

}  // namespace mcpbridge
