#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::jsonrpc {
namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

Error invalid(std::string message) { return Error{errc::kInvalidRequest, std::move(message), {}}; }

}  // namespace

Result<json::value> parse(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;  // deep nesting is an attack, not a message
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return Error{errc::kParseError, "Parse error: " + ec.message(), {}};
  return v;
}

Result<Message> classify(const json::value& v, json::value* id_out) {
  if (!v.is_object()) return invalid("Invalid Request: a message must be a JSON object");
  const auto& o = v.get_object();
  auto* idv = find(o, "id");
  if (idv && valid_id(*idv) && id_out) *id_out = *idv;
  auto ver = find_string(o, "jsonrpc");
  if (!ver || *ver != "2.0") return invalid("Invalid Request: jsonrpc must be \"2.0\"");

  Message m;
  auto* method = find(o, "method");
  if (method) {
    if (!method->is_string() || method->get_string().empty())
      return invalid("Invalid Request: method must be a non-empty string");
    m.method = std::string(method->get_string());
    if (auto* p = find(o, "params")) {
      if (p->is_object()) {
        m.params = p->get_object();
      } else if (!p->is_null()) {
        return Error{errc::kInvalidParams, "Invalid params: params must be an object", {}};
      }
    }
    if (!idv) {
      m.kind = Kind::notification;
      return m;
    }
    if (!valid_id(*idv)) return invalid("Invalid Request: id must be a string or an integer");
    m.kind = Kind::request;
    m.id = *idv;
    return m;
  }
  // A response or an error from the client (to one of our requests).
  if (!idv || !valid_id(*idv)) return invalid("Invalid Request: missing method or id");
  m.id = *idv;
  if (auto* r = find(o, "result")) {
    m.kind = Kind::response;
    m.result = *r;
    return m;
  }
  if (auto* e = find_object(o, "error")) {
    m.kind = Kind::error;
    auto* code = find(*e, "code");
    m.error.code = code && code->is_int64() ? static_cast<int>(code->get_int64()) : errc::kInternalError;
    m.error.message = std::string(find_string(*e, "message").value_or(""));
    if (auto* d = find(*e, "data")) m.error.data = *d;
    return m;
  }
  return invalid("Invalid Request: a response needs result or error");
}

std::string id_key(const json::value& id) {
  if (id.is_string()) return "s:" + std::string(id.get_string());
  return "n:" + json::serialize(id);
}

std::string response(const json::value& id, const json::value& result) {
  std::string s = R"({"jsonrpc":"2.0","id":)";
  s += json::serialize(id);
  s += R"(,"result":)";
  s += json::serialize(result);
  s += '}';
  return s;
}

std::string error_response(const json::value& id, const Error& e) {
  std::string s = R"({"jsonrpc":"2.0","id":)";
  s += json::serialize(id);
  s += R"(,"error":)";
  s += json::serialize(e.to_json());
  s += '}';
  return s;
}

std::string notification(std::string_view method, const json::object& params) {
  json::object o{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.empty()) o["params"] = params;
  return json::serialize(o);
}

std::string request(const json::value& id, std::string_view method, const json::object& params) {
  json::object o{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  return json::serialize(o);
}

}  // namespace mcp::jsonrpc
