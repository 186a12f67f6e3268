// openapi-gateway-server: mcpbridge's OpenAPI source and gateway policy over a scripted
// petstore, for the integration test that drives it with the official TypeScript SDK client
// (tests/integration/openapi_gateway.test.mjs). The petstore answers in process (a
// net::HttpClient that serves the requests itself and records them); GET /upstream/log returns
// what it received. `--upstream URL` calls a real petstore over HTTP with the Beast client
// instead (the test then runs its own, in Node).
//   openapi-gateway-server [--host H] [--port N] [--upstream http://127.0.0.1:P/api]
#include <mcp/gateway/gateway.hpp>
#include <mcp/mcp.hpp>
#include <mcp/sources/openapi.hpp>

#include <mcp/http/client.hpp>

#include <mcp/sources/openapi/model.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>

namespace {

using namespace mcp;

net::ClientResponse json_reply(int status, json::object body, net::Headers extra = {}) {
  extra.emplace_back("content-type", "application/json");
  return net::ClientResponse{status, std::move(extra), json::serialize(body)};
}

class Petstore final : public net::HttpClient {
 public:
  Task<Result<net::ClientResponse>> send(net::ClientRequest r) override { co_return answer(std::move(r)); }
  Task<Result<net::StreamedResponse>> open(net::ClientRequest) override {
    co_return Error{errc::kInternalError, "no streams", {}};
  }

  json::array log() {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  net::ClientResponse answer(net::ClientRequest r) {
    std::lock_guard lock(mu_);
    json::object headers;
    for (auto& [k, v] : r.headers) headers[k] = v;
    log_.push_back(json::object{{"method", r.method}, {"url", r.url}, {"headers", headers}, {"body", r.body}});
    const std::string base = "http://petstore.test/api";
    std::string path = r.url.substr(0, r.url.find('?'));
    if (path.rfind(base, 0) != 0) return json_reply(404, {{"error", "unknown host"}});
    path = path.substr(base.size());
    if (r.method == "GET" && path.rfind("/pets/", 0) == 0) {
      std::string id = path.substr(6);
      if (id == "missing") return json_reply(404, {{"error", "no such pet"}, {"id", id}});
      return json_reply(200, {{"id", id}, {"name", "pet " + id}, {"reads", ++reads_}},
                        {{"cache-control", "max-age=60"}});
    }
    if (r.method == "POST" && path == "/pets") {
      boost::system::error_code ec;
      auto body = json::parse(r.body, ec);
      json::object pet{{"id", ++created_}};
      if (!ec && body.is_object()) pet["name"] = body.as_object()["name"];
      return json_reply(201, pet);
    }
    if (r.method == "GET" && path == "/flaky") {
      if (++flaky_ % 2 == 1) return json_reply(503, {{"error", "try again"}});
      return json_reply(200, {{"ok", true}, {"attempt", flaky_}});
    }
    if (r.method == "GET" && path == "/limited") return json_reply(200, {{"ok", true}});
    if (r.method == "POST" && path == "/jobs")
      return json_reply(202, {{"queued", true}}, {{"location", "/api/jobs/1"}});
    if (r.method == "GET" && path == "/jobs/1") {
      if (++job_polls_ < 3) return json_reply(202, {{"status", "running"}}, {{"location", "/api/jobs/1"}});
      job_polls_ = 0;
      return json_reply(200, {{"status", "done"}});
    }
    if (r.method == "POST" && path == "/forever") return json_reply(202, {}, {{"location", "/api/jobs/never"}});
    if (r.method == "GET" && path == "/jobs/never")
      return json_reply(202, {{"status", "running"}}, {{"location", "/api/jobs/never"}});
    return json_reply(404, {{"error", "no route"}, {"path", path}});
  }

  std::mutex mu_;
  json::array log_;
  int reads_ = 0, created_ = 0, flaky_ = 0, job_polls_ = 0;
};

openapi::Operation op(std::string name, std::string method, std::string path) {
  openapi::Operation o;
  o.tool_name = name;
  o.title = name;
  o.method = std::move(method);
  o.path = std::move(path);
  o.input_schema = json::object{{"type", "object"}, {"properties", json::object{}}};
  o.servers.push_back(openapi::ServerUrl{"http://petstore.test/api", {}});
  return o;
}

std::shared_ptr<openapi::Spec> pets_spec() {
  auto s = std::make_shared<openapi::Spec>();
  auto get = op("getPet", "GET", "/pets/{id}");
  openapi::Parameter id;
  id.name = id.property = "id";
  id.in = openapi::ParamIn::path;
  id.required = true;
  get.parameters.push_back(id);
  get.input_schema =
      json::parse(R"({"type":"object","properties":{"id":{"type":"string"}},"required":["id"]})").as_object();
  s->operations.push_back(get);
  auto create = op("createPet", "POST", "/pets");
  create.body = openapi::Body{"application/json", true, {}, {openapi::BodyField{"name", "name", true}}, "", {}};
  create.input_schema =
      json::parse(R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})").as_object();
  s->operations.push_back(create);
  s->operations.push_back(op("flaky", "GET", "/flaky"));
  s->operations.push_back(op("startJob", "POST", "/jobs"));
  s->operations.push_back(op("foreverJob", "POST", "/forever"));
  return s;
}

std::shared_ptr<openapi::Spec> fragile_spec() {
  auto s = std::make_shared<openapi::Spec>();
  s->operations.push_back(op("limited", "GET", "/limited"));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  HttpOptions http;
  http.port = 0;
  http.threads = 1;
  std::string upstream_url;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--port")
      http.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    else if (a == "--host")
      http.host = argv[i + 1];
    else if (a == "--upstream")
      upstream_url = argv[i + 1];
    else {
      std::cerr << "usage: openapi-gateway-server [--host H] [--port N] [--upstream URL]\n";
      return 2;
    }
  }
  auto petstore = std::make_shared<Petstore>();
  std::shared_ptr<net::HttpClient> client = petstore;
  if (!upstream_url.empty()) {
    mcp::http::ClientOptions co;
    co.policy.allow_http = true;
    co.policy.allow_loopback = true;
    client = mcp::http::make_http_client(co);
  }
  http.routes.push_back(net::HttpRoute{"/upstream/log", false, [petstore](net::HttpRequest) -> Task<net::HttpResponse> {
                                         return [](json::array log) -> Task<net::HttpResponse> {
                                           co_return net::json_response(200, json::serialize(log));
                                         }(petstore->log());
                                       }});

  gateway::PolicyOptions policy;
  policy.upstreams["pets"].cache_ttl = std::chrono::seconds(30);
  policy.upstreams["fragile"].per_tool = {1, 1};
  gateway::Gateway gw(policy);
  Server server(ServerOptions{.info = {.name = "openapi-gateway-test", .version = "1.0.0"}});

  openapi::UpstreamOptions pets;
  pets.name = "pets";
  pets.backoff = std::chrono::milliseconds(20);
  pets.poll_interval = std::chrono::milliseconds(100);
  pets.credential = {openapi::Credential::Kind::api_key, "X-API-Key", "header", "service-key", false};
  pets.base_url = upstream_url;
  openapi::OpenApiSource pet_source(pets_spec(), pets, client);
  for (auto& t : pet_source.tools()) gw.add_tool(server, t.tool, t.handler, {t.safe, t.upstream});

  openapi::UpstreamOptions fragile;
  fragile.name = "fragile";
  fragile.base_url = upstream_url;
  openapi::OpenApiSource fragile_source(fragile_spec(), fragile, client);
  for (auto& t : fragile_source.tools()) gw.add_tool(server, t.tool, t.handler, {t.safe, t.upstream});
  return serve(server, http);
}
