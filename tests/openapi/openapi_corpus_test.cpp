// Real specs: @readme/oas-examples (every one), GitHub's api.github.com (@octokit/openapi),
// Kubernetes' Swagger 2.0 specs (kubernetes-client) and Twilio's form-encoded specs
// (@twilio-alpha/mcp). Installed by scripts/install-test-tools.sh; skipped when absent.
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "openapi_test_util.hpp"
#include "sources/openapi/document.hpp"
#include "sources/openapi/read.hpp"

using namespace openapi_test;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = MCP_OPENAPI_CORPORA;

fs::path need(const fs::path& p) {
  if (!fs::exists(p)) return {};
  return p;
}

#define REQUIRE_CORPUS(var, rel)    \
  fs::path var = need(kRoot / rel); \
  if (var.empty())                  \
    GTEST_FAIL() << "corpus not installed (" << (kRoot / rel).string() << "): run scripts/install-test-tools.sh";

// Operations in the document, counted independently of the loader (path items x methods).
std::size_t count_operations(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text = mcp::openapi::detail::spec_text(std::move(text), 256u << 20);
  auto doc = mcp::openapi::detail::parse_document(text, file.string());
  std::size_t n = 0;
  if (auto* paths = doc.as_object().if_contains("paths"))
    for (auto& p : paths->as_object()) {
      if (!p.value().is_object()) continue;
      for (auto& m : p.value().as_object())
        for (auto* k : {"get", "put", "post", "delete", "options", "head", "patch", "trace"}) n += m.key() == k;
    }
  return n;
}

// Tool names valid, unique, within the limit; every schema valid. Returns problems found.
std::vector<std::string> audit(const oa::Spec& s, std::size_t max_name = 64) {
  std::vector<std::string> problems;
  static const std::regex kName("[A-Za-z0-9_-]+");
  std::set<std::string> names;
  for (auto& o : s.operations) {
    if (o.tool_name.size() > max_name || !std::regex_match(o.tool_name, kName))
      problems.push_back("bad name " + o.tool_name);
    if (!names.insert(o.tool_name).second) problems.push_back("duplicate name " + o.tool_name);
    if (auto e = oa::check_schema(o.input_schema)) problems.push_back(o.tool_name + " inputSchema " + *e);
    if (o.output_schema)
      if (auto e = oa::check_schema(*o.output_schema)) problems.push_back(o.tool_name + " outputSchema " + *e);
    if (o.input_schema.at("type") != json::value("object")) problems.push_back(o.tool_name + " input not object");
  }
  return problems;
}

std::string join(const std::vector<std::string>& v, std::size_t max = 20) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) s += "\n  " + v[i];
  return s;
}

}  // namespace

TEST(OpenApiCorpus, ReadmeOasExamplesAllLoad) {
  REQUIRE_CORPUS(dir, "oas-examples/node_modules/@readme/oas-examples");
  // Specs that are themselves invalid and may fail, each with the reason. (None so far.)
  const std::map<std::string, std::string> known_invalid = {};
  std::size_t files = 0, tools = 0, skipped_ops = 0;
  std::vector<std::string> failures;
  for (auto& e : fs::recursive_directory_iterator(dir)) {
    auto ext = e.path().extension();
    if (ext != ".json" && ext != ".yaml" && ext != ".yml") continue;
    auto rel = fs::relative(e.path(), dir).string();
    if (!(rel.starts_with("2.0/") || rel.starts_with("3.0/") || rel.starts_with("3.1/"))) continue;
    ++files;
    auto r = oa::load_file(e.path().string());
    if (!r) {
      if (!known_invalid.count(rel)) failures.push_back(rel + ": " + r.error().message);
      continue;
    }
    tools += r->operations.size();
    for (auto& s : r->skipped) failures.push_back(rel + ": skipped " + s.where + ": " + s.reason);
    skipped_ops += r->skipped.size();
    for (auto& p : audit(*r)) failures.push_back(rel + ": " + p);
    oa::LoadOptions compat;
    compat.compat = true;
    auto c = oa::load_file(e.path().string(), compat);
    if (!c)
      failures.push_back(rel + " (compat): " + c.error().message);
    else
      for (auto& p : audit(*c)) failures.push_back(rel + " (compat): " + p);
  }
  std::printf("oas-examples: %zu files, %zu tools, %zu operations skipped, %zu failures\n", files, tools, skipped_ops,
              failures.size());
  EXPECT_GE(files, 100u);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures:" << join(failures);
}

TEST(OpenApiCorpus, GitHubLoadsWhole) {
  REQUIRE_CORPUS(file, "octokit/node_modules/@octokit/openapi/generated/api.github.com.json");
  auto t0 = std::chrono::steady_clock::now();
  auto r = oa::load_file(file.string());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r) << r.error().message;
  std::size_t expected = count_operations(file);
  std::printf("api.github.com: %zu operations in the spec, %zu tools, %zu skipped, loaded in %lld ms\n", expected,
              r->operations.size(), r->skipped.size(), static_cast<long long>(ms));
  EXPECT_GE(expected, 1100u);
  EXPECT_EQ(r->operations.size(), expected);
  EXPECT_TRUE(r->skipped.empty()) << join([&] {
    std::vector<std::string> v;
    for (auto& s : r->skipped) v.push_back(s.where + ": " + s.reason);
    return v;
  }());
  auto problems = audit(*r);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems:" << join(problems);
  // GitHub's PATCH /repos/{owner}/{repo}/actions/variables/{name} has `name` in path and body.
  for (auto& o : r->operations)
    if (o.operation_id == "actions/update-repo-variable") {
      ASSERT_TRUE(o.body);
      auto it = std::find_if(o.body->fields.begin(), o.body->fields.end(), [](auto& f) { return f.name == "name"; });
      ASSERT_NE(it, o.body->fields.end());
      EXPECT_EQ(it->property, "body_name");
    }
  // Compatibility mode: no $ref anywhere and still all valid.
  oa::LoadOptions compat;
  compat.compat = true;
  auto c = oa::load_file(file.string(), compat);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->operations.size(), expected);
  auto cp = audit(*c);
  EXPECT_TRUE(cp.empty()) << cp.size() << " problems:" << join(cp);
  std::size_t with_ref = 0;
  for (auto& o : c->operations) with_ref += json::serialize(o.input_schema).find("\"$ref\"") != std::string::npos;
  EXPECT_EQ(with_ref, 0u);
}

TEST(OpenApiCorpus, KubernetesSwagger2) {
  REQUIRE_CORPUS(dir, "kubernetes/node_modules/kubernetes-client/lib/specs");
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().find("swagger-") == std::string::npos) continue;
    ++files;
    auto r = oa::load_file(e.path().string());
    ASSERT_TRUE(r) << e.path() << ": " << r.error().message;
    EXPECT_EQ(r->openapi_version, "2.0");
    std::size_t expected = count_operations(e.path());
    std::printf("%s: %zu operations, %zu tools, %zu skipped\n", e.path().filename().c_str(), expected,
                r->operations.size(), r->skipped.size());
    EXPECT_EQ(r->operations.size(), expected);
    EXPECT_TRUE(r->skipped.empty());
    auto problems = audit(*r);
    EXPECT_TRUE(problems.empty()) << e.path() << ": " << problems.size() << " problems:" << join(problems);
  }
  EXPECT_GE(files, 1u);
}

TEST(OpenApiCorpus, TwilioFormEncoded) {
  REQUIRE_CORPUS(dir, "twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json");
  std::size_t files = 0, tools = 0, expected = 0, form = 0;
  std::vector<std::string> failures;
  for (auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    ++files;
    auto r = oa::load_file(e.path().string());
    if (!r) {
      failures.push_back(e.path().filename().string() + ": " + r.error().message);
      continue;
    }
    expected += count_operations(e.path());
    tools += r->operations.size();
    for (auto& s : r->skipped) failures.push_back(e.path().filename().string() + ": " + s.where + ": " + s.reason);
    for (auto& o : r->operations)
      if (o.body && o.body->content_type == "application/x-www-form-urlencoded") {
        ++form;
        if (o.body->fields.empty() && o.body->wrapped_property.empty())
          failures.push_back(o.tool_name + ": empty form");
      }
    for (auto& p : audit(*r)) failures.push_back(e.path().filename().string() + ": " + p);
  }
  std::printf("twilio: %zu files, %zu operations, %zu tools, %zu form-encoded bodies\n", files, expected, tools, form);
  EXPECT_GE(files, 40u);
  EXPECT_EQ(tools, expected);
  EXPECT_GE(form, 400u);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures:" << join(failures);
}
