#include "sources/openapi/response.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mcp/core/encoding.hpp>

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

bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}
bool starts_with(std::string_view s, std::string_view x) { return s.substr(0, x.size()) == x; }

bool is_json(std::string_view mt) { return mt == "application/json" || ends_with(mt, "+json"); }
bool is_text(std::string_view mt) {
  return starts_with(mt, "text/") || mt == "application/xml" || ends_with(mt, "+xml") || mt == "application/yaml" ||
         mt == "application/x-yaml" || mt == "application/javascript" || mt == "application/x-www-form-urlencoded";
}

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), 0 when there is none: JSON parsers reject the rest.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  unsigned c = at(0);
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(k) >= lo && at(k) <= hi; };
  if (c < 0x80) return i < s.size() ? 1 : 0;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Text blocks must be strings: anything else goes out as a blob.
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0, n; i < s.size(); i += n)
    if ((n = utf8_sequence(s, i)) == 0) return false;
  return true;
}

// An upstream header value quoted in a result: ill-formed UTF-8 becomes U+FFFD, and a value
// longer than the model needs is cut.
std::string header_text(std::string_view v) {
  constexpr std::size_t kMax = 1024;
  std::string out;
  for (std::size_t i = 0, n; i < v.size() && out.size() < kMax; i += n) {
    n = utf8_sequence(v, i);
    if (n) {
      out.append(v.substr(i, n));
    } else {
      out += "\xEF\xBF\xBD";
      n = 1;
    }
  }
  return out;
}

bool timed_out(const Error& e) {
  std::string lower = e.message;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e.code == errc::kRequestTimeout || lower.find("timeout") != std::string::npos ||
         lower.find("timed out") != std::string::npos;
}

}  // namespace

std::string strip_query(std::string_view url) {
  auto q = url.find_first_of("?#");
  return std::string(url.substr(0, q));
}

std::string_view reason_phrase(int s) {
  switch (s) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v,
                                                           std::chrono::system_clock::time_point now) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  using std::chrono::milliseconds;
  if (v.find_first_not_of("0123456789") == std::string_view::npos) {
    long long secs = 0;
    auto r = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (r.ec == std::errc::result_out_of_range || (r.ec == std::errc() && secs > kMaxRetryAfterSeconds))
      return milliseconds(kMaxRetryAfterSeconds * 1000);
    if (r.ec != std::errc()) return std::nullopt;
    return milliseconds(secs * 1000);
  }
  std::tm tm{};
  std::string s(v);
  // IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (the form senders must use).
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  // In whole seconds, clamped before anything becomes a duration: system_clock counts
  // nanoseconds, and a date after 2262 would overflow it. `now` is within that range, so
  // now_s + the bound cannot overflow.
  long long when = static_cast<long long>(timegm(&tm));
  auto now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
  long long now_s = now_ms / 1000;
  if (when <= now_s - 1) return milliseconds(0);
  if (when > now_s + kMaxRetryAfterSeconds) return milliseconds(kMaxRetryAfterSeconds * 1000);
  return milliseconds(std::clamp(when * 1000 - now_ms, 0LL, kMaxRetryAfterSeconds * 1000));
}

ToolResult map_response(const Operation& op, const net::ClientResponse& r, std::string_view url) {
  std::string mt = header_text(lower_media_type(r.header("content-type")));
  ToolResult out;

  if (r.status < 200 || r.status >= 300) {
    out.is_error = true;
    std::string text = "The API answered HTTP " + std::to_string(r.status);
    if (auto p = reason_phrase(r.status); !p.empty()) text += " " + std::string(p);
    text += " (" + op.method + " " + strip_query(url) + ").";
    if (auto ra = r.header("retry-after"); !ra.empty()) {
      text += " Retry-After: " + header_text(ra);
      if (auto ms = parse_retry_after(ra, std::chrono::system_clock::now()))
        text += " (" + std::to_string((ms->count() + 999) / 1000) + " s)";
      text += ".";
    }
    if (r.status >= 300 && r.status < 400)
      if (auto loc = r.header("location"); !loc.empty()) text += " Location: " + header_text(strip_query(loc)) + ".";
    if (!r.body.empty()) {
      if (is_json(mt) || is_text(mt) || (mt.empty() && is_utf8(r.body))) {
        std::string_view body = r.body;
        bool cut = body.size() > kMaxErrorBody;
        if (cut) {  // at a character boundary, so that a cut body stays UTF-8
          std::size_t n = kMaxErrorBody;
          while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
          body = body.substr(0, n);
        }
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
    if (auto loc = r.header("location"); !loc.empty()) text += " Location: " + header_text(strip_query(loc));
    out.content.push_back(text_content(std::move(text)));
    return out;
  }
  if (is_json(mt) || (mt.empty() && (r.body.front() == '{' || r.body.front() == '['))) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (!ec) {
      if (v.is_object() && !op.output_wrapped)
        out.structured = std::move(v.get_object());
      else
        out.structured = json::object{{"result", std::move(v)}};
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
  const std::string& m = e.message;
  bool timeout = timed_out(e);
  std::string text = timeout ? "The API (" + std::string(upstream) + ") did not answer in time: " + m
                             : "The API (" + std::string(upstream) + ") could not be reached: " + m;
  return ToolResult::error(std::move(text));
}

UpstreamReply upstream_reply(const net::ClientResponse& r) {
  UpstreamReply u;
  u.status = r.status;
  if (auto cc = r.header("cache-control"); !cc.empty()) u.cache_control = header_text(cc);
  return u;
}

UpstreamReply failure_reply(const Error& e) {
  UpstreamReply u;
  u.failure = timed_out(e) ? "timeout" : "network";
  return u;
}

}  // namespace mcp::openapi
