#pragma once
// Result<T>: a value or a JSON-RPC style error, for hot paths that must not throw.
#include <mcp/core/json.hpp>

#include <string>
#include <utility>
#include <variant>

namespace mcp {

// JSON-RPC 2.0 and MCP error codes.
namespace errc {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;
inline constexpr int kUrlElicitationRequired = -32042;
inline constexpr int kConnectionClosed = -32000;
inline constexpr int kRequestTimeout = -32001;
}  // namespace errc

struct Error {
  int code = errc::kInternalError;
  std::string message;
  json::value data;  // null when absent

  json::object to_json() const {
    json::object o{{"code", code}, {"message", message}};
    if (!data.is_null()) o["data"] = data;
    return o;
  }
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace mcp
