// `mcpbridge serve`: the configuration, the flags over it, logging, then the gateway that
// mcp::gateway::assemble builds, served until SIGINT or SIGTERM (then drained); SIGHUP reads the
// configuration again and applies what changed.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mcp/gateway/gateway.hpp>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

class Serve final : public ConfigCommand {
 public:
  Serve()
      : ConfigCommand("serve",
                      "Serve MCP over Streamable HTTP (default: http://127.0.0.1:8080/mcp)") {}

 protected:
  void declare(CLI::App& serve) override {
    serve.add_option("--host", host_, "Address to bind (default 127.0.0.1; env: MCPBRIDGE_HOST)");
    serve.add_option("-p,--port", port_, "TCP port (0 = ephemeral; env: MCPBRIDGE_PORT)")
        ->check(CLI::Range(0, 65535));
    serve.add_option("-t,--threads", threads_, "Event-loop threads (env: MCPBRIDGE_THREADS)")
        ->check(CLI::Range(1, 256));
    serve
        .add_option("--auth", auth_mode_,
                    "Who may call: oauth (default: the built-in authorization server), api_key, "
                    "header, none "
                    "(env: MCPBRIDGE_AUTH_MODE)")
        ->check(CLI::IsMember({"none", "api_key", "header", "headers", "oauth"}));
    serve.add_option("--tls-cert", tls_cert_, "PEM certificate chain: serve HTTPS (env: MCPBRIDGE_TLS_CERT_FILE)");
    serve.add_option("--tls-key", tls_key_, "PEM private key of --tls-cert (env: MCPBRIDGE_TLS_KEY_FILE)");
  }

  // The flags over the file and the environment (at start, and on each reload). Throws
  // std::runtime_error.
  void apply_flags(mcp::config::Config& cfg) const {
    if (!host_.empty()) cfg.http.host = host_;
    if (port_ >= 0) cfg.http.port = static_cast<std::uint16_t>(port_);
    if (threads_ > 0) cfg.http.threads = static_cast<unsigned>(threads_);
    if (!tls_cert_.empty()) cfg.http.tls.cert_file = tls_cert_;
    if (!tls_key_.empty()) cfg.http.tls.key_file = tls_key_;
    if (!auth_mode_.empty()) mcp::config::apply_env(cfg, {{"MCPBRIDGE_AUTH_MODE", auth_mode_}});
  }

  int run_config(mcp::config::Config& cfg) override {
    try {
      apply_flags(cfg);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    mcp::gateway::setup_logging(cfg);
    std::unique_ptr<mcp::gateway::Assembly> gateway;
    try {
      gateway = mcp::gateway::assemble(cfg);
    } catch (const mcp::gateway::AssemblyError& e) {
      return fail(e.what(), e.exit_code);
    }
    // SIGHUP: the same file, environment and flags, read again.
    gateway->set_reader([this] {
      auto next = mcp::config::load(config_path(), mcp::config::process_env());
      apply_flags(next);
      return next;
    });
    return gateway->serve();
  }

 private:
  std::string host_, auth_mode_, tls_cert_, tls_key_;
  int port_ = -1;
  int threads_ = -1;
};

}  // namespace

std::unique_ptr<Command> make_serve_command() { return std::make_unique<Serve>(); }

}  // namespace mcpbridge
