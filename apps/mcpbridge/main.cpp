// mcpbridge: the gateway's command line.
//   mcpbridge serve [--config FILE] [--host H] [--port N] [--threads N]
//   mcpbridge config [--config FILE]     print the effective configuration
//   mcpbridge version
// Exit codes: 0 success, 2 usage or configuration error, 3 cannot listen.
#include <mcp/mcp.hpp>

#include "builtin_tools.hpp"
#include "config.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

namespace {

constexpr int kExitUsage = 2;

void setup_logging(const mcpbridge::Config& c) {
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  if (c.log_format == "json")
    spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%v"})");
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcpbridge — connects your systems to AI agents over the Model Context Protocol"};
  app.require_subcommand(1);
  std::string config_path;
  std::string host;
  int port = -1;
  int threads = -1;

  auto* serve = app.add_subcommand("serve", "Serve MCP over Streamable HTTP (default: http://127.0.0.1:8080/mcp)");
  serve->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");
  serve->add_option("--host", host, "Address to bind (default 127.0.0.1; env: MCPBRIDGE_HOST)");
  serve->add_option("-p,--port", port, "TCP port (0 = ephemeral; env: MCPBRIDGE_PORT)")->check(CLI::Range(0, 65535));
  serve->add_option("-t,--threads", threads, "Event-loop threads (env: MCPBRIDGE_THREADS)")->check(CLI::Range(1, 256));

  auto* config = app.add_subcommand("config", "Print the effective configuration as YAML");
  config->add_option("-c,--config", config_path, "YAML configuration file (env: MCPBRIDGE_CONFIG)");

  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (app.got_subcommand("version")) {
    std::cout << "mcpbridge 0.1.0\n";
    return 0;
  }

  mcpbridge::Config cfg;
  try {
    auto env = mcpbridge::process_env();
    if (config_path.empty())
      if (auto it = env.find("MCPBRIDGE_CONFIG"); it != env.end()) config_path = it->second;
    if (!config_path.empty()) mcpbridge::apply_yaml_file(cfg, config_path);
    mcpbridge::apply_env(cfg, env);
  } catch (const std::exception& e) {
    std::cerr << "mcpbridge: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!host.empty()) cfg.http.host = host;
  if (port >= 0) cfg.http.port = static_cast<std::uint16_t>(port);
  if (threads > 0) cfg.http.threads = static_cast<unsigned>(threads);

  if (app.got_subcommand("config")) {
    std::cout << mcpbridge::to_yaml(cfg);
    return 0;
  }

  setup_logging(cfg);
  mcp::ServerOptions server_options = cfg.server;
  server_options.info = {.name = "mcpbridge", .version = "0.1.0"};
  mcp::Server server(std::move(server_options));
  if (cfg.builtin_tools) mcpbridge::register_builtin_tools(server);
  return mcp::serve(server, cfg.http);
}
