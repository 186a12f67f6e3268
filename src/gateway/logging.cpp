// The server's log lines (log.format text or json) and the audit logger's. Every message is
// escaped as it is formatted: a value with a line break (a URL, an upstream's error message)
// cannot forge a line, and in json format a quote cannot break out of "msg".
#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>

#include <mcp/core/log_escape.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace mcp::gateway {
namespace {

// %* : the message, escaped (mcp::append_log_escaped). Nothing to escape, the usual case, costs
// one scan of the message.
class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  explicit EscapedMessage(bool json) : json_(json) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    if (!mcp::needs_log_escape(text, json_)) {
      dest.append(text.data(), text.data() + text.size());
      return;
    }
    std::string out;
    mcp::append_log_escaped(text, out, json_);
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(json_); }

 private:
  bool json_;
};

std::unique_ptr<spdlog::formatter> formatter(bool json, const std::string& pattern) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<EscapedMessage>('*', json).set_pattern(pattern);
  return f;
}

}  // namespace

std::unique_ptr<spdlog::formatter> log_formatter(bool json) {
  return json ? formatter(true, R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"msg":"%*"})")
              : formatter(false, "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %*");
}

void setup_logging(const config::Config& c) {
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  bool json = c.log_format == "json";
  spdlog::set_formatter(log_formatter(json));
  // Audit lines (gateway calls, auth events) carry a JSON object as their message: in json
  // format it is the line's "event" member, not a string inside "msg" (serialized JSON has its
  // control characters escaped already).
  auto audit = spdlog::get("audit");
  if (!audit) audit = spdlog::stdout_color_mt("audit");
  audit->set_level(spdlog::level::from_str(c.log_level));
  if (json) audit->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","thread":%t,"event":%v})");
  else audit->set_formatter(formatter(false, "%Y-%m-%dT%H:%M:%S.%e %^%l%$ audit %*"));
}

}  // namespace mcp::gateway
