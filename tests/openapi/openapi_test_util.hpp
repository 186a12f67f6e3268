#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mcp/core/json_schema.hpp>
#include <string>
#include <vector>

#include <mcp/sources/openapi/loader.hpp>

namespace openapi_test {

namespace oa = mcp::openapi;
namespace json = mcp::json;

// Operations built by hand, for the request builder's tests: a parameter named as its
// property (required in the path), and an operation "op" on https://api.example.com/v1/.
inline oa::Parameter param(std::string name, oa::ParamIn in, std::string style = {}, bool explode = false) {
  oa::Parameter p;
  p.name = name;
  p.property = name;
  p.in = in;
  p.style = std::move(style);
  p.explode = explode;
  p.required = in == oa::ParamIn::path;
  return p;
}

inline oa::Operation op_with(std::string method, std::string path, std::vector<oa::Parameter> params) {
  oa::Operation op;
  op.tool_name = "op";
  op.method = std::move(method);
  op.path = std::move(path);
  op.parameters = std::move(params);
  op.servers.push_back(oa::ServerUrl{"https://api.example.com/v1/", {}});
  return op;
}

inline oa::Spec load(std::string_view text, const oa::LoadOptions& o = {}) {
  auto r = oa::load_bytes(text, o);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : oa::Spec{};
}

inline const oa::Operation& op(const oa::Spec& s, std::string_view name) {
  for (auto& o : s.operations)
    if (o.tool_name == name) return o;
  ADD_FAILURE() << "no tool " << name;
  static oa::Operation none;
  return none;
}

inline const json::value& prop(const oa::Operation& o, std::string_view name) {
  static const json::value missing;
  auto* p = o.input_schema.at("properties").as_object().if_contains(name);
  if (!p) ADD_FAILURE() << o.tool_name << " has no property " << name << ": " << json::serialize(o.input_schema);
  return p ? *p : missing;
}

// Every schema the tool carries is valid JSON Schema for us.
inline void expect_valid_schemas(const oa::Operation& o) {
  auto e = oa::check_schema(o.input_schema);
  EXPECT_FALSE(e) << o.tool_name << " inputSchema: " << *e;
  if (o.output_schema) {
    auto e2 = oa::check_schema(*o.output_schema);
    EXPECT_FALSE(e2) << o.tool_name << " outputSchema: " << *e2;
  }
}

// A scratch directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("openapi_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, std::string_view text) const {
    auto p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

}  // namespace openapi_test
