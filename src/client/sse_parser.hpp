#pragma once
// Incremental text/event-stream parser (WHATWG HTML §9.2): bytes in, whole events out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::client {

struct SseEvent {
  std::string event;  // "message" when absent
  std::string data;
  std::string id;     // empty: no id field in this event
  bool has_id = false;
};

class SseParser {
 public:
  // Feeds a piece of the stream; returns the events it completed.
  std::vector<SseEvent> feed(std::string_view bytes);
  std::optional<int> retry_ms() const { return retry_; }
  const std::string& last_event_id() const { return last_id_; }
  std::size_t buffered() const { return line_.size() + data_.size(); }

 private:
  void line(std::string_view l, std::vector<SseEvent>& out);
  std::string line_;
  std::string data_, event_, id_;
  bool has_data_ = false, has_id_ = false;
  bool skip_lf_ = false;
  std::string last_id_;
  std::optional<int> retry_;
};

}  // namespace mcp::client
