#pragma once
// Log lines carry values that callers and upstreams choose (URLs, names, error messages): a line
// break in one would start a forged line. Values are escaped where lines are formatted.
#include <string>
#include <string_view>

namespace mcp {

// Appends `in` to `out` with control characters (and DEL) escaped: \n \r \t, else \xNN; with
// `json`, '"' and '\\' too, so that the text can sit inside a JSON string. Bytes >= 0x80 pass.
void append_log_escaped(std::string_view in, std::string& out, bool json = false);
std::string log_escaped(std::string_view in, bool json = false);
// Whether `in` has anything append_log_escaped would change (the fast path: nothing to do).
bool needs_log_escape(std::string_view in, bool json = false);

}  // namespace mcp
