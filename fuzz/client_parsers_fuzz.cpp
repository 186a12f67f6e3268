// Fuzzes the MCP client's parsers of what a server sends: the text/event-stream parser
// (client::SseParser) and the WWW-Authenticate Bearer challenge parser
// (client::parse_bearer_challenge). The first byte picks the parser.
//   0: SSE. Bytes 1..8 choose chunk sizes, the rest is the stream. Oracle: the stream fed in
//      one piece, one byte at a time and in the chosen chunks gives the same events, the same
//      retry and last event id, and the same bytes left buffered.
//   1: a challenge header. Oracles: keys are lower case, at most 64 of them, no key or value
//      longer than the header; a challenge rebuilt from the parsed parameters (each value
//      quoted) parses back to the same parameters.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mcp/client/oauth.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "client/sse_parser.hpp"

namespace {

using mcp::client::SseEvent;
using mcp::client::SseParser;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "client_parsers_fuzz oracle failed: %s\n", what);
  std::abort();
}

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id || a[i].has_id != b[i].has_id)
      return false;
  return true;
}

void append(std::vector<SseEvent>& to, std::vector<SseEvent> more) {
  for (auto& e : more) to.push_back(std::move(e));
}

void sse(std::string_view in) {
  std::string_view sizes = in.substr(0, 8);
  std::string_view stream = in.substr(sizes.size());
  SseParser whole, bytes, chunks;
  auto all = whole.feed(stream);
  std::vector<SseEvent> one_by_one, chunked;
  for (std::size_t i = 0; i < stream.size(); ++i) append(one_by_one, bytes.feed(stream.substr(i, 1)));
  bool empty_before = false;
  for (std::size_t at = 0, n = 0; at < stream.size(); ++n) {
    // 0 is an empty feed, but never twice running (all-zero sizes would never advance).
    std::size_t len = sizes.empty() ? 3 : static_cast<unsigned char>(sizes[n % sizes.size()]) % 17;
    if (len == 0 && empty_before) len = 1;
    empty_before = len == 0;
    append(chunked, chunks.feed(stream.substr(at, len)));
    at += len;
  }
  for (auto* p : {&bytes, &chunks}) {
    if (p->retry_ms() != whole.retry_ms()) fail("retry differs with the split");
    if (p->last_event_id() != whole.last_event_id()) fail("last event id differs with the split");
    if (p->buffered() != whole.buffered()) fail("buffered bytes differ with the split");
  }
  if (!same(all, one_by_one) || !same(all, chunked)) fail("events differ with the split");
  for (auto& e : all)
    if (e.event.empty() || e.data.find('\r') != std::string::npos) fail("an event without a type, or CR in data");
}

std::string quote(const std::string& v) {
  std::string s = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"";
}

void challenge(std::string_view in) {
  auto params = mcp::client::parse_bearer_challenge(in);
  if (params.size() > 64) fail("more than 64 parameters");
  bool plain_keys = true;
  for (auto& [k, v] : params) {
    if (k.size() > in.size() || v.size() > in.size()) fail("a key or value longer than the header");
    for (char c : k) {
      if (c >= 'A' && c <= 'Z') fail("a key not in lower case");
      plain_keys = plain_keys && c > ' ' && c != ',' && c != '"' && c != '=' && c != 0x7f;
    }
    plain_keys = plain_keys && !k.empty();
  }
  if (!plain_keys) return;  // only token-like keys can be written back
  std::string rebuilt = "Bearer";
  for (auto& [k, v] : params) rebuilt += (rebuilt.size() == 6 ? " " : ", ") + k + "=" + quote(v);
  if (mcp::client::parse_bearer_challenge(rebuilt) != params) fail("a rebuilt challenge parses differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0)
    sse(in);
  else
    challenge(in);
  return 0;
}
