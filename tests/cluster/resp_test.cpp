// The RESP2 codec: encoding, every reply type, replies split at every byte boundary, and the
// limits that keep a hostile or broken peer from choosing our allocations.
#include "cluster/resp.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcp::cluster::resp {
namespace {

using T = Value::Type;

Value bulk(std::string s) { return Value{T::kBulk, std::move(s), 0, {}}; }
Value integer(std::int64_t i) { return Value{T::kInteger, "", i, {}}; }
Value array(std::vector<Value> e) { return Value{T::kArray, "", 0, std::move(e)}; }

struct Parsed {
  std::vector<Value> replies;
  bool error = false;
  std::size_t left = 0;
};

// Feeds `wire` in pieces of `step` bytes (0: all at once), collecting every reply.
Parsed parse(const std::string& wire, std::size_t step = 0, Limits limits = {}) {
  Parser p(limits);
  Parsed out;
  std::size_t pos = 0;
  while (pos < wire.size() && !out.error) {
    std::size_t n = step == 0 ? wire.size() : std::min(step, wire.size() - pos);
    p.feed(std::string_view(wire).substr(pos, n));
    pos += n;
    Value v;
    for (;;) {
      auto s = p.next(v);
      if (s == Parser::Status::kNeedMore) break;
      if (s == Parser::Status::kError) {
        out.error = true;
        break;
      }
      out.replies.push_back(v);
    }
  }
  out.left = p.buffered();
  return out;
}

TEST(RespEncode, CommandIsAnArrayOfBulkStrings) {
  std::string out;
  encode_command(out, {"SET", "k", std::string("a\r\nb\0c", 6)});
  EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
  out.clear();
  encode_command(out, {"PING", ""});
  EXPECT_EQ(out, "*2\r\n$4\r\nPING\r\n$0\r\n\r\n");
}

const std::string kMixed =
    "+OK\r\n-ERR wrong type\r\n:-42\r\n$5\r\nhe\r\no\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
    "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+x\r\n$-1\r\n:9223372036854775807\r\n";

std::vector<Value> mixed_expected() {
  return {Value{T::kSimple, "OK", 0, {}},
          Value{T::kError, "ERR wrong type", 0, {}},
          integer(-42),
          bulk("he\r\no"),
          bulk(""),
          Value{},
          Value{},
          array({}),
          array({integer(1), array({bulk("a"), array({Value{T::kSimple, "x", 0, {}}})}), Value{}}),
          integer(9223372036854775807LL)};
}

TEST(RespParse, EveryTypeInOnePiece) {
  auto p = parse(kMixed);
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.replies, mixed_expected());
  EXPECT_EQ(p.left, 0u);
}

TEST(RespParse, SplitAtEveryByteBoundary) {
  for (std::size_t cut = 1; cut < kMixed.size(); ++cut) {
    Parser p;
    std::vector<Value> got;
    Value v;
    p.feed(std::string_view(kMixed).substr(0, cut));
    while (p.next(v) == Parser::Status::kReply) got.push_back(v);
    p.feed(std::string_view(kMixed).substr(cut));
    Parser::Status s;
    while ((s = p.next(v)) == Parser::Status::kReply) got.push_back(v);
    ASSERT_EQ(s, Parser::Status::kNeedMore) << "cut at " << cut;
    EXPECT_EQ(got, mixed_expected()) << "cut at " << cut;
  }
  auto bytewise = parse(kMixed, 1);
  EXPECT_EQ(bytewise.replies, mixed_expected());
}

TEST(RespParse, RoundTripsThroughTheValueEncoder) {
  std::string wire;
  for (const auto& v : mixed_expected()) encode_value(wire, v);
  EXPECT_EQ(parse(wire).replies, mixed_expected());
}

TEST(RespParse, IncompleteReplyWaits) {
  auto p = parse("*2\r\n$3\r\nfoo\r\n$3\r\nba");
  EXPECT_FALSE(p.error);
  EXPECT_TRUE(p.replies.empty());
}

TEST(RespParse, MalformedInputIsAnErrorForGood) {
  for (std::string bad : {"?x\r\n", ":12a\r\n", ":\r\n", ":+1\r\n", "$-2\r\n", "*-5\r\n", "$3\r\nfooXY",
                          ":99999999999999999999\r\n", "$ 3\r\nfoo\r\n"}) {
    auto p = parse(bad);
    EXPECT_TRUE(p.error) << bad;
    Parser parser;
    parser.feed(bad);
    Value v;
    EXPECT_EQ(parser.next(v), Parser::Status::kError) << bad;
    parser.feed("+OK\r\n");  // broken stays broken
    EXPECT_EQ(parser.next(v), Parser::Status::kError) << bad;
    EXPECT_FALSE(parser.error().empty());
  }
}

TEST(RespParse, LimitsAreProtocolErrorsNotAllocations) {
  // A declared 64 GiB bulk string is refused from its header alone.
  EXPECT_TRUE(parse("$68719476736\r\n").error);
  Limits small;
  small.max_bulk = 4;
  small.max_depth = 3;
  small.max_elements = 10;
  small.max_line = 8;
  EXPECT_FALSE(parse("$4\r\nabcd\r\n", 0, small).error);
  EXPECT_TRUE(parse("$5\r\nabcde\r\n", 0, small).error);
  EXPECT_FALSE(parse("*1\r\n*1\r\n*1\r\n:1\r\n", 0, small).error);
  EXPECT_TRUE(parse("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", 0, small).error);
  EXPECT_TRUE(parse("*2000000000\r\n", 0, small).error);  // declared count over the budget
  EXPECT_TRUE(parse("*3\r\n*3\r\n:1\r\n:1\r\n:1\r\n*3\r\n:1\r\n:1\r\n:1\r\n*3\r\n:1\r\n:1\r\n:1\r\n", 0, small).error);
  EXPECT_FALSE(parse("+12345678\r\n", 0, small).error);
  // A line over the limit is an error whether or not its end has arrived, in any split.
  for (std::size_t step : {0u, 1u, 3u}) {
    EXPECT_TRUE(parse("+123456789\r\n", step, small).error) << step;
    EXPECT_TRUE(parse("+1234567890123", step, small).error) << step;
  }
  // The budget is per reply: many small replies in a row are fine.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "*2\r\n:1\r\n:2\r\n";
  auto p = parse(many, 7, small);
  EXPECT_FALSE(p.error);
  EXPECT_EQ(p.replies.size(), 100u);
}

TEST(RespParse, LargeBulkInManyReads) {
  std::string big(3 << 20, 'x');
  std::string wire;
  encode_value(wire, bulk(big));
  wire += "+after\r\n";
  auto p = parse(wire, 16384);
  ASSERT_EQ(p.replies.size(), 2u);
  EXPECT_EQ(p.replies[0].str.size(), big.size());
  EXPECT_EQ(p.replies[1].str, "after");
}

}  // namespace
}  // namespace mcp::cluster::resp
