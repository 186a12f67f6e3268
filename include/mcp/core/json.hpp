#pragma once
// Boost.JSON is the one JSON DOM of the project; these aliases keep call sites short.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mcp {
namespace json = boost::json;

// Small readers that never throw: absent or wrong-typed members read as nullopt.
inline const json::value* find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}
inline const json::object* find_object(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}
inline std::optional<std::string_view> find_string(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}
// Numbers of any JSON representation (int64, uint64, double) as double.
inline std::optional<double> as_number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}
// Text that must hold one JSON object (records, notices); anything else reads as nullopt.
inline std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}
}  // namespace mcp
