#include <mcp/protocol/sse_sink.hpp>

namespace mcp::protocol {

std::string sse_event(std::string_view id, std::string_view data, int retry_ms) {
  std::string s;
  s.reserve(data.size() + id.size() + 32);
  if (!id.empty()) {
    s += "id: ";
    s += id;
    s += '\n';
  }
  if (retry_ms >= 0) {
    s += "retry: ";
    s += std::to_string(retry_ms);
    s += '\n';
  }
  // JSON from our serializer has no raw newlines, but split defensively: each line is a data field.
  size_t start = 0;
  do {
    size_t nl = data.find('\n', start);
    s += "data: ";
    s += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    s += '\n';
    start = nl == std::string_view::npos ? data.size() + 1 : nl + 1;
  } while (start <= data.size());
  s += '\n';
  return s;
}

}  // namespace mcp::protocol
