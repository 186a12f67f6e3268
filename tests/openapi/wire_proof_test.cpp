// The wire proof: for every operation of several real specs, the tool called with generated
// arguments (wire_args.hpp) makes the HTTP request the spec describes (wire_check.hpp). The
// requests go through the real Beast client to a recording upstream on 127.0.0.1 (an
// mcp::HttpServer whose one prefix route records and answers 200 {}). Corpora come from
// scripts/install-test-tools.sh; a test fails, saying so, when its corpus is absent (never a silent pass).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mcp/http/client.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/openapi.hpp>
#include <mutex>
#include <sstream>

#include "fakes.hpp"
#include "sources/openapi/document.hpp"
#include "sources/openapi/read.hpp"
#include <mcp/sources/openapi/loader.hpp>
#include "wire_args.hpp"
#include "wire_check.hpp"

namespace fs = std::filesystem;
namespace oa = mcp::openapi;
using namespace wire_test;

namespace {

const fs::path kRoot = MCP_OPENAPI_CORPORA;
constexpr std::string_view kBase = "/api-root";

struct Recorder {
  std::mutex mu;
  std::vector<Received> got;
};

mcp::Task<mcp::net::HttpResponse> record(Recorder* rec, mcp::net::HttpRequest r) {
  {
    std::lock_guard lock(rec->mu);
    rec->got.push_back(Received{r.method, r.target, r.headers, r.body});
  }
  co_return mcp::net::json_response(200, "{}");
}

// The recording upstream: every path under "/" is recorded (the MCP endpoint is moved aside).
struct Upstream {
  Recorder rec;
  mcp::Server server{mcp::ServerOptions{.info = {.name = "recording-upstream", .version = "1"}}};
  std::unique_ptr<mcp::HttpServer> http;
  Upstream() {
    mcp::HttpOptions h;
    h.port = 0;
    h.path = "/.mcp-endpoint-not-used";
    h.max_body_bytes = 16 << 20;
    Recorder* r = &rec;
    h.routes.push_back(mcp::net::HttpRoute{"/", true, [r](mcp::net::HttpRequest q) { return record(r, std::move(q)); }});
    http = std::make_unique<mcp::HttpServer>(server, h);
    http->start();
  }
  ~Upstream() { http->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(http->port()) + std::string(kBase); }
  std::vector<Received> take() {
    std::lock_guard lock(rec.mu);
    return std::exchange(rec.got, {});
  }
};

struct Tally {
  std::size_t operations = 0, checked = 0, passed = 0;
  std::vector<std::string> failures;
  Seen seen;
};

json::value read_document(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text = oa::detail::spec_text(std::move(text), 256u << 20);
  return oa::detail::parse_document(text, file.string());
}

mcp::Task<void> call_all(std::shared_ptr<const oa::Spec> spec, const json::value* doc, Upstream* up, Tally* t) {
  oa::UpstreamOptions uo;
  uo.name = "wire";
  uo.base_url = up->url();
  uo.max_attempts = 1;
  uo.follow_accepted = false;
  mcp::http::ClientOptions co;
  co.policy.allow_http = true;
  co.policy.allow_loopback = true;
  oa::OpenApiSource source(spec, uo, mcp::http::make_http_client(co));
  auto tools = source.tools();
  SpecReader reader(*doc);
  mcp::test::CallContext ctx;
  for (std::size_t i = 0; i < spec->operations.size(); ++i) {
    const oa::Operation& op = spec->operations[i];
    ++t->operations;
    std::string who = op.tool_name + " (" + op.method + " " + op.path + ")";
    auto sop = reader.op(op.method, op.path);
    if (!sop) {
      t->failures.push_back(who + ": not found in the document");
      continue;
    }
    ArgGen gen(op.input_schema);
    json::object args = gen.args(op.tool_name);
    auto tool = std::find_if(tools.begin(), tools.end(), [&](auto& x) { return x.tool.name == op.tool_name; });
    if (tool == tools.end()) {
      t->failures.push_back(who + ": no tool");
      continue;
    }
    mcp::ToolResult result = co_await tool->handler(args, ctx);
    auto got = up->take();
    ++t->checked;
    if (result.is_error || got.size() != 1) {
      std::string text = result.content.empty() ? "" : json::serialize(result.content[0]);
      t->failures.push_back(who + ": " + std::to_string(got.size()) + " requests, result " + text.substr(0, 300) +
                            "\n    args " + json::serialize(args).substr(0, 300));
      continue;
    }
    Checker check(*sop, op, args, std::string(kBase));
    auto diffs = check.check(got[0]);
    t->seen.add(check.seen);
    if (diffs.empty()) {
      ++t->passed;
      continue;
    }
    std::string f = who + ":";
    for (auto& d : diffs) f += "\n    " + d;
    f += "\n    request " + got[0].method + " " + got[0].target.substr(0, 300) + "\n    args " +
         json::serialize(args).substr(0, 400);
    t->failures.push_back(f);
  }
}

Tally run_files(const std::vector<fs::path>& files) {
  Upstream up;
  Tally t;
  for (auto& f : files) {
    auto r = oa::load_file(f.string());
    if (!r) {
      t.failures.push_back(f.filename().string() + ": does not load: " + r.error().message);
      continue;
    }
    auto spec = std::make_shared<const oa::Spec>(std::move(*r));
    auto doc = read_document(f);
    boost::asio::io_context io;
    boost::asio::co_spawn(io, call_all(spec, &doc, &up, &t), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io.run();
  }
  return t;
}

void report(const char* label, const Tally& t) {
  std::printf("wire proof %s: %zu operations, %zu checked, %zu passed, %zu failed\n", label, t.operations, t.checked,
              t.passed, t.failures.size());
  auto& s = t.seen;
  std::printf("  values checked: %zu path, %zu query, %zu header, %zu cookie; bodies: %zu JSON, %zu form, %zu multipart, "
              "%zu binary, %zu text\n",
              s.path, s.query, s.header, s.cookie, s.json, s.form, s.multipart, s.binary, s.text);
  std::string first;
  for (std::size_t i = 0; i < t.failures.size() && i < 25; ++i) first += "\n  " + t.failures[i];
  EXPECT_EQ(t.passed, t.operations) << label << ": " << t.failures.size() << " operations differ from the spec:" << first;
  EXPECT_GT(t.operations, 0u);
}

std::vector<fs::path> files_in(const fs::path& dir, std::string_view ext, std::string_view contains = "") {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().string().ends_with(ext) && e.path().filename().string().find(contains) != std::string::npos)
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

#define REQUIRE_CORPUS(var, rel) \
  fs::path var = kRoot / rel;    \
  if (!fs::exists(var)) GTEST_FAIL() << "corpus not installed (" << var.string() << "): run scripts/install-test-tools.sh";

}  // namespace

TEST(OpenApiWire, GitHubEveryOperation) {
  REQUIRE_CORPUS(file, "octokit/node_modules/@octokit/openapi/generated/api.github.com.json");
  auto t = run_files({file});
  report("api.github.com", t);
  EXPECT_GE(t.operations, 1100u);
}

TEST(OpenApiWire, TwilioFormEncoded) {
  REQUIRE_CORPUS(dir, "twilio/node_modules/@twilio-alpha/mcp/twilio-oai/spec/json");
  auto t = run_files(files_in(dir, ".json"));
  report("twilio (every spec)", t);
  EXPECT_GE(t.operations, 400u);
}

TEST(OpenApiWire, KubernetesSwagger2) {
  REQUIRE_CORPUS(file, "kubernetes/node_modules/kubernetes-client/lib/specs/swagger-1.13.json.gz");
  auto t = run_files({file});
  report("kubernetes swagger-1.13", t);
  EXPECT_GE(t.operations, 500u);
}

TEST(OpenApiWire, ReadmeOasExamples) {
  REQUIRE_CORPUS(dir, "oas-examples/node_modules/@readme/oas-examples");
  std::vector<fs::path> files;
  for (auto* v : {"2.0/json", "3.0/json", "3.1/json"})
    for (auto& f : files_in(dir / v, ".json")) files.push_back(f);
  auto t = run_files(files);
  report("oas-examples (2.0, 3.0, 3.1)", t);
  EXPECT_GE(t.operations, 100u);
}
