#include <mcp/protocol/version.hpp>

#include <gtest/gtest.h>

namespace mcp::protocol {
namespace {

TEST(Version, SupportedRevisions) {
  EXPECT_TRUE(is_supported_version("2025-11-25"));
  EXPECT_TRUE(is_supported_version("2025-06-18"));
  EXPECT_TRUE(is_supported_version("2025-03-26"));
  EXPECT_FALSE(is_supported_version("2024-11-05x"));
  EXPECT_FALSE(is_supported_version(""));
  EXPECT_FALSE(is_supported_version("2025-11-25 "));
  EXPECT_EQ(kLatestSessionVersion, "2025-11-25");
}

TEST(Version, NegotiationKeepsASupportedRequest) {
  EXPECT_EQ(negotiate_version("2025-06-18"), "2025-06-18");
  EXPECT_EQ(negotiate_version("2025-03-26"), "2025-03-26");
  EXPECT_EQ(negotiate_version("2025-11-25"), "2025-11-25");
}

TEST(Version, NegotiationOffersTheLatestOtherwise) {
  EXPECT_EQ(negotiate_version("1999-01-01"), "2025-11-25");
  EXPECT_EQ(negotiate_version("2099-12-31"), "2025-11-25");
  EXPECT_EQ(negotiate_version(""), "2025-11-25");
}

}  // namespace
}  // namespace mcp::protocol
