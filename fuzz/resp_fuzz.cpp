// Fuzzes the RESP2 reply parser (cluster::resp::Parser), with small limits so that they are
// reached. Byte 0 picks the chunk sizes (1 + byte % 17, cycling over bytes 0..3); the rest is
// what a Redis server sent. Oracles: the stream fed in one piece and in chunks gives the same
// replies and fails (or not) alike; every reply re-encoded parses back to itself.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/resp.hpp"

namespace {

using mcp::cluster::resp::Limits;
using mcp::cluster::resp::Parser;
using mcp::cluster::resp::Value;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "resp_fuzz oracle failed: %s\n", what);
  std::abort();
}

Limits small_limits() {
  Limits l;
  l.max_bulk = 4096;
  l.max_depth = 8;
  l.max_elements = 512;
  l.max_line = 256;
  return l;
}

struct Outcome {
  std::vector<Value> replies;
  bool error = false;
};

// Feeds `stream` in chunks whose sizes cycle through `sizes` (empty: all at once).
Outcome parse(std::string_view stream, const std::vector<std::size_t>& sizes) {
  Parser p(small_limits());
  Outcome out;
  std::size_t pos = 0, turn = 0;
  while (pos < stream.size() && !out.error) {
    std::size_t n = sizes.empty() ? stream.size() : sizes[turn++ % sizes.size()];
    n = std::min(n, stream.size() - pos);
    p.feed(stream.substr(pos, n));
    pos += n;
    Value v;
    for (;;) {
      auto s = p.next(v);
      if (s == Parser::Status::kNeedMore) break;
      if (s == Parser::Status::kError) {
        if (p.error().empty()) fail("an error without a message");
        out.error = true;
        break;
      }
      out.replies.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 4 && i < size; ++i) sizes.push_back(1 + data[i] % 17);
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  Outcome whole = parse(stream, {});
  Outcome chunked = parse(stream, sizes);
  Outcome bytewise = parse(stream, {1});
  if (whole.error != chunked.error || whole.error != bytewise.error) fail("chunking changed the verdict");
  if (whole.replies != chunked.replies || whole.replies != bytewise.replies) fail("chunking changed the replies");

  for (const Value& v : whole.replies) {
    std::string wire;
    mcp::cluster::resp::encode_value(wire, v);
    Outcome again = parse(wire, {});
    if (again.error || again.replies.size() != 1 || again.replies[0] != v) fail("re-encoding does not round-trip");
  }
  return 0;
}
