// Fuzzes the built-in authorization server through the handlers the HTTP server calls
// (AuthorizationServer::routes()): /register (JSON), /token (form, Basic credentials, every
// grant), /authorize (query, and the sign-in/consent form post), /revoke, metadata and JWKS,
// over a fresh in-memory SQLite store per input.
//
// Input: records separated by "\n===\n", each
//     METHOD /path?query\n
//     header-name: value\n ...        (until an empty line)
//     \n
//     body
// "DOC <url>" records set a client ID metadata document the fake HTTP client serves. Before a
// record is sent these placeholders are replaced by what the harness was issued so far, so
// that the fuzzer can reach the deep states: {PUBLIC} {CONF} {CONFSECRET} {BASIC} {CLIENT}
// {CLIENTSECRET} {VERIFIER} {CHALLENGE} {CSRF} {CSRFCOOKIE} {SESSION} {CODE} {REFRESH}
// {OLDREFRESH} (the one before) {ACCESS} {PASSWORD}.
//
// Oracles (abort on violation): every answer has a status in 200..499, headers without CR/LF/NUL,
// a JSON object body when it says application/json, an HTML document when text/html, and never
// a fuzzer-chosen "<zz" unescaped in a page. Nothing is issued without proof: a code only after
// the right password or a session the server set; a 200 from /token only for a code the harness
// was issued (once, with the verifier of its challenge, by its client), for an unrotated
// refresh token it was issued, or with the client's real secret; every access token issued
// verifies and names that client. Registered and redirected-to plain-http URIs are loopback
// (checked independently with inet_pton).
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mcp/authz/authz.hpp>
#include <mcp/core/encoding.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "authz/jose.hpp"
#include "authz/web.hpp"
#include "../tests/auth/oauth_test_support.hpp"  // DocsHttpClient

namespace {

namespace authz = mcp::authz;
using mcp::json::value;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "oauth_endpoints_fuzz oracle failed: %s\n", what.c_str());
  std::abort();
}

const std::string kPassword = "alice-password-1";
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-0123456789";
const std::string kPublicRedirect = "http://127.0.0.1:7777/cb";

// scrypt with a tiny cost: a sign-in must not take the real 32 MiB / 100 ms per input.
std::string cheap_hash(const std::string& password) {
  std::string salt = "0123456789abcdef", out(32, '\0');
  EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), 16,
                 1, 1, 0, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return "scrypt$16$1$1$" + mcp::base64_encode(salt, true) + "$" + mcp::base64_encode(out, true);
}

// plain http only to 127.0.0.0/8, [::1], localhost: decided without the server's own predicate.
bool independent_loopback(std::string_view url) {
  std::string scheme(url.substr(0, 7));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http://") return true;
  auto authority = url.substr(7, url.find_first_of("/?#", 7) - 7);
  std::string host(authority);
  if (host.rfind("[::1]", 0) == 0) return host.size() == 5 || host[5] == ':';
  host = host.substr(0, host.rfind(':'));
  if (host == "localhost") return true;
  unsigned char a[4];
  return inet_pton(AF_INET, host.c_str(), a) == 1 && a[0] == 127;
}

struct Code {
  std::string challenge, client;
  bool redeemed = false;
};

struct Harness {
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(":memory:");
  std::shared_ptr<mcp_test::DocsHttpClient> fake = std::make_shared<mcp_test::DocsHttpClient>();
  std::unique_ptr<authz::AuthorizationServer> as;
  std::map<std::string, mcp::net::RouteHandler> routes;
  std::map<std::string, std::string> secrets;  // client -> secret, for every confidential client
  std::map<std::string, std::string> vars;     // placeholder -> value
  std::map<std::string, Code> codes;
  std::set<std::string> refresh_live, refresh_used, sessions;

  Harness() {
    static const std::string hash = cheap_hash(kPassword);
    store->put_user({"alice", "eng", {"admin"}, hash, 1});
    authz::AuthzOptions o;
    o.issuer = "https://as.example";
    o.resource = "https://as.example/mcp";
    o.scopes_supported = {"mcp", "admin"};
    o.key_encryption_key = std::string(32, 'k');
    o.http_client = fake;
    o.abandoned_client_ttl = std::chrono::seconds(0);  // no sweeper thread
    as = std::make_unique<authz::AuthorizationServer>(o, store);
    for (auto& r : as->routes()) routes[r.path] = r.handler;
    mcp::store::OAuthClient pub;
    pub.id = "c_public";
    pub.redirect_uris = {kPublicRedirect, "https://app.example/cb?x=1"};
    pub.grant_types = {"authorization_code", "refresh_token"};
    pub.metadata = "{}";
    store->put_oauth_client(pub);
    auto conf = authz::register_client(*store, "conf", {"https://app.example/cb"}, "", {});
    secrets[conf.record.id] = conf.secret;
    vars = {
        {"{PUBLIC}", pub.id},          {"{CONF}", conf.record.id},
        {"{CONFSECRET}", conf.secret}, {"{BASIC}", "Basic " + mcp::base64_encode(conf.record.id + ":" + conf.secret)},
        {"{VERIFIER}", kVerifier},     {"{CHALLENGE}", authz::sha256_b64url(kVerifier)},
        {"{PASSWORD}", kPassword}};
  }

  std::string substitute(std::string_view s) const {
    std::string out;
    while (!s.empty()) {
      auto open = s.find('{');
      auto close = open == std::string_view::npos ? open : s.find('}', open);
      auto it = close == std::string_view::npos ? vars.end() : vars.find(std::string(s.substr(open, close - open + 1)));
      if (it == vars.end()) {
        auto n = open == std::string_view::npos ? s.size() : open + 1;
        out += s.substr(0, n);
        s.remove_prefix(n);
      } else {
        out += s.substr(0, open);
        out += it->second;
        s.remove_prefix(close + 1);
      }
    }
    return out;
  }

  mcp::net::HttpResponse call(mcp::net::RouteHandler& h, mcp::net::HttpRequest req) {
    boost::asio::io_context io;
    mcp::net::HttpResponse out;
    bool done = false;
    boost::asio::co_spawn(io, h(std::move(req)), [&](std::exception_ptr e, mcp::net::HttpResponse r) {
      if (e) fail("a handler threw");
      out = std::move(r);
      done = true;
    });
    io.run();
    if (!done) fail("a handler did not complete");
    return out;
  }

  void record(std::string_view rec);
  void check_response(const mcp::net::HttpRequest& req, const mcp::net::HttpResponse& r);
  void after_authorize(const mcp::net::HttpRequest& req, const authz::Form& form, const mcp::net::HttpResponse& r);
  void after_token(const mcp::net::HttpRequest& req, const authz::Form& form, const mcp::net::HttpResponse& r);
};

void Harness::check_response(const mcp::net::HttpRequest& req, const mcp::net::HttpResponse& r) {
  if (r.status < 200 || r.status > 499) fail("status " + std::to_string(r.status) + " for " + req.target);
  for (auto& [k, v] : r.headers)
    if ((k + v).find_first_of(std::string("\r\n\0", 3)) != std::string::npos) fail("CR/LF/NUL in header " + k);
  auto ct = r.header("content-type");
  if (ct.rfind("application/json", 0) == 0) {
    boost::system::error_code ec;
    auto v = mcp::json::parse(r.body, ec);
    if (ec || !v.is_object()) fail("a JSON answer that is not a JSON object: " + r.body.substr(0, 200));
    if (r.status >= 400 && !v.get_object().if_contains("error")) fail("an error without \"error\"");
  } else if (ct.rfind("text/html", 0) == 0) {
    if (r.body.rfind("<!doctype html>", 0) != 0) fail("an HTML answer that is not a document");
    if (r.body.find("<zz") != std::string::npos) fail("unescaped input in a page");
  } else if (r.status == 302) {
    if (r.header("location").empty()) fail("a redirect without Location");
  } else if (r.status != 204) {
    fail("an answer of no known type: " + std::to_string(r.status) + " " + std::string(ct));
  }
}

void Harness::after_authorize(const mcp::net::HttpRequest& req, const authz::Form& form,
                              const mcp::net::HttpResponse& r) {
  if (r.status == 200 && r.header("content-type").rfind("text/html", 0) == 0) {
    // The consent page: its CSRF token and cookie, for the next post.
    auto at = r.body.find("name=\"csrf_token\" value=\"");
    if (at != std::string::npos) {
      at += 25;
      vars["{CSRF}"] = r.body.substr(at, r.body.find('"', at) - at);
    }
    auto c = std::string(r.header("set-cookie"));
    if (!c.empty()) vars["{CSRFCOOKIE}"] = c.substr(0, c.find(';'));
  }
  if (r.status != 302) return;
  std::string location(r.header("location"));
  if (!independent_loopback(location)) fail("redirected over plain http off loopback: " + location);
  auto q = location.find('?');
  auto params = authz::parse_form(q == std::string::npos ? "" : std::string_view(location).substr(q + 1));
  if (!params) return;
  auto code = authz::form_value(*params, "code");
  if (code.empty()) return;
  // A code: the right password was posted now, or a session cookie the server set came along.
  bool proved = req.method == "POST" && authz::form_value(form, "username") == "alice" &&
                authz::form_value(form, "password") == kPassword;
  for (auto& s : sessions) proved = proved || req.header("cookie").find(s) != std::string_view::npos;
  if (!proved) fail("a code without a sign-in");
  auto redirect = authz::form_value(form, "redirect_uri");
  if (!redirect.empty() && location.rfind(redirect, 0) != 0) fail("a code sent elsewhere than redirect_uri");
  codes[code] = Code{authz::form_value(form, "code_challenge"), authz::form_value(form, "client_id")};
  vars["{CODE}"] = code;
  auto c = std::string(r.header("set-cookie"));
  if (!c.empty()) {
    sessions.insert(c.substr(0, c.find(';')));
    vars["{SESSION}"] = c.substr(0, c.find(';'));
  }
}

void Harness::after_token(const mcp::net::HttpRequest& req, const authz::Form& form, const mcp::net::HttpResponse& r) {
  if (r.status != 200) return;
  if (r.header("content-type") != "application/json") fail("tokens not as JSON");
  auto body = mcp::json::parse(r.body).as_object();
  auto* at = body.if_contains("access_token");
  if (!at || !at->is_string()) fail("a 200 without an access token");
  auto checked = as->token_verifier()(at->as_string(), "https://as.example/mcp");
  auto* p = std::get_if<mcp::Principal>(&checked);
  if (!p) fail("an issued access token does not verify");
  const std::string& client = p->credential;
  auto grant = authz::form_value(form, "grant_type");
  if (grant == "authorization_code") {
    auto it = codes.find(authz::form_value(form, "code"));
    if (it == codes.end()) fail("tokens for a code the harness was never issued");
    if (it->second.redeemed) fail("a code redeemed twice");
    it->second.redeemed = true;
    if (authz::sha256_b64url(authz::form_value(form, "code_verifier")) != it->second.challenge)
      fail("tokens without the PKCE verifier");
    if (client != it->second.client) fail("a code redeemed by another client");
  } else if (grant == "refresh_token") {
    auto rt = authz::form_value(form, "refresh_token");
    if (!refresh_live.count(rt) || refresh_used.count(rt)) fail("a refresh token not issued, or reused, was honoured");
    refresh_used.insert(rt);
  } else if (grant == "client_credentials") {
    std::string presented = authz::form_value(form, "client_secret");
    auto h = req.header("authorization");
    if (h.size() > 6 && (h.substr(0, 6) == "Basic " || h.substr(0, 6) == "basic ")) {
      auto raw = mcp::base64_decode(h.substr(6));
      auto parts = raw ? authz::parse_form("s=" + raw->substr(raw->find(':') + 1)) : std::nullopt;
      presented = parts ? authz::form_value(*parts, "s") : "";
    }
    auto s = secrets.find(client);
    if (s == secrets.end() || presented != s->second) fail("client_credentials without the client's secret");
  } else {
    fail("tokens for grant " + grant);
  }
  if (auto* rt = body.if_contains("refresh_token"); rt && rt->is_string()) {
    refresh_live.insert(std::string(rt->as_string()));
    if (vars.count("{REFRESH}")) vars["{OLDREFRESH}"] = vars["{REFRESH}"];
    vars["{REFRESH}"] = rt->as_string();
  }
  vars["{ACCESS}"] = at->as_string();
}

void Harness::record(std::string_view rec) {
  auto nl = rec.find('\n');
  std::string first(rec.substr(0, nl));
  rec = nl == std::string_view::npos ? std::string_view{} : rec.substr(nl + 1);
  auto sp = first.find(' ');
  if (sp == std::string::npos) return;
  mcp::net::HttpRequest req;
  req.method = first.substr(0, sp);
  req.target = substitute(first.substr(sp + 1));
  req.remote_address = "192.0.2.1";
  while (!rec.empty()) {
    nl = rec.find('\n');
    auto line = rec.substr(0, nl);
    rec = nl == std::string_view::npos ? std::string_view{} : rec.substr(nl + 1);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || req.headers.size() >= 16) continue;
    std::string name(line.substr(0, colon)), v(line.substr(colon + 1));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    req.headers.emplace_back(std::move(name), substitute(std::move(v)));
  }
  req.body = substitute(std::string(rec));
  if (req.method == "DOC") {
    fake->docs[req.target] = req.body;
    return;
  }
  auto route = routes.find(std::string(req.path()));
  if (route == routes.end()) return;
  auto form = authz::parse_form(req.method == "POST" ? std::string_view(req.body) : req.query());
  if (route->first == "/authorize" && req.method == "POST" && form && authz::form_value(*form, "username") != "alice" &&
      req.header("cookie").find("mcpb_session=") == std::string_view::npos)
    return;  // an unknown user costs a full-strength scrypt (timing equaliser): too slow to fuzz
  auto r = call(route->second, req);
  static const bool trace = std::getenv("OAUTH_FUZZ_TRACE") != nullptr;  // seed debugging
  if (trace)
    std::fprintf(
        stderr, "  %s %s -> %d %s\n", req.method.c_str(), req.target.substr(0, 60).c_str(), r.status,
        r.status >= 300 ? std::string(r.header("location")).substr(0, 100).append(r.body.substr(0, 120)).c_str() : "");
  check_response(req, r);
  if (route->first == "/register" && r.status == 201) {
    auto out = mcp::json::parse(r.body).as_object();
    for (auto& u : out.at("redirect_uris").as_array())
      if (!independent_loopback(u.as_string()))
        fail("registered plain http off loopback: " + std::string(u.as_string()));
    std::string id(out.at("client_id").as_string());
    vars["{CLIENT}"] = id;
    if (auto* s = out.if_contains("client_secret")) {
      secrets[id] = s->as_string();
      vars["{CLIENTSECRET}"] = s->as_string();
    }
  }
  if (!form) return;
  if (route->first == "/authorize") after_authorize(req, *form, r);
  if (route->first == "/token") after_token(req, *form, r);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // audit lines: one per sign-in, token, registration
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Harness h;
  for (int n = 0; n < 16 && !in.empty(); ++n) {
    auto sep = in.find("\n===\n");
    h.record(in.substr(0, sep));
    in = sep == std::string_view::npos ? std::string_view{} : in.substr(sep + 5);
  }
  return 0;
}
