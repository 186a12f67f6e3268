#pragma once
// `mcpbridge client`: exit codes 0 ok, 1 tool error (isError or an error answer), 2 usage,
// 3 connection or protocol failure.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace mcpbridge {

struct ClientArgs {
  std::string url, operation, name, json, bearer, protocol;
  std::vector<std::string> headers;
  bool oauth = false, verbose = false;
};

CLI::App* add_client_command(CLI::App& app, ClientArgs& args);
int run_client_command(const ClientArgs& args);

}  // namespace mcpbridge
