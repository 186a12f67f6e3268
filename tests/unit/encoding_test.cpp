#include <gtest/gtest.h>

#include <mcp/core/encoding.hpp>
#include <random>
#include <set>

namespace mcp {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, UrlAlphabetHasNoPadding) {
  EXPECT_EQ(base64_encode("f", true), "Zg");
  EXPECT_EQ(base64_encode("fo", true), "Zm8");
  EXPECT_EQ(base64_encode("foo", true), "Zm9v");
  // 0xFB 0xFF -> "+/8=" in the standard alphabet, "-_8" in the URL one.
  std::string bytes("\xFB\xFF", 2);
  EXPECT_EQ(base64_encode(bytes), "+/8=");
  EXPECT_EQ(base64_encode(bytes, true), "-_8");
}

TEST(Base64, DecodesBothAlphabetsWithOrWithoutPadding) {
  std::string bytes("\xFB\xFF", 2);
  EXPECT_EQ(base64_decode("+/8="), bytes);
  EXPECT_EQ(base64_decode("+/8"), bytes);
  EXPECT_EQ(base64_decode("-_8"), bytes);
  EXPECT_EQ(base64_decode("-_8="), bytes);
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, RoundTripsRandomBytes) {
  std::mt19937 rng(12345);
  for (size_t len = 0; len < 70; ++len) {
    std::string bytes(len, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
    for (bool url : {false, true}) {
      auto enc = base64_encode(bytes, url);
      if (url) {
        EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << enc;
      } else {
        EXPECT_EQ(enc.size() % 4, 0u);
      }
      auto dec = base64_decode(enc);
      ASSERT_TRUE(dec) << enc;
      EXPECT_EQ(*dec, bytes) << "len " << len << " url " << url;
    }
  }
}

TEST(Base64, RejectsInvalidInput) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm 9v"));
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("Z"));  // one dangling character is never valid
  EXPECT_FALSE(base64_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("Zg==Zg"));  // padding in the middle
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(base64_decode("\xC3\xA9\xC3\xA9"));
}

TEST(RandomToken, LengthCharsetAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto t = random_token();
    EXPECT_EQ(t.size(), 32u);  // 24 bytes -> 32 base64url characters
    for (char c : t) {
      ASSERT_GE(static_cast<unsigned char>(c), 0x21) << t;
      ASSERT_LE(static_cast<unsigned char>(c), 0x7E) << t;
      ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    }
    EXPECT_TRUE(seen.insert(t).second) << "duplicate token " << t;
  }
}

TEST(RandomToken, SizeFollowsByteCount) {
  EXPECT_EQ(random_token(3).size(), 4u);
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_EQ(base64_decode(random_token(16))->size(), 16u);
  EXPECT_NE(random_token(16), random_token(16));
}

}  // namespace
}  // namespace mcp
