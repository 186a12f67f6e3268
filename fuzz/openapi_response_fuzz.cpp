// Fuzzes the mapping of an upstream HTTP response to a tool result (map_response).
// Input: bytes 0-1 the status (100 + n % 500), byte 2 flags (bit 0: the operation's output is
// wrapped as {"result": ...}; bit 1: the called URL carries a query), then header lines
// "name: value\n" up to an empty line, then the body.
// Oracles: the result serialises to JSON that parses back (strings are well-formed UTF-8);
// isError exactly for statuses outside 2xx; every content block has a type and there is at
// least one; structuredContent, when set, is an object (wrapped when the operation says so);
// _meta carries the upstream status; the URL's query (it may hold a key) never shows.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sources/openapi/response.hpp"

namespace {

namespace oa = mcp::openapi;
namespace json = mcp::json;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "openapi_response_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  mcp::net::ClientResponse r;
  r.status = 100 + (data[0] << 8 | data[1]) % 500;
  int flags = data[2];
  std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  r.body = std::string(rest);

  oa::Operation op;
  op.tool_name = "getThing";
  op.method = "GET";
  op.path = "/things/{id}";
  op.output_wrapped = flags & 1;
  std::string url =
      flags & 2 ? "https://api.example.com/v1/things/7?api_key=SECRETKEY" : "https://api.example.com/v1/things/7";

  auto result = oa::map_response(op, r, url);
  bool error_status = r.status < 200 || r.status >= 300;
  if (result.is_error != error_status) fail("isError does not match the status", std::to_string(r.status));
  if (result.content.empty()) fail("no content", std::to_string(r.status));
  for (auto& c : result.content)
    if (!c.is_object() || !c.get_object().contains("type")) fail("a content block without a type", json::serialize(c));
  if (result.structured && op.output_wrapped && !result.structured->contains("result"))
    fail("a wrapped output without result", json::serialize(*result.structured));
  if (!result.meta.empty()) fail("the result carries _meta (the status goes in the call's context)", "");
  if (oa::upstream_reply(r).status != r.status) fail("the reported status is not the answer's", "");

  std::string text = json::serialize(result.to_json());
  boost::system::error_code ec;
  (void)json::parse(text, ec);
  if (ec) fail("the result is not valid JSON", text.substr(0, 2000));
  if (text.find("SECRETKEY") != std::string::npos && rest.find("SECRETKEY") == std::string_view::npos &&
      std::string_view(reinterpret_cast<const char*>(data), size).find("SECRETKEY") == std::string_view::npos)
    fail("the URL's query shows in the result", text.substr(0, 2000));
  return 0;
}
