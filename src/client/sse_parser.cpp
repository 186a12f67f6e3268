#include "client/sse_parser.hpp"

#include <charconv>

namespace mcp::client {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (char c : bytes) {
    if (skip_lf_) {  // CRLF counts as one line end
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      line(line_, out);
      line_.clear();
    } else {
      line_ += c;
    }
  }
  return out;
}

void SseParser::line(std::string_view l, std::vector<SseEvent>& out) {
  if (l.empty()) {  // dispatch
    if (has_id_) last_id_ = id_;
    if (has_data_) {
      SseEvent e;
      e.event = event_.empty() ? "message" : event_;
      e.data = std::move(data_);
      e.id = id_;
      e.has_id = has_id_;
      out.push_back(std::move(e));
    }
    data_.clear();
    event_.clear();
    has_data_ = has_id_ = false;
    return;
  }
  if (l.front() == ':') return;  // comment (keep-alive)
  auto colon = l.find(':');
  std::string_view field = l.substr(0, colon), value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_ += value;
    has_data_ = true;
  } else if (field == "event") {
    event_ = value;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      id_ = value;
      has_id_ = true;
    }
  } else if (field == "retry") {
    int ms = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc{} && p == value.data() + value.size() && ms >= 0) retry_ = ms;
  }
}

}  // namespace mcp::client
