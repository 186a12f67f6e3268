#pragma once
// Google Benchmark glue for the micro-benchmarks.
#include <benchmark/benchmark.h>

#include <cstdlib>

namespace mcp::bench {

// MCP_BENCH_ITERATIONS=N runs each benchmark once with exactly N iterations (no estimation
// runs), so that an instruction count under callgrind divides cleanly (bench/callgrind.sh micro).
inline void fixed_iterations(benchmark::internal::Benchmark* b) {
  if (const char* n = std::getenv("MCP_BENCH_ITERATIONS")) b->Iterations(std::strtoll(n, nullptr, 10));
}

}  // namespace mcp::bench

#define MCP_BENCHMARK(fn) BENCHMARK(fn)->Apply(::mcp::bench::fixed_iterations)
