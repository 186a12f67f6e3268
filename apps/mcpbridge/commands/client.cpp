// `mcpbridge client URL OP [ARGS]`: the SDK client from a shell, the way a script or CI job
// would use an MCP server. Prints the result as JSON on stdout.
#include <mcp/client/client.hpp>
#include <mcp/client/oauth.hpp>
#include <mcp/http/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

using mcp::json::object;

struct ClientArgs {
  std::string url, operation, name, json, bearer, protocol;
  std::vector<std::string> headers;
  bool oauth = false, verbose = false;
};

constexpr int kOk = 0, kToolError = 1, kUsage = 2, kConnection = 3;

// Transport and protocol failures (cannot connect, HTTP errors, timeouts) versus an error the
// server answered with.
bool transport_failure(const mcp::Error& e) {
  return e.code == mcp::errc::kConnectionClosed || e.code == mcp::errc::kRequestTimeout ||
         (e.data.is_object() && e.data.as_object().contains("reason"));
}

mcp::Task<mcp::Result<std::string>> ask_user(std::string url) {
  std::cerr << "Open this URL in a browser and sign in:\n  " << url
            << "\nThen paste the URL your browser was redirected to:\n> " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (line.empty()) co_return mcp::Result<std::string>(mcp::Error{mcp::errc::kInvalidParams, "no redirect URL given", {}});
  co_return mcp::Result<std::string>(line);
}

mcp::Task<int> run(ClientArgs a) {
  mcp::http::ClientOptions http_options;
  // The user names the server: a CLI is not a server fetching URLs for others, so private
  // and loopback addresses are fine here.
  http_options.policy.allow_http = true;
  http_options.policy.allow_loopback = true;
  http_options.policy.allow_private = true;
  std::shared_ptr<mcp::net::HttpClient> http;
  try {
    http = mcp::http::make_http_client(http_options);
  } catch (const std::exception& e) {
    std::cerr << "mcpbridge client: " << e.what() << "\n";
    co_return kConnection;
  }

  mcp::client::Options options;
  options.url = a.url;
  options.name = "mcpbridge-cli";
  if (!a.protocol.empty()) options.protocol_version = a.protocol;
  for (const auto& h : a.headers) {
    auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "mcpbridge client: --header wants NAME:VALUE, got '" << h << "'\n";
      co_return kUsage;
    }
    std::string name = h.substr(0, colon), value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    options.headers.emplace_back(name, value);
  }
  if (!a.bearer.empty()) options.headers.emplace_back("authorization", "Bearer " + a.bearer);
  if (a.verbose) options.trace = [](std::string_view m) { std::cerr << m << "\n"; };
  mcp::client::Client client(http, options);

  mcp::client::OAuthOptions oauth_options;
  oauth_options.client_name = "mcpbridge-cli";
  oauth_options.authorize = ask_user;
  mcp::client::OAuth oauth(http, a.url, oauth_options);
  if (a.oauth) oauth.attach(client);

  object args;
  if (!a.json.empty()) {
    boost::system::error_code ec;
    auto v = mcp::json::parse(a.json, ec);
    if (ec || !v.is_object()) {
      std::cerr << "mcpbridge client: arguments must be a JSON object\n";
      co_return kUsage;
    }
    args = v.as_object();
  }

  auto init = co_await client.connect();
  if (!init) {
    std::cerr << "mcpbridge client: cannot connect to " << a.url << ": " << init.error().message << "\n";
    co_return kConnection;
  }

  mcp::Result<object> r = object{};
  const auto& op = a.operation;
  if (op == "tools/list") {
    auto tools = co_await client.list_all_tools();
    if (tools) r = object{{"tools", *tools}};
    else r = tools.error();
  } else if (op == "tools/call") {
    r = co_await client.call_tool(a.name, args);
  } else if (op == "resources/list") {
    r = co_await client.list_resources();
  } else if (op == "resources/read") {
    r = co_await client.read_resource(a.name);
  } else if (op == "prompts/list") {
    r = co_await client.list_prompts();
  } else if (op == "prompts/get") {
    r = co_await client.get_prompt(a.name, args);
  } else if (op == "ping") {
    r = co_await client.ping();
  }
  co_await client.close();
  if (!r) {
    std::cerr << "mcpbridge client: " << op << " failed: " << r.error().message << " (" << r.error().code << ")\n";
    co_return transport_failure(r.error()) ? kConnection : kToolError;
  }
  std::cout << mcp::json::serialize(*r) << "\n";
  auto* is_error = r->if_contains("isError");
  co_return (is_error && is_error->is_bool() && is_error->as_bool()) ? kToolError : kOk;
}

}  // namespace

CLI::App* add_client_command(CLI::App& app, ClientArgs& a) {
  auto* cmd = app.add_subcommand("client", "Call an MCP server: tools/list | tools/call NAME JSON | resources/list | "
                                           "resources/read URI | prompts/list | prompts/get NAME JSON | ping");
  cmd->add_option("url", a.url, "The server's MCP endpoint (http:// or https://)")->required();
  cmd->add_option("operation", a.operation, "What to do")
      ->required()
      ->check(CLI::IsMember({"tools/list", "tools/call", "resources/list", "resources/read", "prompts/list",
                             "prompts/get", "ping"}));
  cmd->add_option("name", a.name, "Tool or prompt name, or resource URI");
  cmd->add_option("arguments", a.json, "Arguments as a JSON object");
  cmd->add_option("-H,--header", a.headers, "Extra header NAME:VALUE (repeatable)");
  cmd->add_option("--bearer", a.bearer, "Bearer token (API key)");
  cmd->add_flag("--oauth", a.oauth, "Authorize with OAuth when the server asks (interactive)");
  cmd->add_option("--protocol", a.protocol, "Protocol revision to ask for (e.g. 2026-07-28 for stateless)");
  cmd->add_flag("-v,--verbose", a.verbose, "Print every message on stderr");
  return cmd;
}

int run_client_command(const ClientArgs& a) {
  if ((a.operation == "tools/call" || a.operation == "prompts/get" || a.operation == "resources/read") && a.name.empty()) {
    std::cerr << "mcpbridge client: " << a.operation << " needs a name\n";
    return kUsage;
  }
  boost::asio::io_context io;
  int code = kConnection;
  boost::asio::co_spawn(io, run(a), [&](std::exception_ptr e, int c) {
    if (!e) {
      code = c;
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << "mcpbridge client: " << ex.what() << "\n";
    }
  });
  io.run();
  return code;
}

std::unique_ptr<Command> make_client_command() {
  return std::make_unique<FunctionCommand<ClientArgs>>(add_client_command, run_client_command);
}

}  // namespace mcpbridge
