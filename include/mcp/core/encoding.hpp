#pragma once
// Byte encodings, HTML escaping and CSPRNG tokens (OpenSSL).
#include <optional>
#include <string>
#include <string_view>

namespace mcp {

std::string base64_encode(std::string_view bytes, bool url = false);  // url: RFC 4648 §5, no padding
std::optional<std::string> base64_decode(std::string_view text);       // either alphabet, padding optional
// `n` bytes from the OS CSPRNG, base64url encoded (visible ASCII, safe in headers and URLs).
std::string random_token(std::size_t n = 24);
std::string sha256_hex(std::string_view bytes);
// Compares without leaking where the inputs differ (lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);
// %XX sequences decoded (a URI or a fragment); a malformed one stays as written.
std::string percent_decode(std::string_view s);
// Text safe inside HTML elements and quoted attributes: & < > " ' as entities.
std::string html_escape(std::string_view s);

}  // namespace mcp
