#include <gtest/gtest.h>

#include <mcp/server/server.hpp>
#include <stdexcept>
#include <tuple>

#include "test_util.hpp"

namespace server_test {
struct AddArgs {
  double a;
  double b;
};
MCP_ARGS(AddArgs, (a, "First addend"), (b, "Second addend"))
}  // namespace server_test

namespace mcp {
namespace {

using test::FakeContext;
json::value J(std::string_view s) { return json::parse(s); }

Task<ToolResult> echo_tool(json::object args, Context&) {
  auto t = find_string(args, "text");
  co_return ToolResult::text(std::string(t.value_or("")));
}

Tool make_tool(std::string name) {
  Tool t;
  t.name = std::move(name);
  t.description = "a tool";
  return t;
}

class ServerTest : public ::testing::Test {
 protected:
  Result<json::object> call(Server& s, std::string method, json::object params) {
    return test::run(io_, s.handle(std::move(method), std::move(params), ctx_));
  }
  Result<json::object> call(std::string method, json::object params) {
    return call(server_, std::move(method), std::move(params));
  }
  json::object call_ok(std::string method, json::object params) {
    auto r = call(std::move(method), std::move(params));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r.value() : json::object{};
  }
  static std::string text_of(const json::object& result) {
    return std::string(result.at("content").at(0).at("text").as_string());
  }

  boost::asio::io_context io_;
  FakeContext ctx_;
  Server server_{ServerOptions{.info = {"test", "1.0"}, .page_size = 2}};
};

TEST_F(ServerTest, ToolsListPaginates) {
  for (int i = 0; i < 5; ++i) server_.add_tool(make_tool("t" + std::to_string(i)), echo_tool);
  std::vector<std::string> names;
  json::object params;
  int pages = 0;
  for (;;) {
    auto page = call_ok("tools/list", params);
    ++pages;
    auto& tools = page.at("tools").as_array();
    EXPECT_LE(tools.size(), 2u);
    for (auto& t : tools) names.emplace_back(t.at("name").as_string());
    auto* next = find(page, "nextCursor");
    if (!next) break;
    ASSERT_TRUE(next->is_string());
    params = {{"cursor", *next}};
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4"}));
}

TEST_F(ServerTest, ToolsListExactPageHasNoNextCursor) {
  server_.add_tool(make_tool("a"), echo_tool);
  server_.add_tool(make_tool("b"), echo_tool);
  auto page = call_ok("tools/list", {});
  EXPECT_EQ(page.at("tools").as_array().size(), 2u);
  EXPECT_FALSE(page.contains("nextCursor"));
}

TEST_F(ServerTest, ToolsListListsDefinitions) {
  Tool t = make_tool("add");
  t.title = "Add";
  t.input_schema = J(R"({"type":"object","properties":{"a":{"type":"number"}}})").as_object();
  t.output_schema = J(R"({"type":"object"})").as_object();
  t.annotations = {{"readOnlyHint", true}};
  server_.add_tool(t, echo_tool);
  auto page = call_ok("tools/list", {});
  auto& listed = page.at("tools").at(0).as_object();
  EXPECT_EQ(listed.at("name"), "add");
  EXPECT_EQ(listed.at("title"), "Add");
  EXPECT_EQ(listed.at("description"), "a tool");
  EXPECT_EQ(listed.at("inputSchema"), json::value(t.input_schema));
  EXPECT_EQ(listed.at("outputSchema"), J(R"({"type":"object"})"));
  EXPECT_EQ(listed.at("annotations"), J(R"({"readOnlyHint":true})"));
}

TEST_F(ServerTest, ToolsListInvalidCursor) {
  for (int i = 0; i < 3; ++i) server_.add_tool(make_tool("t" + std::to_string(i)), echo_tool);
  for (json::value cursor : {json::value("garbage!"), json::value("bzk5OTk"), json::value(5), json::value("")}) {
    auto r = call("tools/list", {{"cursor", cursor}});
    ASSERT_FALSE(r) << cursor;
    EXPECT_EQ(r.error().code, errc::kInvalidParams) << cursor;
  }
}

TEST_F(ServerTest, UnknownMethodIsMethodNotFound) {
  auto r = call("tools/frobnicate", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kMethodNotFound);
  EXPECT_FALSE(server_.has_method("tools/frobnicate"));
  EXPECT_TRUE(server_.has_method("tools/call"));
}

TEST_F(ServerTest, CallsATool) {
  server_.add_tool(make_tool("echo"), echo_tool);
  auto r = call_ok("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  EXPECT_EQ(text_of(r), "hi");
  EXPECT_FALSE(r.contains("isError"));
}

TEST_F(ServerTest, CallUnknownToolIsInvalidParams) {
  auto r = call("tools/call", {{"name", "nope"}, {"arguments", json::object{}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kInvalidParams);
  EXPECT_NE(r.error().message.find("nope"), std::string::npos);
  auto no_name = call("tools/call", {{"arguments", json::object{}}});
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().code, errc::kInvalidParams);
}

TEST_F(ServerTest, ArgumentValidationFailureIsAnErrorResult) {
  Tool t = make_tool("strict");
  t.input_schema = J(R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})").as_object();
  bool ran = false;
  server_.add_tool(t, [&ran](json::object, Context&) -> Task<ToolResult> {
    ran = true;
    return [](bool*) -> Task<ToolResult> { co_return ToolResult::text("ran"); }(&ran);
  });
  auto r = call_ok("tools/call", {{"name", "strict"}, {"arguments", {{"n", "seven"}}}});
  EXPECT_EQ(r.at("isError"), true);
  EXPECT_NE(text_of(r).find("/n"), std::string::npos) << text_of(r);
  EXPECT_FALSE(ran);

  auto missing = call_ok("tools/call", {{"name", "strict"}});  // no arguments at all
  EXPECT_EQ(missing.at("isError"), true);
  EXPECT_NE(text_of(missing).find("'n'"), std::string::npos) << text_of(missing);

  auto not_object = call_ok("tools/call", {{"name", "strict"}, {"arguments", json::array{1}}});
  EXPECT_EQ(not_object.at("isError"), true);
  EXPECT_FALSE(ran);

  auto ok = call_ok("tools/call", {{"name", "strict"}, {"arguments", {{"n", 7}}}});
  EXPECT_FALSE(ok.contains("isError"));
  EXPECT_TRUE(ran);
}

Task<ToolResult> throwing_tool(json::object, Context&) {
  throw std::runtime_error("database on fire");
  co_return ToolResult::text("unreachable");
}

TEST_F(ServerTest, HandlerExceptionIsAnErrorResult) {
  server_.add_tool(make_tool("boom"), throwing_tool);
  auto r = call_ok("tools/call", {{"name", "boom"}});
  EXPECT_EQ(r.at("isError"), true);
  EXPECT_NE(text_of(r).find("database on fire"), std::string::npos) << text_of(r);
}

TEST_F(ServerTest, HandlerThrowingBeforeReturningATaskIsAnErrorResult) {
  server_.add_tool(make_tool("boom"),
                   [](json::object, Context&) -> Task<ToolResult> { throw std::runtime_error("eager failure"); });
  auto r = call_ok("tools/call", {{"name", "boom"}});
  EXPECT_EQ(r.at("isError"), true);
  EXPECT_NE(text_of(r).find("eager failure"), std::string::npos) << text_of(r);
}

Task<ToolResult> structured_tool(json::object args, Context&) { co_return ToolResult::structured_content(args); }

TEST_F(ServerTest, OutputSchemaIsEnforced) {
  Tool t = make_tool("out");
  t.output_schema = J(R"({"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]})").as_object();
  server_.add_tool(t, structured_tool);

  auto ok = call_ok("tools/call", {{"name", "out"}, {"arguments", {{"sum", 3}}}});
  EXPECT_FALSE(ok.contains("isError"));
  EXPECT_EQ(ok.at("structuredContent"), J(R"({"sum":3})"));
  EXPECT_EQ(J(text_of(ok)), J(R"({"sum":3})"));  // serialised as text too

  auto bad = call_ok("tools/call", {{"name", "out"}, {"arguments", {{"sum", "three"}}}});
  EXPECT_EQ(bad.at("isError"), true);
  EXPECT_FALSE(bad.contains("structuredContent"));
  EXPECT_NE(text_of(bad).find("outputSchema"), std::string::npos) << text_of(bad);
}

TEST_F(ServerTest, OutputSchemaWithoutStructuredContentIsAnError) {
  Tool t = make_tool("plain");
  t.output_schema = J(R"({"type":"object"})").as_object();
  server_.add_tool(t, echo_tool);
  auto r = call_ok("tools/call", {{"name", "plain"}, {"arguments", {{"text", "x"}}}});
  EXPECT_EQ(r.at("isError"), true);
}

TEST_F(ServerTest, ErrorResultsSkipOutputSchema) {
  Tool t = make_tool("fails");
  t.output_schema = J(R"({"type":"object","required":["sum"]})").as_object();
  server_.add_tool(t, [](json::object, Context&) -> Task<ToolResult> {
    return []() -> Task<ToolResult> { co_return ToolResult::error("upstream said no"); }();
  });
  auto r = call_ok("tools/call", {{"name", "fails"}});
  EXPECT_EQ(r.at("isError"), true);
  EXPECT_EQ(text_of(r), "upstream said no");
}

TEST_F(ServerTest, TypedToolSchemaAndCall) {
  server_.add_tool<server_test::AddArgs>("add", "Add two numbers",
                                         [](server_test::AddArgs in, Context&) -> Task<ToolResult> {
                                           co_return ToolResult::structured_content({{"sum", in.a + in.b}});
                                         });
  auto list = call_ok("tools/list", {});
  auto& schema = list.at("tools").at(0).at("inputSchema");
  EXPECT_EQ(schema.at("required"), J(R"(["a","b"])"));
  EXPECT_EQ(schema.at("properties").at("a").at("description"), "First addend");

  auto r = call_ok("tools/call", {{"name", "add"}, {"arguments", {{"a", 2}, {"b", 0.5}}}});
  EXPECT_EQ(r.at("structuredContent"), J(R"({"sum":2.5})"));
  // The text content reads as people write numbers: 5, not 5E0.
  EXPECT_EQ(text_of(r), R"({"sum":2.5})");
  EXPECT_EQ(text_of(call_ok("tools/call", {{"name", "add"}, {"arguments", {{"a", 2}, {"b", 3}}}})), R"({"sum":5})");
  EXPECT_EQ(text_of(call_ok("tools/call", {{"name", "add"}, {"arguments", {{"a", 1e300}, {"b", 1e300}}}})),
            R"({"sum":2e+300})");

  auto bad = call_ok("tools/call", {{"name", "add"}, {"arguments", {{"a", 2}, {"b", "x"}}}});
  EXPECT_EQ(bad.at("isError"), true);
  EXPECT_NE(text_of(bad).find("/b"), std::string::npos) << text_of(bad);
}

TEST_F(ServerTest, TypedToolReportsReadErrorsWhenValidationIsOff) {
  Server s(ServerOptions{.info = {"t", "1"}, .validate_arguments = false});
  s.add_tool<server_test::AddArgs>("add", "Add", [](server_test::AddArgs in, Context&) -> Task<ToolResult> {
    co_return ToolResult::text("unreachable");
  });
  auto r = call(s, "tools/call", {{"name", "add"}, {"arguments", {{"a", 1}}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().at("isError"), true);
  EXPECT_EQ(text_of(r.value()), "Invalid arguments: (root): missing required property 'b'");
}

TEST_F(ServerTest, RemoveTool) {
  server_.add_tool(make_tool("a"), echo_tool);
  EXPECT_TRUE(server_.remove_tool("a"));
  EXPECT_FALSE(server_.remove_tool("a"));
  auto r = call("tools/call", {{"name", "a"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kInvalidParams);
}

TEST_F(ServerTest, ReplacingAToolKeepsItsPosition) {
  server_.add_tool(make_tool("a"), echo_tool);
  server_.add_tool(make_tool("b"), echo_tool);
  Tool a2 = make_tool("a");
  a2.description = "second version";
  server_.add_tool(a2, echo_tool);
  auto page = call_ok("tools/list", {});
  ASSERT_EQ(page.at("tools").as_array().size(), 2u);
  EXPECT_EQ(page.at("tools").at(0).at("name"), "a");
  EXPECT_EQ(page.at("tools").at(0).at("description"), "second version");
}

// --- resources ---

Task<Result<json::array>> read_static(std::string uri, Context&) {
  co_return json::array{{{"uri", uri}, {"mimeType", "text/plain"}, {"text", "static body"}}};
}

Task<Result<json::array>> read_user(std::string uri, UriVariables vars, Context&) {
  co_return json::array{{{"uri", uri}, {"text", "user " + vars.at("id")}}};
}

class ResourceTest : public ServerTest {
 protected:
  void SetUp() override {
    server_.add_resource(Resource{.uri = "file:///readme", .name = "readme", .mime_type = "text/plain"}, read_static);
    server_.add_resource_template(ResourceTemplate{.uri_template = "users://{id}/profile", .name = "user"}, read_user);
  }
};

TEST_F(ResourceTest, ReadsStaticResource) {
  auto r = call_ok("resources/read", {{"uri", "file:///readme"}});
  EXPECT_EQ(r.at("contents").at(0).at("text"), "static body");
  EXPECT_EQ(r.at("contents").at(0).at("uri"), "file:///readme");
}

TEST_F(ResourceTest, ReadsThroughTemplate) {
  auto r = call_ok("resources/read", {{"uri", "users://42/profile"}});
  EXPECT_EQ(r.at("contents").at(0).at("text"), "user 42");
  auto decoded = call_ok("resources/read", {{"uri", "users://a%20b/profile"}});
  EXPECT_EQ(decoded.at("contents").at(0).at("text"), "user a b");
}

TEST_F(ResourceTest, UnknownResourceIsNotFoundWithUri) {
  auto r = call("resources/read", {{"uri", "file:///missing"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kResourceNotFound);
  EXPECT_EQ(r.error().data, J(R"({"uri":"file:///missing"})"));
  auto nomatch = call("resources/read", {{"uri", "users://42/settings"}});
  ASSERT_FALSE(nomatch);
  EXPECT_EQ(nomatch.error().code, errc::kResourceNotFound);
  auto no_uri = call("resources/read", {});
  ASSERT_FALSE(no_uri);
  EXPECT_EQ(no_uri.error().code, errc::kInvalidParams);
}

TEST_F(ResourceTest, ReaderErrorsPassThrough) {
  server_.add_resource(Resource{.uri = "x://denied", .name = "denied"}, [](std::string, Context&) {
    return []() -> Task<Result<json::array>> { co_return Error{-32001, "denied", {}}; }();
  });
  auto r = call("resources/read", {{"uri", "x://denied"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, -32001);
}

TEST_F(ResourceTest, ListsResourcesAndTemplates) {
  auto list = call_ok("resources/list", {});
  ASSERT_EQ(list.at("resources").as_array().size(), 1u);
  EXPECT_EQ(list.at("resources").at(0), J(R"({"uri":"file:///readme","name":"readme","mimeType":"text/plain"})"));
  auto templates = call_ok("resources/templates/list", {});
  EXPECT_EQ(templates.at("resourceTemplates").at(0), J(R"({"uriTemplate":"users://{id}/profile","name":"user"})"));
}

TEST_F(ResourceTest, KnowsResource) {
  EXPECT_TRUE(server_.knows_resource("file:///readme"));
  EXPECT_TRUE(server_.knows_resource("users://7/profile"));
  EXPECT_FALSE(server_.knows_resource("users://7"));
  EXPECT_FALSE(server_.knows_resource("file:///other"));
}

// --- prompts ---

Task<Result<json::object>> greet(PromptArguments args, Context&) {
  std::string style = args.count("style") ? args.at("style") : "plain";
  co_return json::object{
      {"messages",
       json::array{{{"role", "user"}, {"content", text_content("Hello " + args.at("name") + " (" + style + ")")}}}}};
}

class PromptTest : public ServerTest {
 protected:
  void SetUp() override {
    Prompt p{.name = "greet", .description = "Greets"};
    p.arguments.push_back(PromptArgument{.name = "name", .required = true});
    p.arguments.push_back(PromptArgument{.name = "style"});
    server_.add_prompt(p, greet);
  }
};

TEST_F(PromptTest, GetsPrompt) {
  auto r = call_ok("prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}}}});
  EXPECT_EQ(r.at("messages").at(0).at("content").at("text"), "Hello Ada (plain)");
  auto styled = call_ok("prompts/get", {{"name", "greet"}, {"arguments", {{"name", "Ada"}, {"style", "warm"}}}});
  EXPECT_EQ(styled.at("messages").at(0).at("content").at("text"), "Hello Ada (warm)");
}

TEST_F(PromptTest, MissingRequiredArgumentIsInvalidParams) {
  auto r = call("prompts/get", {{"name", "greet"}, {"arguments", {{"style", "warm"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kInvalidParams);
  EXPECT_NE(r.error().message.find("'name'"), std::string::npos) << r.error().message;
  auto none = call("prompts/get", {{"name", "greet"}});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, errc::kInvalidParams);
}

TEST_F(PromptTest, BadArgumentsAndUnknownPrompt) {
  auto non_string = call("prompts/get", {{"name", "greet"}, {"arguments", {{"name", 5}}}});
  ASSERT_FALSE(non_string);
  EXPECT_EQ(non_string.error().code, errc::kInvalidParams);
  auto unknown = call("prompts/get", {{"name", "nope"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, errc::kInvalidParams);
}

TEST_F(PromptTest, ListsPrompts) {
  auto r = call_ok("prompts/list", {});
  EXPECT_EQ(
      r.at("prompts").at(0),
      J(R"({"name":"greet","description":"Greets","arguments":[{"name":"name","required":true},{"name":"style"}]})"));
}

// --- completion ---

TEST_F(PromptTest, CompletionWithoutHandlerIsMethodNotFound) {
  EXPECT_FALSE(server_.capabilities().contains("completions"));
  auto r = call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                        {"argument", {{"name", "style"}, {"value", "w"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kMethodNotFound);
}

TEST_F(PromptTest, Completion) {
  std::vector<std::tuple<json::object, std::string, std::string, json::object>> calls;
  server_.set_completion_handler([&calls](json::object ref, std::string arg, std::string value, json::object ctx_args) {
    calls.emplace_back(ref, arg, value, ctx_args);
    std::vector<std::string> all;
    for (int i = 0; i < 150; ++i) all.push_back(value + std::to_string(i));
    return [](std::vector<std::string> v) -> Task<Result<std::vector<std::string>>> { co_return v; }(all);
  });
  EXPECT_TRUE(server_.capabilities().contains("completions"));
  auto r = call_ok("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "greet"}}},
                                           {"argument", {{"name", "style"}, {"value", "w"}}},
                                           {"context", {{"arguments", {{"name", "Ada"}}}}}});
  auto& c = r.at("completion");
  EXPECT_EQ(c.at("values").as_array().size(), 100u);  // the spec's cap
  EXPECT_EQ(c.at("values").at(0), "w0");
  EXPECT_EQ(c.at("total"), 150);
  EXPECT_EQ(c.at("hasMore"), true);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(std::get<1>(calls[0]), "style");
  EXPECT_EQ(std::get<2>(calls[0]), "w");
  EXPECT_EQ(std::get<3>(calls[0]).at("name"), "Ada");

  auto unknown_prompt = call("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                                     {"argument", {{"name", "x"}, {"value", ""}}}});
  ASSERT_FALSE(unknown_prompt);
  EXPECT_EQ(unknown_prompt.error().code, errc::kInvalidParams);
  auto bad_type = call("completion/complete",
                       {{"ref", {{"type", "ref/tool"}, {"name", "x"}}}, {"argument", {{"name", "x"}, {"value", ""}}}});
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().code, errc::kInvalidParams);
  auto no_argument = call("completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "x://y"}}}});
  ASSERT_FALSE(no_argument);
  EXPECT_EQ(no_argument.error().code, errc::kInvalidParams);
  auto resource = call_ok("completion/complete", {{"ref", {{"type", "ref/resource"}, {"uri", "users://{id}/profile"}}},
                                                  {"argument", {{"name", "id"}, {"value", "4"}}}});
  EXPECT_EQ(resource.at("completion").at("values").at(0), "40");
  EXPECT_EQ(calls.size(), 2u);
}

// --- list_changed ---

struct Broadcast {
  std::string method;
  json::object params;
  std::string uri;
};

TEST_F(ServerTest, ListChangedIsBroadcastThroughTheListener) {
  std::vector<Broadcast> seen;
  server_.set_listener([&seen](const std::string& m, const json::object& p, const std::string& uri) {
    seen.push_back({m, p, uri});
  });
  server_.add_tool(make_tool("a"), echo_tool);
  server_.remove_tool("a");
  server_.remove_tool("a");  // nothing removed: nothing sent
  server_.add_prompt(Prompt{.name = "p"}, greet);
  server_.remove_prompt("p");
  server_.add_resource(Resource{.uri = "x://r", .name = "r"}, read_static);
  server_.remove_resource("x://r");
  server_.add_resource_template(ResourceTemplate{.uri_template = "x://{a}", .name = "t"}, read_user);
  server_.notify_resource_updated("x://r");

  std::vector<std::string> methods;
  for (auto& b : seen) methods.push_back(b.method);
  EXPECT_EQ(methods,
            (std::vector<std::string>{"notifications/tools/list_changed", "notifications/tools/list_changed",
                                      "notifications/prompts/list_changed", "notifications/prompts/list_changed",
                                      "notifications/resources/list_changed", "notifications/resources/list_changed",
                                      "notifications/resources/list_changed", "notifications/resources/updated"}));
  for (size_t i = 0; i + 1 < seen.size(); ++i) EXPECT_EQ(seen[i].uri, "") << seen[i].method;
  EXPECT_EQ(seen.back().uri, "x://r");
  EXPECT_EQ(seen.back().params, J(R"({"uri":"x://r"})"));

  server_.set_listener(nullptr);
  server_.add_tool(make_tool("b"), echo_tool);  // no listener: nothing, no crash
  EXPECT_EQ(seen.size(), methods.size());
}

// A reload swaps a source's tools in one step: one notification, and the list is the new set.
TEST_F(ServerTest, ReplaceToolsIsOneChange) {
  Server server{ServerOptions{.info = {"test", "1.0"}}};
  server.add_tool(make_tool("keep"), echo_tool);
  server.add_tool(make_tool("old"), echo_tool);
  server.add_tool(make_tool("changed"), echo_tool);
  std::vector<std::string> seen;
  server.set_listener([&seen](const std::string& m, const json::object&, const std::string&) { seen.push_back(m); });
  Tool changed = make_tool("changed");
  changed.description = "second version";
  std::vector<std::pair<Tool, ToolHandler>> add;
  add.emplace_back(changed, echo_tool);
  add.emplace_back(make_tool("new"), echo_tool);
  server.replace_tools({"old", "changed"}, std::move(add));
  EXPECT_EQ(seen, std::vector<std::string>{"notifications/tools/list_changed"});
  auto page = call(server, "tools/list", {}).value();
  std::vector<std::string> names;
  for (auto& t : page.at("tools").as_array()) names.emplace_back(t.at("name").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"keep", "changed", "new"}));
  EXPECT_EQ(page.at("tools").at(1).at("description"), "second version");
  EXPECT_FALSE(call(server, "tools/call", {{"name", "old"}}));
}

TEST_F(ServerTest, CapabilitiesAdvertiseListChanged) {
  auto caps = server_.capabilities();
  EXPECT_EQ(caps.at("tools").at("listChanged"), true);
  EXPECT_EQ(caps.at("prompts").at("listChanged"), true);
  EXPECT_EQ(caps.at("resources").at("listChanged"), true);
  EXPECT_EQ(caps.at("resources").at("subscribe"), true);
}

}  // namespace
}  // namespace mcp
