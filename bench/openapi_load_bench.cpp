// Loading real OpenAPI specs into tool definitions: GitHub's api.github.com (13 MB, 1,223
// operations; targets: < 1.5 s and < 300 MB peak RSS) and Kubernetes 1.13 (Swagger 2.0,
// gzipped). Specs come from tools/openapi-corpora (scripts/install-test-tools.sh) or
// MCP_OPENAPI_CORPORA. peak_rss_MB is the process's peak resident set so far (getrusage):
// run one benchmark at a time (--benchmark_filter) for a per-spec figure.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gbench.hpp"
#include <mcp/sources/openapi/loader.hpp>

namespace {

std::string corpus(const std::string& rel) {
  const char* env = std::getenv("MCP_OPENAPI_CORPORA");
  return std::string(env ? env : MCP_OPENAPI_CORPORA) + "/" + rel;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

void load(benchmark::State& state, const std::string& rel, bool compat) {
  auto path = corpus(rel);
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("corpus not installed: " + path + " (scripts/install-test-tools.sh)").c_str());
    return;
  }
  mcp::openapi::LoadOptions o;
  o.compat = compat;
  std::size_t tools = 0;
  for (auto _ : state) {
    auto spec = mcp::openapi::load_file(path, o);
    if (!spec) {
      state.SkipWithError(spec.error().message.c_str());
      return;
    }
    tools = spec->operations.size();
    benchmark::DoNotOptimize(spec);
  }
  state.counters["tools"] = static_cast<double>(tools);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

const std::string kGitHub = "octokit/node_modules/@octokit/openapi/generated/api.github.com.json";
const std::string kK8s = "kubernetes/node_modules/kubernetes-client/lib/specs/swagger-1.13.json.gz";

void BM_OpenApiLoad_GitHub(benchmark::State& s) { load(s, kGitHub, false); }
void BM_OpenApiLoad_GitHubCompat(benchmark::State& s) { load(s, kGitHub, true); }
void BM_OpenApiLoad_Kubernetes(benchmark::State& s) { load(s, kK8s, false); }

}  // namespace

MCP_BENCHMARK(BM_OpenApiLoad_GitHub)->Unit(benchmark::kMillisecond);
MCP_BENCHMARK(BM_OpenApiLoad_GitHubCompat)->Unit(benchmark::kMillisecond);
MCP_BENCHMARK(BM_OpenApiLoad_Kubernetes)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
