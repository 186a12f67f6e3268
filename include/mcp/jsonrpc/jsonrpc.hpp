#pragma once
// JSON-RPC 2.0 framing: classify a decoded value into a request, notification or response,
// and serialise the messages we send. Errors are values (mcp::Error), never exceptions.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>

#include <string>
#include <string_view>

namespace mcp::jsonrpc {

enum class Kind { request, notification, response, error };

struct Message {
  Kind kind = Kind::request;
  json::value id;      // request, response, error (null if unreadable)
  std::string method;  // request, notification
  json::object params; // request, notification (empty when absent)
  json::value result;  // response
  Error error;         // error
};

// Parses a body. Malformed JSON is -32700 with a null id.
Result<json::value> parse(std::string_view body);
// The same, the tree's memory coming from `storage` (see request_arena()).
Result<json::value> parse(std::string_view body, json::storage_ptr storage);
// Storage for one request body: its nodes and keys (about ten allocations for a tools/call)
// come from one block, released when the last value using it is destroyed. Values moved out of
// the body (params, arguments) keep it alive. Not thread-safe for allocation: a tree parsed
// into it is for one request, which must not grow its parts from two threads at once.
json::storage_ptr request_arena();

// Classifies one JSON value. An invalid message gives an Error (-32600, or -32602 for
// non-object params) and, through `id_out`, the request id when one could be read.
Result<Message> classify(const json::value& v, json::value* id_out = nullptr);
// The same, moving params (or result) out of `v` instead of copying them: for a document that
// is discarded after classifying (every request body).
Result<Message> classify(json::value&& v, json::value* id_out = nullptr);

// A stable key for an id (strings and integers never collide: "s:abc" vs "n:1").
std::string id_key(const json::value& id);

// The messages below are valid JSON whatever the values hold: non-finite numbers are written as
// null, ill-formed UTF-8 in strings as U+FFFD.
std::string response(const json::value& id, const json::value& result);
// The same for an object result, serialised in place (a json::value made from it is a deep copy).
std::string response(const json::value& id, const json::object& result);
std::string error_response(const json::value& id, const Error& e);
std::string notification(std::string_view method, const json::object& params);
std::string request(const json::value& id, std::string_view method, const json::object& params);

// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD (JSON text must be UTF-8).
std::string valid_utf8(std::string_view text);

}  // namespace mcp::jsonrpc
