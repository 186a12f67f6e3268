// The assembly installs the tool-permission filter (docs/adr/0005-gateway-assembly.md): the
// transport no longer does, so without assemble()'s Server::set_tool_filter a principal would
// see and call every tool. Checked on the assembled server itself, below any transport.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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

// A gateway with configured sources serves their tools, not the demo tools beside them (unless
// tools.builtin asks); a name two tools would share is a load-time error naming both, never a
// silent replacement (an operation named `echo` replaced the built-in).
struct DemoToolsAndClashes : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("demo_tools_" + std::to_string(::getpid()));
  mcp::config::Config cfg;
  DemoToolsAndClashes() {
    fs::create_directories(dir);
    cfg.store_path = (dir / "store.db").string();
    cfg.http.port = 0;
    cfg.auth.mode = mcp::auth::Mode::none;
  }
  ~DemoToolsAndClashes() override { fs::remove_all(dir); }
  void source(const std::string& name, const std::string& operation, const std::string& prefix = "") {
    std::ofstream(dir / (name + ".yaml")) << "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /" << name
                                          << ":\n    get:\n      operationId: " << operation
                                          << "\n      responses: {'200': {description: ok}}\n";
    mcp::config::OpenApiSourceConfig o;
    o.spec = (dir / (name + ".yaml")).string();
    o.upstream.name = name;
    o.upstream.base_url = "http://127.0.0.1:9";
    o.prefix = prefix;
    cfg.openapi.push_back(o);
  }
  // The assembly's refusal (exit code 2, usage or configuration), or "" when it assembled.
  std::string assemble_error() {
    try {
      mcp::gateway::assemble(cfg);
    } catch (const mcp::gateway::AssemblyError& e) {
      EXPECT_EQ(e.exit_code, 2);
      return e.what();
    }
    return {};
  }
};

TEST_F(DemoToolsAndClashes, DemoToolsOnlyWithoutSourcesUnlessAskedFor) {
  mcp::test::CallContext anyone;
  EXPECT_EQ(listed(mcp::gateway::assemble(cfg)->server(), anyone), (std::vector<std::string>{"add", "echo", "whoami"}));
  source("items", "listItems");
  EXPECT_EQ(listed(mcp::gateway::assemble(cfg)->server(), anyone), (std::vector<std::string>{"listItems"}));
  cfg.builtin_tools = true;
  EXPECT_EQ(listed(mcp::gateway::assemble(cfg)->server(), anyone),
            (std::vector<std::string>{"add", "echo", "listItems", "whoami"}));
}

TEST_F(DemoToolsAndClashes, AClashIsALoadTimeErrorNamingBoth) {
  cfg.builtin_tools = true;
  source("shout", "echo");
  EXPECT_NE(assemble_error().find("tool 'echo' of openapi source shout clashes with a tool already served"),
            std::string::npos);
  cfg.builtin_tools = false;
  source("other", "echo");
  auto both = assemble_error();
  EXPECT_NE(both.find("tool 'echo' of openapi source"), std::string::npos) << both;
  EXPECT_NE(both.find("clashes with the same tool of openapi source"), std::string::npos) << both;
  EXPECT_TRUE(both.find("shout") != std::string::npos && both.find("other") != std::string::npos) << both;
  cfg.openapi.back().prefix = "other_";
  EXPECT_EQ(assemble_error(), "");
  mcp::test::CallContext anyone;
  EXPECT_EQ(listed(mcp::gateway::assemble(cfg)->server(), anyone), (std::vector<std::string>{"echo", "other_echo"}));
}

}  // namespace
