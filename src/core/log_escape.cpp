#include <mcp/core/log_escape.hpp>

#include <algorithm>

namespace mcp {
namespace {

bool special(char c, bool json) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f || (json && (c == '"' || c == '\\'));
}

}  // namespace

bool needs_log_escape(std::string_view in, bool json) {
  return std::any_of(in.begin(), in.end(), [json](char c) { return special(c, json); });
}

void append_log_escaped(std::string_view in, std::string& out, bool json) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + in.size());
  for (char c : in) {
    if (!special(c, json)) {
      out += c;
      continue;
    }
    out += '\\';
    switch (c) {
      case '\n': out += 'n'; break;
      case '\r': out += 'r'; break;
      case '\t': out += 't'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      default: {
        auto u = static_cast<unsigned char>(c);
        // JSON has no \x escape: \u00NN there.
        if (json) out += "u00";
        else out += 'x';
        out += kHex[u >> 4];
        out += kHex[u & 15];
      }
    }
  }
}

std::string log_escaped(std::string_view in, bool json) {
  std::string out;
  append_log_escaped(in, out, json);
  return out;
}

}  // namespace mcp
