// Bounds on schema conversion (LoadOptions::max_schema_nodes per tool schema,
// max_total_schema_nodes per spec): refused before the work is done, not after.
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "openapi_test_util.hpp"

using namespace openapi_test;

namespace {

// `ops` POST operations whose body and 200 response are L<depth>; L<i> refers to L<i-1> twice
// (inlined, 4 * 2^depth nodes), L0 is a string. Plus one operation excluded by x-mcp: false.
std::string fanout(int depth, int ops) {
  std::string paths, schemas = R"("L0":{"type":"string"})";
  for (int i = 1; i <= depth; ++i) {
    std::string prev = "{\"$ref\":\"#/components/schemas/L" + std::to_string(i - 1) + "\"}";
    schemas += ",\"L" + std::to_string(i) + R"(":{"type":"object","properties":{"a":)" + prev + ",\"b\":" + prev + "}}";
  }
  std::string top = "{\"$ref\":\"#/components/schemas/L" + std::to_string(depth) + "\"}";
  for (int p = 0; p < ops; ++p)
    paths += "\"/p" + std::to_string(p) + R"(":{"post":{"requestBody":{"content":{"application/json":{"schema":)" +
             top + R"(}}},"responses":{"200":{"description":"ok","content":{"application/json":{"schema":)" + top +
             "}}}}}},";
  paths += R"("/off":{"get":{"x-mcp":false,"responses":{"200":{"description":"ok"}}}})";
  return R"({"openapi":"3.0.3","info":{"title":"f","version":"1"},"paths":{)" + paths +
         R"(},"components":{"schemas":{)" + schemas + "}}}";
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;  // kilobytes on Linux
}

}  // namespace

// Fuzzing found it (hardening issue 20): 8.8 KB, 30 levels of schemas each referring to the
// previous one twice, 20 operations. Inlining was tried (and built up to the per-tool limit,
// 2M nodes, kept in the cache) for every input and output before falling back to $defs:
// 23 s and 580 MB. Sized before building, the fallback is immediate.
TEST(OpenApiBudget, RefFanOutLoadsFastWithDefs) {
  std::ifstream in(std::string(MCP_OPENAPI_FIXTURES) + "/ref-fanout.json");
  std::stringstream text;
  text << in.rdbuf();
  ASSERT_GT(text.str().size(), 8000u);
  auto t0 = std::chrono::steady_clock::now();
  auto s = load(text.str());
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_LT(peak_rss_mb(), 200) << "MB";
  EXPECT_TRUE(s.skipped.empty());
  ASSERT_EQ(s.operations.size(), 20u);
  for (auto& o : s.operations) {
    EXPECT_EQ(o.input_schema.at("$defs").as_object().size(), 29u) << o.tool_name;  // L0..L28
    ASSERT_TRUE(o.output_schema) << o.tool_name;
    EXPECT_TRUE(o.output_schema->contains("$defs")) << o.tool_name;
    expect_valid_schemas(o);
  }
  // Deeper still (2^60 nodes inlined): as fast.
  auto deep = load(fanout(60, 50));
  EXPECT_EQ(deep.operations.size(), 50u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

// The sizing mirrors the conversion's count exactly: a schema of exactly max_schema_nodes
// nodes is still inlined (a $ref sibling, items, allOf, additionalProperties, a readOnly
// property that the request drops but that was counted), one node fewer and it takes $defs.
TEST(OpenApiBudget, PerToolLimitIsExact) {
  constexpr std::string_view schemas = R"({
    "A":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"string"}}},
    "R":{"type":"object","properties":{
      "a":{"$ref":"#/components/schemas/A","description":"an A"},
      "b":{"type":"array","items":{"$ref":"#/components/schemas/A"}},
      "c":{"allOf":[{"$ref":"#/components/schemas/A"},{"type":"object","additionalProperties":{"type":"string"}}]},
      "d":{"type":"string","readOnly":true}}}})";
  std::string spec = R"({"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"post":{
    "operationId":"x","requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/R"}}}},
    "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/R"}}}}}}}},
    "components":{"schemas":)" +
                     std::string(schemas) + "}}";
  oa::LoadOptions o;
  o.max_schema_nodes = 18;  // R 1, a 1+3, b 1+1+3, c 1+(1+3)+(1+1), d 1
  auto fits = load(spec, o);
  auto& x = op(fits, "x");
  EXPECT_FALSE(x.input_schema.contains("$defs")) << json::serialize(x.input_schema);
  ASSERT_TRUE(x.output_schema);
  EXPECT_FALSE(x.output_schema->contains("$defs"));
  o.max_schema_nodes = 17;
  auto over = load(spec, o);
  auto& y = op(over, "x");
  EXPECT_TRUE(y.input_schema.contains("$defs")) << json::serialize(y.input_schema);
  ASSERT_TRUE(y.output_schema);
  EXPECT_TRUE(y.output_schema->contains("$defs"));
}

// Schemas that each fit but together exceed max_total_schema_nodes: the load succeeds, the
// operations from the one that overran on are skipped with the reason (like any operation
// that cannot become a tool), excluded ones stay excluded.
TEST(OpenApiBudget, SpecWideBudgetSkipsTheRest) {
  std::string spec = fanout(8, 10);  // 1021 nodes per schema, input and output: 2042 per tool
  auto all = load(spec);
  EXPECT_EQ(all.operations.size(), 10u);
  EXPECT_TRUE(all.skipped.empty());
  oa::LoadOptions o;
  o.max_total_schema_nodes = 5000;
  auto s = load(spec, o);
  ASSERT_EQ(s.operations.size(), 2u);
  EXPECT_FALSE(s.operations[1].input_schema.contains("$defs"));  // inlined, within its own limit
  ASSERT_EQ(s.skipped.size(), 8u);
  EXPECT_EQ(s.skipped[0].where, "POST /p2");
  for (auto& k : s.skipped)
    EXPECT_NE(k.reason.find("max_total_schema_nodes"), std::string::npos) << k.where << ": " << k.reason;
  ASSERT_EQ(s.excluded.size(), 1u);
  EXPECT_EQ(s.excluded[0].where, "GET /off");
}
