// conformance-client: the SDK client as the official conformance suite drives it.
//   MCP_CONFORMANCE_SCENARIO=<scenario> [MCP_CONFORMANCE_CONTEXT=<json>] conformance-client URL
// Connects, lists tools, calls them as the scenario expects, answers server requests
// (elicitation with schema defaults, sampling, roots), and authorizes with OAuth when asked.
#include <mcp/client/client.hpp>
#include <mcp/client/oauth.hpp>
#include <mcp/http/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace {

using mcp::json::object;
using mcp::Result;
using mcp::Task;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Arguments for a tool from its input schema: numbers count up, strings say "test".
object arguments_for(const object& tool) {
  object args;
  auto* schema = mcp::find_object(tool, "inputSchema");
  auto* props = schema ? mcp::find_object(*schema, "properties") : nullptr;
  if (!props) return args;
  int n = 1;
  for (const auto& [name, p] : *props) {
    auto type = p.is_object() ? mcp::find_string(p.as_object(), "type").value_or("string") : "string";
    if (type == "number" || type == "integer") args[name] = n++;
    else if (type == "boolean") args[name] = true;
    else if (type == "object") args[name] = object{};
    else if (type == "array") args[name] = mcp::json::array{};
    else args[name] = "test";
  }
  return args;
}

Task<Result<object>> on_elicit(object params) {
  object content;
  if (auto* s = mcp::find_object(params, "requestedSchema")) content = mcp::client::defaults_from_schema(*s);
  co_return Result<object>(object{{"action", "accept"}, {"content", content}});
}

Task<Result<object>> on_sample(object params) {
  std::string prompt;
  if (auto* msgs = params.if_contains("messages"); msgs && msgs->is_array() && !msgs->as_array().empty()) {
    auto& last = msgs->as_array().back();
    if (auto* c = last.is_object() ? mcp::find_object(last.as_object(), "content") : nullptr)
      prompt = std::string(mcp::find_string(*c, "text").value_or(""));
  }
  co_return Result<object>(object{{"role", "assistant"},
                                  {"content", object{{"type", "text"}, {"text", "Answer to: " + prompt}}},
                                  {"model", "conformance-client"},
                                  {"stopReason", "endTurn"}});
}

Task<Result<object>> on_roots(object) {
  mcp::json::array roots{object{{"uri", "file:///tmp/conformance"}, {"name", "conformance"}}};
  co_return Result<object>(object{{"roots", roots}});
}

Task<int> run(std::string url, std::string scenario) {
  mcp::http::ClientOptions http_options;
  http_options.policy.allow_loopback = true;  // the suite's servers listen on localhost
  http_options.policy.allow_http = true;
  auto http = mcp::http::make_http_client(http_options);

  mcp::client::Options options;
  options.url = url;
  options.name = "mcpbridge-conformance-client";
  options.version = "0.1.0";
  if (!env("MCP_CLIENT_TRACE").empty()) options.trace = [](std::string_view m) { std::cerr << m << "\n"; };
  if (auto v = env("MCP_CONFORMANCE_PROTOCOL_VERSION"); !v.empty()) options.protocol_version = v;
  mcp::client::Client client(http, options);
  client.on_request("elicitation/create", on_elicit);
  client.on_request("sampling/createMessage", on_sample);
  client.on_request("roots/list", on_roots);
  client.on_notification([](const std::string& method, const object& params) {
    std::cerr << "notification " << method << " " << mcp::json::serialize(params) << "\n";
  });

  // Auth scenarios: credentials from MCP_CONFORMANCE_CONTEXT (client_id, client_secret,
  // private_key_pem); CIMD with the URL the suite expects; else dynamic registration.
  mcp::client::OAuthOptions oauth_options;
  oauth_options.client_metadata_url = "https://conformance-test.local/client-metadata.json";
  oauth_options.client_name = "mcpbridge-conformance-client";
  boost::system::error_code ec;
  auto context = mcp::json::parse(env("MCP_CONFORMANCE_CONTEXT"), ec);
  if (!ec && context.is_object()) {
    auto& c = context.as_object();
    oauth_options.client_id = std::string(mcp::find_string(c, "client_id").value_or(""));
    oauth_options.client_secret = std::string(mcp::find_string(c, "client_secret").value_or(""));
    oauth_options.private_key_pem = std::string(mcp::find_string(c, "private_key_pem").value_or(""));
    oauth_options.idp_token_endpoint = std::string(mcp::find_string(c, "idp_token_endpoint").value_or(""));
    oauth_options.idp_client_id = std::string(mcp::find_string(c, "idp_client_id").value_or(""));
    oauth_options.idp_id_token = std::string(mcp::find_string(c, "idp_id_token").value_or(""));
    if (scenario == "auth/wif-jwt-bearer")
      oauth_options.jwt_bearer_assertion = std::string(mcp::find_string(c, "valid_jwt").value_or(""));
  }
  if (!env("MCP_CLIENT_TRACE").empty()) oauth_options.trace = [](std::string_view m) { std::cerr << m << "\n"; };
  oauth_options.client_credentials = scenario.rfind("auth/client-credentials", 0) == 0;
  mcp::client::OAuth oauth(http, url, oauth_options);
  if (scenario.rfind("auth/", 0) == 0) oauth.attach(client);

  auto init = co_await client.connect();
  if (!init) {
    std::cerr << "connect failed: " << init.error().message << "\n";
    co_return 1;
  }
  std::cerr << "connected: " << client.protocol_version() << " " << mcp::json::serialize(client.server_info()) << "\n";
  auto tools = co_await client.list_all_tools();
  if (!tools) {
    std::cerr << "tools/list failed: " << tools.error().message << "\n";
    co_await client.close();
    co_return 1;
  }
  int status = 0;
  // A scenario may name the calls to make (with their arguments) in its context.
  boost::system::error_code cec;
  auto ctx = mcp::json::parse(env("MCP_CONFORMANCE_CONTEXT"), cec);
  if (!cec && ctx.is_object() && ctx.as_object().contains("toolCalls") && ctx.as_object().at("toolCalls").is_array()) {
    for (const auto& call : ctx.as_object().at("toolCalls").as_array()) {
      if (!call.is_object()) continue;
      auto name = std::string(mcp::find_string(call.as_object(), "name").value_or(""));
      object args;
      if (auto* a = mcp::find_object(call.as_object(), "arguments")) args = *a;
      auto r = co_await client.call_tool(name, args);
      if (!r) std::cerr << "tools/call " << name << " failed: " << r.error().message << "\n";
      else std::cout << name << ": " << mcp::json::serialize(*r) << "\n";
    }
  } else if (scenario != "initialize") {
    for (const auto& t : *tools) {
      if (!t.is_object()) continue;
      auto name = std::string(mcp::find_string(t.as_object(), "name").value_or(""));
      auto args = arguments_for(t.as_object());
      // json-schema-2020-12-preservation: echo the focal tool's inputSchema as we received it.
      if (name == "json_schema_echo")
        for (const auto& other : *tools)
          if (other.is_object() && mcp::find_string(other.as_object(), "name") == "json_schema_2020_12_tool")
            if (auto* schema = mcp::find_object(other.as_object(), "inputSchema")) args = object{{"schema", *schema}};
      auto r = co_await client.call_tool(name, args);
      if (!r) {
        std::cerr << "tools/call " << name << " failed: " << r.error().message << "\n";
        status = 1;
      } else {
        std::cout << name << ": " << mcp::json::serialize(*r) << "\n";
      }
    }
  }
  co_await client.close();
  co_return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: MCP_CONFORMANCE_SCENARIO=<name> conformance-client URL\n";
    return 2;
  }
  std::string url = argv[argc - 1];
  std::string scenario = env("MCP_CONFORMANCE_SCENARIO");
  boost::asio::io_context io;
  int code = 1;
  boost::asio::co_spawn(io, run(url, scenario), [&](std::exception_ptr e, int c) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "failed: " << ex.what() << "\n";
      }
      code = 1;
    } else {
      code = c;
    }
  });
  io.run();
  return code;
}
