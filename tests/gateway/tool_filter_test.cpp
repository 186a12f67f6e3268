// The assembly installs the tool-permission filter (docs/adr/0005-gateway-assembly.md): the
// transport no longer does, so without assemble()'s Server::set_tool_filter a principal would
// see and call every tool. Checked on the assembled server itself, below any transport.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>

#include "openapi/fakes.hpp"

namespace {

namespace fs = std::filesystem;
using mcp::json::object;

std::vector<std::string> listed(mcp::Server& s, mcp::Context& ctx) {
  auto r = mcp::test::run_task(s.handle("tools/list", object{}, ctx));
  EXPECT_TRUE(r);
  std::vector<std::string> names;
  if (r)
    for (auto& t : r->at("tools").as_array()) names.push_back(mcp::json::value_to<std::string>(t.at("name")));
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AssemblyToolFilter, APrincipalSeesAndCallsOnlyThePermittedTools) {
  fs::path dir = fs::temp_directory_path() / ("tool_filter_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  mcp::config::Config cfg;
  cfg.store_path = (dir / "store.db").string();
  cfg.http.port = 0;
  cfg.builtin_tools = true;  // echo, add, whoami
  mcp::config::apply_yaml(cfg,
                          "auth:\n  mode: header\n  permissions:\n"
                          "    - {roles: [reader], tools: [echo, whoami]}\n"
                          "    - {roles: [admin], tools: ['*']}\n");
  cfg.auth.proxy_secret = "tool-filter-proxy-secret";
  {
    auto a = mcp::gateway::assemble(cfg);
    mcp::test::CallContext reader;
    reader.who.subject = "rita";
    reader.who.method = "header";
    reader.who.roles = {"reader"};
    EXPECT_EQ(listed(a->server(), reader), (std::vector<std::string>{"echo", "whoami"}));
    auto refused = mcp::test::run_task(
        a->server().handle("tools/call", object{{"name", "add"}, {"arguments", object{{"a", 1}, {"b", 2}}}}, reader));
    ASSERT_FALSE(refused);  // as if the tool did not exist: -32602, not a tool result
    EXPECT_EQ(refused.error().code, mcp::errc::kInvalidParams);
    EXPECT_EQ(refused.error().message, "Unknown tool: add");
    auto echoed = mcp::test::run_task(
        a->server().handle("tools/call", object{{"name", "echo"}, {"arguments", object{{"text", "hi"}}}}, reader));
    ASSERT_TRUE(echoed);
    EXPECT_FALSE(echoed->contains("isError"));

    mcp::test::CallContext admin;
    admin.who.subject = "ada";
    admin.who.method = "header";
    admin.who.roles = {"admin"};
    EXPECT_EQ(listed(a->server(), admin), (std::vector<std::string>{"add", "echo", "whoami"}));
  }
  fs::remove_all(dir);
}

}  // namespace
