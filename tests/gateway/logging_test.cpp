// The server's log lines: a logged value cannot start a line of its own, nor leave "msg".
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>

#include <mcp/core/json.hpp>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace {

// What an upstream (or a caller) could put in a value that gets logged.
const std::string kHostile = "boom\n2026-01-01T00:00:00.000 info admin: root added connection evil\r\x1b[31m\"},\"x\":\"\\";

TEST(Logging, AValueWithALineBreakStaysOnItsLine) {
  for (bool json : {false, true}) {
    std::ostringstream os;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(os);
    spdlog::logger log("t", sink);
    log.set_formatter(mcp::gateway::log_formatter(json));
    log.warn("connection {}: tools not listed: {}", "crm", kHostile);
    auto out = os.str();
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(out.find('\r'), std::string::npos) << out;
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
    if (json) {  // one JSON object whose msg is the text as logged
      boost::system::error_code ec;
      auto v = mcp::json::parse(out, ec);
      ASSERT_FALSE(ec) << out;
      EXPECT_EQ(v.at("msg").as_string(), "connection crm: tools not listed: " + kHostile);
      EXPECT_FALSE(v.as_object().contains("x"));
    } else {
      EXPECT_NE(out.find("boom\\n2026"), std::string::npos) << out;
    }
  }
}

TEST(Logging, TheServersSetupUsesTheEscapingFormat) {
  mcp::config::Config cfg;
  cfg.log_format = "json";
  testing::internal::CaptureStdout();
  mcp::gateway::setup_logging(cfg);
  spdlog::info("connection {}: started (api, {})", "x", "http://a\nFORGED");
  spdlog::default_logger()->flush();
  auto out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("http://a\\nFORGED"), std::string::npos) << out;
  spdlog::set_pattern("%+");  // back to spdlog's own for the other tests
}

}  // namespace
