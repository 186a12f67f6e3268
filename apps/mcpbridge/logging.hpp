#pragma once
// The server's log lines (log.format text or json) and the audit logger's. Every message is
// escaped as it is formatted: a value with a line break (a URL, an upstream's error message)
// cannot forge a line, and in json format a quote cannot break out of "msg".
#include "config.hpp"

#include <spdlog/formatter.h>

#include <memory>

namespace mcpbridge {

// The formatter of the default logger's lines: `json` or text.
std::unique_ptr<spdlog::formatter> log_formatter(bool json);
void setup_logging(const Config& c);

}  // namespace mcpbridge
