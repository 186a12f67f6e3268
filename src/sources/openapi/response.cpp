#include "sources/openapi/response.hpp"

#include <mcp/core/encoding.hpp>

#include <charconv>
#include <ctime>

namespace mcp::openapi {
namespace {

constexpr std::size_t kMaxErrorBody = 8192;  // the model needs the gist, not megabytes of HTML

std::string lower_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string out(base);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view x) { return s.size() >= x.size() && s.substr(s.size() - x.size()) == x; }
bool starts_with(std::string_view s, std::string_view x) { return s.substr(0, x.size()) == x; }

bool is_json(std::string_view mt) { return mt == "application/json" || ends_with(mt, "+json"); }
bool is_text(std::string_view mt) {
  return starts_with(mt, "text/") || mt == "application/xml" || ends_with(mt, "+xml") || mt == "application/yaml" ||
         mt == "application/x-yaml" || mt == "application/javascript" || mt == "application/x-www-form-urlencoded";
}

// Text blocks must be strings: anything else goes out as a blob.
bool is_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9 || (n && i + n >= s.size())) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n + 1;
  }
  return true;
}

json::object upstream_meta(const net::ClientResponse& r) {
  json::object m{{"status", r.status}};
  if (auto cc = r.header("cache-control"); !cc.empty()) m["cacheControl"] = cc;
  return m;
}

}  // namespace

std::string strip_query(std::string_view url) {
  auto q = url.find_first_of("?#");
  return std::string(url.substr(0, q));
}

std::string_view reason_phrase(int s) {
  switch (s) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, std::chrono::system_clock::time_point now) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789") == std::string_view::npos) {
    long long secs = 0;
    auto r = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (r.ec != std::errc() || secs > 86400 * 365) return std::nullopt;
    return std::chrono::milliseconds(secs * 1000);
  }
  std::tm tm{};
  std::string s(v);
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (the form senders must use).
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
  return d.count() < 0 ? std::chrono::milliseconds(0) : d;
}

ToolResult map_response(const Operation& op, const net::ClientResponse& r, std::string_view url) {
  std::string mt = lower_media_type(r.header("content-type"));
  ToolResult out;
  out.meta[kUpstreamMeta] = upstream_meta(r);

  if (r.status < 200 || r.status >= 300) {
    out.is_error = true;
    std::string text = "The API answered HTTP " + std::to_string(r.status);
    if (auto p = reason_phrase(r.status); !p.empty()) text += " " + std::string(p);
    text += " (" + op.method + " " + strip_query(url) + ").";
    if (auto ra = r.header("retry-after"); !ra.empty()) {
      text += " Retry-After: " + std::string(ra);
      if (auto ms = parse_retry_after(ra, std::chrono::system_clock::now()))
        text += " (" + std::to_string((ms->count() + 999) / 1000) + " s)";
      text += ".";
    }
    if (r.status >= 300 && r.status < 400)
      if (auto loc = r.header("location"); !loc.empty()) text += " Location: " + strip_query(loc) + ".";
    if (!r.body.empty()) {
      if (is_json(mt) || is_text(mt) || (mt.empty() && is_utf8(r.body))) {
        std::string_view body = r.body;
        bool cut = body.size() > kMaxErrorBody;
        if (cut) body = body.substr(0, kMaxErrorBody);
        std::string b(body);
        if (!is_utf8(b)) b = "(" + std::to_string(r.body.size()) + " bytes, not UTF-8)";
        text += "\n" + b + (cut ? "\n… (" + std::to_string(r.body.size()) + " bytes in all)" : "");
      } else {
        text += "\n(" + std::to_string(r.body.size()) + " bytes of " + (mt.empty() ? "unknown type" : mt) + ")";
      }
    }
    out.content.push_back(text_content(std::move(text)));
    return out;
  }

  if (r.body.empty()) {
    std::string text = "The API answered HTTP " + std::to_string(r.status);
    if (auto p = reason_phrase(r.status); !p.empty()) text += " " + std::string(p);
    text += " with no content.";
    if (auto loc = r.header("location"); !loc.empty()) text += " Location: " + strip_query(loc);
    out.content.push_back(text_content(std::move(text)));
    return out;
  }
  if (is_json(mt) || (mt.empty() && (r.body.front() == '{' || r.body.front() == '['))) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (!ec) {
      if (v.is_object() && !op.output_wrapped) out.structured = std::move(v.get_object());
      else out.structured = json::object{{"result", std::move(v)}};
      out.content.push_back(text_content(r.body));
      return out;
    }
    // Not JSON after all: fall through and show it as it came.
  }
  if (starts_with(mt, "image/")) {
    out.content.push_back(image_content(base64_encode(r.body), mt));
    return out;
  }
  if (starts_with(mt, "audio/")) {
    out.content.push_back(audio_content(base64_encode(r.body), mt));
    return out;
  }
  if ((is_text(mt) || is_json(mt) || mt.empty()) && is_utf8(r.body)) {
    out.content.push_back(text_content(r.body));
    return out;
  }
  json::object resource{{"uri", strip_query(url)},
                        {"mimeType", mt.empty() ? "application/octet-stream" : mt},
                        {"blob", base64_encode(r.body)}};
  out.content.push_back(json::object{{"type", "resource"}, {"resource", std::move(resource)}});
  return out;
}

ToolResult map_failure(const Error& e, std::string_view upstream) {
  std::string m = e.message;
  std::string lower = m;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool timeout = e.code == errc::kRequestTimeout || lower.find("timeout") != std::string::npos ||
                 lower.find("timed out") != std::string::npos;
  std::string text = timeout ? "The API (" + std::string(upstream) + ") did not answer in time: " + m
                             : "The API (" + std::string(upstream) + ") could not be reached: " + m;
  auto r = ToolResult::error(std::move(text));
  r.meta[kUpstreamMeta] = json::object{{"status", 0}, {"failure", timeout ? "timeout" : "network"}};
  return r;
}

}  // namespace mcp::openapi
