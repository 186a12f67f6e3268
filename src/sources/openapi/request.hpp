#pragma once
// Operation + flat tool arguments → one outbound HTTP request, serialised as the spec says:
// path/query/header/cookie styles, JSON / form / multipart / binary / text bodies, the server
// URL with its variables. Pure (no I/O), so it can be tested exhaustively and benchmarked.
#include <map>
#include <mcp/core/result.hpp>
#include <mcp/net/http_client.hpp>
#include <string>
#include <vector>

#include <mcp/sources/openapi/model.hpp>

namespace mcp::openapi {

struct RequestOptions {
  std::string base_url;                                 // overrides the spec's servers when set
  std::map<std::string, std::string> server_variables;  // override the spec's defaults
  // Query names arguments cannot add (an exploded object's keys), e.g. the credential's.
  std::vector<std::string> reserved_query_names;
};

// The absolute base URL an operation is called at (no trailing '/'), or an error saying why
// none can be chosen (relative server URL without an override, a variable outside its enum).
Result<std::string> server_url(const Operation& op, const RequestOptions& opt);

// Errors are kInvalidParams with a message for the model (missing required arguments named,
// undecodable base64, header values with line breaks). `args` may hold properties the
// operation does not know (e.g. gateway arguments): they are ignored.
Result<net::ClientRequest> build_request(const Operation& op, const json::object& args, const RequestOptions& opt);

// Building blocks, exposed for the tests.
std::string scalar_text(const json::value& v);      // strings raw, numbers shortest, bools, null ""
std::string encode_path_value(std::string_view s);  // per segment: '/', '?', '#', ' ' ... encoded
std::string encode_query_value(std::string_view s, bool allow_reserved = false);
std::string encode_form_value(std::string_view s);  // application/x-www-form-urlencoded: space → %20
// A multipart boundary: 24 random bytes from the CSPRNG (a body cannot forge it).
std::string multipart_boundary();

}  // namespace mcp::openapi
