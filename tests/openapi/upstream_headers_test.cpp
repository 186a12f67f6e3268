// Upstream header values that used to overflow a signed integer (issue 20): a huge or negative
// Cache-Control max-age, a Retry-After date after 2262 (system_clock counts nanoseconds). The
// old code is undefined behaviour there; an ASan/UBSan build (preset asan) aborts on it.
// Also what the openapi_response fuzzer checks: results quote upstream bytes as valid UTF-8.
#include <gtest/gtest.h>

#include "gateway/result_cache.hpp"
#include "sources/openapi/response.hpp"

using namespace std::chrono;
using mcp::gateway::cache_lifetime;
using mcp::openapi::kMaxRetryAfterSeconds;
using mcp::openapi::parse_retry_after;

TEST(UpstreamHeaders, HugeMaxAgeIsClampedNotOverflowed) {
  EXPECT_EQ(cache_lifetime("max-age=9300000000000000", seconds(60)), seconds(60));
  EXPECT_EQ(cache_lifetime("public, max-age=99999999999999999999999999", seconds(60)), seconds(60));
  EXPECT_EQ(cache_lifetime("max-age=\"9300000000000000\"", hours(24 * 365 * 100)), seconds(1LL << 31));
  EXPECT_EQ(cache_lifetime("max-age=5", seconds(60)), seconds(5));
}

TEST(UpstreamHeaders, NegativeOrInvalidMaxAgeIsNotStored) {
  EXPECT_EQ(cache_lifetime("max-age=-5", seconds(60)), milliseconds(0));
  EXPECT_EQ(cache_lifetime("max-age=-9300000000000000", seconds(60)), milliseconds(0));
  EXPECT_EQ(cache_lifetime("max-age=", seconds(60)), milliseconds(0));
  EXPECT_EQ(cache_lifetime("max-age=soon", seconds(60)), milliseconds(0));
  EXPECT_EQ(cache_lifetime("max-age=5", seconds(-1)), milliseconds(0));  // never negative
}

TEST(UpstreamHeaders, RetryAfterDateAfter2262IsClamped) {
  auto now = system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  const auto year = milliseconds(kMaxRetryAfterSeconds * 1000);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2263 00:00:00 GMT", now), year);
  EXPECT_EQ(parse_retry_after("Fri, 01 Jan 9999 00:00:00 GMT", now), year);
  EXPECT_EQ(parse_retry_after("Wed, 01 Jan 2262 00:00:00 GMT", now), year);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 1900 00:00:00 GMT", now), milliseconds(0));
  // Sub-second precision of `now` is kept.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now + milliseconds(250)), milliseconds(9750));
}

TEST(UpstreamHeaders, RetryAfterSecondsAreBoundedToAYear) {
  auto now = system_clock::from_time_t(784111777);
  const auto year = milliseconds(kMaxRetryAfterSeconds * 1000);
  EXPECT_EQ(parse_retry_after("9300000000000000", now), year);
  EXPECT_EQ(parse_retry_after("99999999999999999999999999", now), year);
  EXPECT_EQ(parse_retry_after("31536001", now), year);
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_FALSE(parse_retry_after("-5", now));
}

namespace {

// The result as a client reads it: serialised, then parsed (which insists on UTF-8).
std::string round_trip(const mcp::ToolResult& r) {
  auto text = mcp::json::serialize(r.to_json());
  boost::system::error_code ec;
  (void)mcp::json::parse(text, ec);
  EXPECT_FALSE(ec) << "not valid JSON: " << text.substr(0, 300);
  return text;
}

mcp::openapi::Operation get_op() {
  mcp::openapi::Operation op;
  op.tool_name = "get";
  op.method = "GET";
  op.path = "/x";
  return op;
}

}  // namespace

// Header values quoted in the result used to be copied byte for byte.
TEST(UpstreamHeaders, QuotedHeaderValuesAreUtf8) {
  mcp::net::ClientResponse r{
      503,
      {{"retry-after", "\xff\xfe soon"}, {"cache-control", "max-age=5, \xc3"}, {"content-type", "text/\xe9"}},
      "down"};
  auto text = round_trip(mcp::openapi::map_response(get_op(), r, "https://h/x"));
  EXPECT_NE(text.find("Retry-After: \xEF\xBF\xBD\xEF\xBF\xBD soon"), std::string::npos) << text;
  mcp::net::ClientResponse moved{302, {{"location", "https://h/\xff?k=secret"}}, ""};
  text = round_trip(mcp::openapi::map_response(get_op(), moved, "https://h/x"));
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
}

// A text body with a UTF-16 surrogate or an overlong form is not UTF-8: a blob, not text.
TEST(UpstreamHeaders, IllFormedUtf8BodiesAreNotText) {
  for (std::string body : {"a\xed\xa0\x80"
                           "b",
                           "\xc0\xaf", "\xf4\x90\x80\x80"}) {
    mcp::net::ClientResponse r{200, {{"content-type", "text/plain"}}, body};
    auto result = mcp::openapi::map_response(get_op(), r, "https://h/x");
    round_trip(result);
    EXPECT_EQ(result.content.at(0).at("type"), "resource") << mcp::json::serialize(result.content);
  }
}

// An error body cut at 8 KiB is cut at a character boundary (it used to become "not UTF-8").
TEST(UpstreamHeaders, CutErrorBodiesStayText) {
  std::string body = "a";
  for (int i = 0; i < 5000; ++i) body += "\xc3\xa9";
  mcp::net::ClientResponse r{500, {{"content-type", "text/html"}}, body};
  auto text = round_trip(mcp::openapi::map_response(get_op(), r, "https://h/x"));
  EXPECT_NE(text.find("a\xc3\xa9\xc3\xa9"), std::string::npos);
  EXPECT_EQ(text.find("not UTF-8"), std::string::npos);
}
