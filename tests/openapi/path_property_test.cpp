// Property over real path templates (the wire proof's corpora): for every operation with path
// parameters and every hostile value of each, the request builder either refuses with an
// error or keeps the URL's structure: the base URL (scheme, host, base path) as configured,
// the template's segment count, its literal segments and the literal text around each
// variable, and no segment that is empty, "." or ".." (also once "%2e" reads as '.', as WHATWG
// parsers read it). Values that only need encoding must never be refused.
#include <gtest/gtest.h>

#include <filesystem>

#include <mcp/sources/openapi/loader.hpp>
#include "sources/openapi/request.hpp"
#include "path_check.hpp"
#include "wire_args.hpp"

namespace fs = std::filesystem;
namespace oa = mcp::openapi;
namespace json = mcp::json;

namespace {

const fs::path kRoot = MCP_OPENAPI_CORPORA;
const std::string kBase = "http://127.0.0.1:9/base";

struct Hostile {
  json::value value;
  bool may_refuse;  // a dot segment or nothing: refusing is the expected answer
};

std::vector<Hostile> hostile_values() {
  std::vector<Hostile> v;
  for (auto* s : {".", "..", ""}) v.push_back({json::value(s), true});
  v.push_back({json::array{}, true});
  v.push_back({json::array{".."}, true});
  v.push_back({json::array{"", ""}, true});
  v.push_back({json::object{}, true});
  for (const std::string& s : std::initializer_list<std::string>{"a/b",
                                                                 "%2e%2e",
                                                                 "%2E.",
                                                                 ".%2e",
                                                                 "?x=1",
                                                                 "#f",
                                                                 "a\\b",
                                                                 "\r\n",
                                                                 "/",
                                                                 "//",
                                                                 "/../",
                                                                 "../admin",
                                                                 "..;",
                                                                 "...",
                                                                 " ",
                                                                 "\t",
                                                                 std::string("a\0b", 3),
                                                                 "\xC3\xA9\xF0\x9F\x90\xB1",
                                                                 "{id}",
                                                                 std::string(5000, 'x'),
                                                                 std::string(300, '.')})
    v.push_back({json::value(s), false});
  v.push_back({json::array{"a/b", "..", "?"}, false});
  v.push_back({json::object{{"..", "."}, {"/", "?"}}, false});
  return v;
}

// What is wrong with `url` built for template `tmpl`, or "".
std::string violation(const std::string& tmpl, const std::string& url) {
  if (url.compare(0, kBase.size(), kBase) != 0) return "the base URL changed";
  std::string path = url.substr(kBase.size());
  return mcp::test::path_violation(tmpl, path.substr(0, path.find('?')));
}

struct Tally {
  std::size_t operations = 0, built = 0, refused = 0;
  std::vector<std::string> failures;
};

void check_spec(const oa::Spec& spec, Tally& t) {
  static const auto values = hostile_values();
  oa::RequestOptions opt;
  opt.base_url = kBase;
  for (auto& op : spec.operations) {
    std::vector<const oa::Parameter*> params;
    for (auto& p : op.parameters)
      if (p.in == oa::ParamIn::path) params.push_back(&p);
    if (params.empty()) continue;
    ++t.operations;
    auto base_args = wire_test::ArgGen(op.input_schema).args(op.tool_name);
    if (auto r = oa::build_request(op, base_args, opt); !r) {
      t.failures.push_back(op.tool_name + ": the generated arguments do not build: " + r.error().message);
      continue;
    }
    for (auto* p : params)
      for (auto& h : values) {
        auto args = base_args;
        args[p->property] = h.value;
        auto r = oa::build_request(op, args, opt);
        std::string who = op.method + " " + op.path + " " + p->property + "=" + json::serialize(h.value).substr(0, 40);
        if (!r) {
          ++t.refused;
          if (!h.may_refuse)
            t.failures.push_back(who + ": refused a value that only needs encoding: " + r.error().message);
          else if (r.error().message.find(p->property) == std::string::npos)
            t.failures.push_back(who + ": the refusal does not name the argument: " + r.error().message);
          continue;
        }
        ++t.built;
        if (auto v = violation(op.path, r->url); !v.empty())
          t.failures.push_back(who + ": " + v + " (" + r->url.substr(0, 200) + ")");
      }
  }
}

void run(const std::vector<fs::path>& files, std::size_t min_operations) {
  Tally t;
  for (auto& f : files) {
    auto spec = oa::load_file(f.string());
    if (!spec) {
      t.failures.push_back(f.filename().string() + ": does not load: " + spec.error().message);
      continue;
    }
    check_spec(*spec, t);
  }
  std::printf("path property: %zu operations with path parameters, %zu requests built, %zu refused\n", t.operations,
              t.built, t.refused);
  std::string first;
  for (std::size_t i = 0; i < t.failures.size() && i < 20; ++i) first += "\n  " + t.failures[i];
  EXPECT_TRUE(t.failures.empty()) << t.failures.size() << " violations:" << first;
  EXPECT_GE(t.operations, min_operations);
}

std::vector<fs::path> files_in(const fs::path& dir, std::string_view ext) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().string().ends_with(ext)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

#define REQUIRE_CORPUS(var, rel) \
  fs::path var = kRoot / rel;    \
  if (!fs::exists(var))          \
    GTEST_FAIL() << "corpus not installed (" << var.string() << "): run scripts/install-test-tools.sh";

}  // namespace

TEST(OpenApiPathProperty, GitHub) {
  REQUIRE_CORPUS(file, "octokit/node_modules/@octokit/openapi/generated/api.github.com.json");
  run({file}, 900);
}

TEST(OpenApiPathProperty, Twilio) {
  REQUIRE_CORPUS(dir, "twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json");
  run(files_in(dir, ".json"), 500);
}

TEST(OpenApiPathProperty, Kubernetes) {
  REQUIRE_CORPUS(file, "kubernetes/node_modules/kubernetes-client/lib/specs/swagger-1.13.json.gz");
  run({file}, 500);
}

TEST(OpenApiPathProperty, ReadmeOasExamples) {
  REQUIRE_CORPUS(dir, "oas-examples/node_modules/@readme/oas-examples");
  std::vector<fs::path> files;
  for (auto* v : {"2.0/json", "3.0/json", "3.1/json"})
    for (auto& f : files_in(dir / v, ".json")) files.push_back(f);
  run(files, 50);
}
