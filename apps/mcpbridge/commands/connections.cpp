// `mcpbridge connections list|login|logout|add|remove`: custom connections to other MCP
// servers, and each user's credentials for them; the work is the gateway's
// (mcp::gateway::connections_command), against the store a running server follows.
#include <fstream>
#include <iostream>
#include <mcp/gateway/gateway.hpp>
#include <sstream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Connections final : public ConfigCommand {
 public:
  Connections()
      : ConfigCommand("connections",
                      "Custom connections to other MCP servers (the config's connections:)") {}

 protected:
  void declare(CLI::App& conns) override {
    conns.require_subcommand(1);
    conns.add_subcommand("list", "List the connections and who has signed in to each");
    login_ = conns.add_subcommand("login",
                                  "Store a user's own credential for a connection (standard "
                                  "input: the API key, or the headers as a JSON object; "
                                  "auth oauth: prints a one-time sign-in link instead)");
    login_->add_option("name", name_, "The connection")->required();
    login_->add_option("--user", user_, "The user (principal subject)")->required();
    logout_ = conns.add_subcommand(
        "logout", "Remove a user's credential for a connection (OAuth: tokens revoked)");
    logout_->add_option("name", name_, "The connection")->required();
    logout_->add_option("--user", user_, "The user")->required();
    add_ = conns.add_subcommand("add",
                                "Add a connection at run time (kept in the store; a running "
                                "server starts it within admin.poll_s)");
    add_->add_option("name", name_, "The connection's name (tool prefix)");
    add_->add_option("url", url_, "The upstream MCP endpoint");
    add_->add_option("--auth", auth_,
                     "none | api_key | headers (each user signs in with `connections login`)");
    add_->add_option("--api-key-header", key_header_,
                     "api_key: send the key in this header, not as a bearer token");
    add_->add_option("--allow", allow_, "Tool-name glob to serve (repeatable; default all)");
    add_->add_option("--deny", deny_, "Tool-name glob to hide (repeatable)");
    add_->add_flag("--allow-private", allow_private_,
                   "The URL is internal (its host must be in admin.private_hosts)");
    add_->add_option("--protocol-version", version_, "2025-11-25 (default) or 2026-07-28");
    add_->add_option("--spec", spec_,
                     "Instead: a file ('-': standard input) holding the whole entry, YAML or JSON, "
                     "with the keys of a config file's connections: entry");
    remove_ = conns.add_subcommand("remove", "Remove a connection added at run time");
    remove_->add_option("name", name_, "The connection")->required();
  }

  int run_config(mcp::config::Config& cfg) override {
    mcp::gateway::ConnectionsCommand cmd;
    cmd.action = login_->parsed()    ? "login"
                 : logout_->parsed() ? "logout"
                 : add_->parsed()    ? "add"
                 : remove_->parsed() ? "remove"
                                     : "list";
    cmd.name = name_;
    cmd.user = user_;
    if (add_->parsed())
      if (int rc = entry(cmd.spec); rc != 0) return rc;
    auto store = open_store(cfg, add_->parsed() || login_->parsed());  // the actions that store something
    if (!store) return kExitStore;
    return mcp::gateway::connections_command(cfg, store, cmd, std::cin, std::cout, std::cerr);
  }

 private:
  // add's connection entry: the --spec file, or one made of the flags.
  int entry(std::string& spec) {
    if (!spec_.empty()) {
      std::stringstream text;
      if (spec_ == "-")
        text << std::cin.rdbuf();
      else if (std::ifstream f(spec_); f)
        text << f.rdbuf();
      else
        return fail("cannot read " + spec_);
      spec = text.str();
      return 0;
    }
    if (name_.empty() || url_.empty())
      return fail("connections add needs NAME and URL, or --spec FILE");
    mcp::json::object e{{"name", name_}, {"url", url_}, {"auth", auth_}};
    if (!key_header_.empty()) e["api_key_header"] = key_header_;
    if (!allow_.empty()) e["allow"] = mcp::json::value_from(allow_);
    if (!deny_.empty()) e["deny"] = mcp::json::value_from(deny_);
    if (allow_private_) e["allow_private"] = true;
    if (!version_.empty()) e["protocol_version"] = version_;
    spec = mcp::json::serialize(e);
    return 0;
  }

  std::string name_, user_, url_, auth_ = "none", key_header_, spec_, version_;
  std::vector<std::string> allow_, deny_;
  bool allow_private_ = false;
  CLI::App* login_ = nullptr;
  CLI::App* logout_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* remove_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_connections_command() { return std::make_unique<Connections>(); }

}  // namespace mcpbridge
