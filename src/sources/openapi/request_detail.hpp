#pragma once
// Internals shared by request.cpp (URL, parameters, headers) and request_body.cpp (bodies).
#include <mcp/core/ascii.hpp>
#include <mcp/core/result.hpp>
#include <mcp/net/http_client.hpp>
#include <functional>
#include <string>
#include <string_view>

#include <mcp/sources/openapi/model.hpp>

namespace mcp::openapi::detail {

// kInvalidParams: the caller's arguments are at fault (the model sees the message).
Error invalid(std::string message);
using ascii::lower;
bool starts_with(std::string_view s, std::string_view prefix);
// Appends k=v to a query or form body, '&'-separated; both already encoded.
void add_pair(std::string& q, std::string_view k, std::string_view v);
// Appends a nested value under `name` (encoded) in bracket form, at any depth: objects as
// name[k][k2]=v, arrays indexed as name[0]=v (what deepObject and form-encoded payment APIs
// read; a repeated plain key keeps only one value there). Empty lists and objects add nothing.
void add_bracketed(std::string& q, const std::string& name, const json::value& v,
                   const std::function<std::string(const std::string&)>& enc);

// Serialises the body the operation takes from `args` into req (body + content-type); false
// when there is none to send.
Result<bool> build_body(const Body& b, const json::object& args, net::ClientRequest& req);

}  // namespace mcp::openapi::detail
