#include <mcp/net/http_types.hpp>

namespace mcp::net {

std::string_view find_header(const Headers& headers, std::string_view lower_name) {
  for (auto& [k, v] : headers)
    if (k == lower_name) return v;
  return {};
}

bool HttpRequest::has_header(std::string_view lower_name) const {
  for (auto& [k, v] : headers)
    if (k == lower_name) return true;
  return false;
}

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

HttpResponse json_response(int status, std::string body) {
  return text_response(status, "application/json", std::move(body));
}

HttpResponse text_response(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.reserve(2);  // the MCP endpoint mostly adds Mcp-Session-Id: one allocation, no regrowth
  r.set("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

}  // namespace mcp::net
