#include <mcp/server/types.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace mcp {
namespace {
constexpr std::array<std::string_view, 8> kLevels = {"debug",    "info",  "notice", "warning",
                                                     "error",    "critical", "alert", "emergency"};
void put_if(json::object& o, std::string_view k, const std::string& v) {
  if (!v.empty()) o[k] = v;
}
void put_if(json::object& o, std::string_view k, const json::object& v) {
  if (!v.empty()) o[k] = v;
}
void put_if(json::object& o, std::string_view k, const json::array& v) {
  if (!v.empty()) o[k] = v;
}
// `o` (a definition's identity) with the human-readable pair most definitions carry next:
// BaseMetadata's title, then a description.
json::object titled(json::object o, const std::string& title, const std::string& description) {
  put_if(o, "title", title);
  put_if(o, "description", description);
  return o;
}
// `o` with the icons that end most definitions (Icons, beside BaseMetadata).
json::object with_icons(json::object o, const json::array& icons) {
  put_if(o, "icons", icons);
  return o;
}
}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view s) {
  for (size_t i = 0; i < kLevels.size(); ++i)
    if (kLevels[i] == s) return static_cast<LogLevel>(i);
  return std::nullopt;
}
std::string_view to_string(LogLevel l) { return kLevels[static_cast<size_t>(l)]; }

json::object Implementation::to_json() const {
  json::object o = titled({{"name", name}, {"version", version}}, title, description);
  put_if(o, "icons", icons);
  put_if(o, "websiteUrl", website_url);
  return o;
}

json::object Tool::to_json() const {
  json::object o = titled({{"name", name}}, title, description);
  o["inputSchema"] = input_schema;
  if (output_schema) o["outputSchema"] = *output_schema;
  put_if(o, "annotations", annotations);
  put_if(o, "icons", icons);
  put_if(o, "execution", execution);
  put_if(o, "_meta", meta);
  return o;
}

json::object text_content(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }
json::object image_content(std::string data, std::string mime) {
  return {{"type", "image"}, {"data", std::move(data)}, {"mimeType", std::move(mime)}};
}
json::object audio_content(std::string data, std::string mime) {
  return {{"type", "audio"}, {"data", std::move(data)}, {"mimeType", std::move(mime)}};
}
json::object embedded_text_resource(std::string uri, std::string mime, std::string text) {
  return {{"type", "resource"},
          {"resource", {{"uri", std::move(uri)}, {"mimeType", std::move(mime)}, {"text", std::move(text)}}}};
}

ToolResult ToolResult::text(std::string t) {
  ToolResult r;
  r.content.push_back(text_content(std::move(t)));
  return r;
}
ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}
namespace {
// JSON as people write it, for the text a model or a person reads: 5 and 2.5, not Boost.JSON's
// 5E0 and 2.5E0 (the shortest text that reads back as the same double).
void write_readable(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
      } else if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
        out += std::to_string(static_cast<long long>(d));
      } else {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, r.ptr);
      }
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (auto& [k, e] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(k));
        out += ':';
        write_readable(out, e);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_readable(out, e);
      }
      out += ']';
      return;
    }
    default:
      out += json::serialize(v);
  }
}
}  // namespace

ToolResult ToolResult::structured_content(json::object value) {
  std::string readable;
  write_readable(readable, value);
  ToolResult r = text(std::move(readable));
  r.structured = std::move(value);
  return r;
}
ToolResult& ToolResult::add(json::object block) {
  content.push_back(std::move(block));
  return *this;
}
json::object ToolResult::to_json() const& {
  json::object o{{"content", content}};
  if (structured) o["structuredContent"] = *structured;
  if (is_error) o["isError"] = true;
  put_if(o, "_meta", meta);
  return o;
}
json::object ToolResult::to_json() && {
  json::object o(4);
  o.emplace("content", std::move(content));
  if (structured) o.emplace("structuredContent", std::move(*structured));
  if (is_error) o.emplace("isError", true);
  if (!meta.empty()) o.emplace("_meta", std::move(meta));
  return o;
}

json::object Resource::to_json() const {
  json::object o = titled({{"uri", uri}, {"name", name}}, title, description);
  put_if(o, "mimeType", mime_type);
  if (size) o["size"] = *size;
  put_if(o, "annotations", annotations);
  return with_icons(std::move(o), icons);
}

json::object ResourceTemplate::to_json() const {
  json::object o = titled({{"uriTemplate", uri_template}, {"name", name}}, title, description);
  put_if(o, "mimeType", mime_type);
  return with_icons(std::move(o), icons);
}

json::object Prompt::to_json() const {
  json::object o = titled({{"name", name}}, title, description);
  if (!arguments.empty()) {
    json::array args;
    for (const auto& a : arguments) {
      json::object ao = titled({{"name", a.name}}, a.title, a.description);
      if (a.required) ao["required"] = true;
      args.push_back(std::move(ao));
    }
    o["arguments"] = std::move(args);
  }
  return with_icons(std::move(o), icons);
}

ToolResult ToolResult::from_json(const json::object& o) {
  ToolResult r;
  if (auto* c = find(o, "content"); c && c->is_array()) r.content = c->get_array();
  if (auto* s = find_object(o, "structuredContent")) r.structured = *s;
  if (auto* e = find(o, "isError"); e && e->is_bool()) r.is_error = e->get_bool();
  if (auto* m = find_object(o, "_meta")) r.meta = *m;
  return r;
}

}  // namespace mcp
