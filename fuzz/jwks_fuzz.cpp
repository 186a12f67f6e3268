// Fuzzes what an external authorization server sends us: JWKS documents (inline, fetched with
// their Cache-Control, or found through RFC 8414 / OpenID discovery) and RFC 7662 introspection
// answers, through JwksVerifier and IntrospectionVerifier over a fake HTTP client.
//
// Input: a mode byte, then parts separated by "\n---\n":
//   mode 0  JWKS text (inline keys)            | a token to verify
//   mode 1  JWKS body (fetched)                | a token to verify | Cache-Control
//   mode 2  issuer metadata document           | the body of any other URL (the JWKS) | OpenID configuration
//   mode 3  introspection answer (mode bits 2..4 pick a status) | the token
// Oracles (abort on violation): nothing crashes or throws but std::runtime_error from a
// constructor; a key set parsed from anything never verifies a token the harness did not sign:
// tokens the harness signs with its own keys (ES256, EdDSA, RS256, for every kid the document
// names), "alg":"none" and HS256 tokens keyed with the document's text are refused; a token from
// the input that verifies stops verifying when its signature is altered; an introspection
// answer admits a caller only when it is a JSON object with "active": true, a "sub" and our
// audience, and a cached answer never admits the token to a resource outside its audience.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mcp/authz/authz.hpp>
#include <mcp/core/encoding.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "authz/jose.hpp"
#include "../tests/auth/oauth_test_support.hpp"  // evp_signed

namespace {

namespace authz = mcp::authz;
using mcp::json::object;

const std::string kIssuer = "https://idp.example";
const std::string kResource = "https://mcp.example/mcp";
const std::string kJwksUri = "https://idp.example/jwks";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "jwks_fuzz oracle failed: %s\n", what.c_str());
  std::abort();
}

struct Keys {
  authz::Pkey es256 = authz::generate_es256();
  authz::Pkey ed25519{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
  authz::Pkey rsa{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})};
};

Keys& keys() {
  static Keys k;
  return k;
}

std::string b64(std::string_view s) { return mcp::base64_encode(s, true); }

object claims() {
  auto now = mcp::store::unix_now();
  return {{"iss", kIssuer}, {"aud", kResource}, {"sub", "u"}, {"client_id", "c"}, {"iat", now}, {"exp", now + 3600}};
}

std::string signing_input(const object& header) {
  return b64(mcp::json::serialize(header)) + "." + b64(mcp::json::serialize(claims()));
}

// RS256 / EdDSA with one of the harness's keys.
std::string sign_evp(const std::string& alg, const std::string& kid, EVP_PKEY* key) {
  return mcp_test::evp_signed(signing_input({{"alg", alg}, {"typ", "at+jwt"}, {"kid", kid}}), key, alg == "RS256");
}

std::string sign_hs256(const std::string& kid, std::string_view secret) {
  auto input = signing_input({{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", kid}});
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), md, &n);
  return input + "." + b64(std::string_view(reinterpret_cast<char*>(md), n));
}

class FakeHttpClient : public mcp::net::HttpClient {
 public:
  std::map<std::string, std::string> docs;
  std::string other;  // the body of any other URL
  std::string cache_control;
  int status = 200;
  mcp::Task<mcp::Result<mcp::net::ClientResponse>> send(mcp::net::ClientRequest req) override {
    mcp::net::ClientResponse r;
    r.status = status;
    auto it = docs.find(req.url);
    r.body = it == docs.end() ? other : it->second;
    if (!cache_control.empty()) r.headers.emplace_back("cache-control", cache_control);
    co_return r;
  }
  mcp::Task<mcp::Result<mcp::net::StreamedResponse>> open(mcp::net::ClientRequest) override {
    co_return mcp::Error{mcp::errc::kInternalError, "not supported"};
  }
};

template <class T>
mcp::Task<void> capture(mcp::Task<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

template <class T>
T run(mcp::Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, capture(std::move(task), &out), [](std::exception_ptr e) {
    if (e) fail("a coroutine threw");
  });
  io.run();
  if (!out) fail("a coroutine did not complete");
  return std::move(*out);
}

// The kids a document names (at most 4), and "" (a lone key is used for a token without kid).
std::vector<std::string> kids_of(std::string_view text) {
  std::vector<std::string> out{""};
  boost::system::error_code ec;
  auto v = mcp::json::parse(text, ec);
  if (ec || !v.is_object()) return out;
  auto* ks = v.get_object().if_contains("keys");
  if (!ks || !ks->is_array()) return out;
  for (auto& k : ks->get_array())
    if (auto* kid = k.is_object() ? k.get_object().if_contains("kid") : nullptr;
        kid && kid->is_string() && out.size() < 5)
      out.emplace_back(kid->get_string());
  return out;
}

// RSA keys with public exponent 1 in a document: their kid and modulus length. Such a key
// "verifies" a signature equal to the padded digest itself, which anyone can write.
std::vector<std::pair<std::string, std::size_t>> exponent_one_keys(std::string_view text) {
  std::vector<std::pair<std::string, std::size_t>> out;
  boost::system::error_code ec;
  auto v = mcp::json::parse(text, ec);
  auto* ks = !ec && v.is_object() ? v.get_object().if_contains("keys") : nullptr;
  if (!ks || !ks->is_array()) return out;
  for (auto& k : ks->get_array()) {
    auto* o = k.if_object();
    auto str = [&](const char* name) -> std::string {
      auto* x = o ? o->if_contains(name) : nullptr;
      return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    auto e = mcp::base64_decode(str("e")), n = mcp::base64_decode(str("n"));
    if (!e || !n || str("kty") != "RSA" || out.size() >= 2) continue;
    auto nz = [](const std::string& b) { return b.substr(std::min(b.find_first_not_of('\0'), b.size())); };
    if (nz(*e) == std::string(1, '\x01') && !nz(*n).empty()) out.emplace_back(str("kid"), nz(*n).size());
  }
  return out;
}

std::string forge_exponent_one(const std::string& kid, std::size_t k) {
  static const unsigned char kPrefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                          0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  auto input = signing_input({{"alg", "RS256"}, {"typ", "at+jwt"}, {"kid", kid}});
  unsigned char digest[32];
  EVP_Digest(input.data(), input.size(), digest, nullptr, EVP_sha256(), nullptr);
  std::string t(reinterpret_cast<const char*>(kPrefix), sizeof kPrefix);
  t.append(reinterpret_cast<const char*>(digest), 32);
  if (k < t.size() + 11) return input + ".";
  std::string em = std::string("\x00\x01", 2) + std::string(k - t.size() - 3, '\xff') + std::string(1, '\0') + t;
  return input + "." + b64(em);
}

void must_refuse(const authz::JwksVerifier& v, const std::string& token, const char* what) {
  if (std::holds_alternative<mcp::Principal>(v.verify(token, kResource))) fail(std::string("accepted ") + what);
}

void check_keys(const authz::JwksVerifier& v, std::string_view document, std::string_view token) {
  auto& k = keys();
  bool rsa_done = false;
  for (auto& kid : kids_of(document)) {
    must_refuse(v, authz::sign_es256({{"alg", "ES256"}, {"typ", "at+jwt"}, {"kid", kid}}, claims(), k.es256.get()),
                "an ES256 token the document's keys did not sign");
    must_refuse(v, sign_evp("EdDSA", kid, k.ed25519.get()), "an EdDSA token the document's keys did not sign");
    if (!rsa_done)
      must_refuse(v, sign_evp("RS256", kid, k.rsa.get()), "an RS256 token the document's keys did not sign");
    rsa_done = true;
    must_refuse(v, signing_input({{"alg", "none"}, {"kid", kid}}) + ".", "an unsigned token");
    must_refuse(v, sign_hs256(kid, document), "an HS256 token keyed with the document");
  }
  auto r = v.verify(token, kResource);
  if (std::getenv("JWKS_FUZZ_TRACE"))  // seed debugging
    std::fprintf(stderr, "  token: %s\n",
                 std::holds_alternative<mcp::Principal>(r) ? "verified" : std::get<std::string>(r).c_str());
  for (auto& [kid, k] : exponent_one_keys(document))
    must_refuse(v, forge_exponent_one(kid, k), "a forged RS256 token (public exponent 1)");
  if (token.empty() || !std::holds_alternative<mcp::Principal>(r)) return;
  // The input carried a token its keys really signed (a seed does): altered, it must fail.
  auto dot = token.rfind('.');
  if (dot == std::string_view::npos || token.size() - dot < 4) fail("a token without a signature verified");
  std::string altered(token);
  char& c = altered[dot + 2];
  c = c == 'A' ? 'B' : 'A';
  must_refuse(v, altered, "a token whose signature was altered");
}

void introspection(std::uint8_t mode, std::string_view answer, std::string_view token) {
  static const int kStatuses[] = {200, 200, 200, 200, 401, 500, 302, 204};
  auto fake = std::make_shared<FakeHttpClient>();
  fake->status = kStatuses[(mode >> 2) & 7];
  fake->other = std::string(answer);
  authz::IntrospectionOptions o;
  o.endpoint = "https://idp.example/introspect";
  o.client_id = "rs";
  o.client_secret = "s";
  o.issuer = (mode & 0x20) ? kIssuer : "";
  o.http_client = fake;
  authz::IntrospectionVerifier v(o);
  auto first = run(v.check(std::string(token), kResource));
  if (std::getenv("JWKS_FUZZ_TRACE"))
    std::fprintf(stderr, "  introspection: %s\n", first.principal ? "admitted" : first.error.c_str());
  if (!first.principal) return;
  boost::system::error_code ec;
  auto doc = mcp::json::parse(answer, ec);
  if (fake->status != 200 || ec || !doc.is_object()) fail("admitted by an answer that is not a JSON object");
  auto& c = doc.get_object();
  auto* active = c.if_contains("active");
  if (!active || !active->is_bool() || !active->get_bool()) fail("admitted by an answer without active: true");
  auto* sub = c.if_contains("sub");
  if (!sub || !sub->is_string() || sub->get_string().empty()) fail("admitted without a subject");
  if (first.principal->subject != sub->get_string()) fail("a subject other than the answer's");
  auto* aud = c.if_contains("aud");
  bool ours = aud && aud->is_string() && aud->get_string() == kResource;
  if (aud && aud->is_array())
    for (auto& a : aud->get_array()) ours = ours || (a.is_string() && a.get_string() == kResource);
  if (!ours) fail("admitted by an answer whose audience is not ours");
  // Cached now: another resource is admitted only if the audience names it.
  fake->other = R"({"active":true,"sub":"other","aud":"https://elsewhere.example/mcp"})";
  auto second = run(v.check(std::string(token), "https://elsewhere.example/mcp"));
  if (second.principal && second.principal->subject != sub->get_string()) fail("the cache did not answer");
  if (second.principal &&
      first.principal->audiences.end() == std::find(first.principal->audiences.begin(),
                                                    first.principal->audiences.end(), "https://elsewhere.example/mcp"))
    fail("a cached answer admitted the token to a resource outside its audience");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  keys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 300000) return 0;
  std::uint8_t mode = data[0];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> part;
  while (part.size() < 2) {
    auto sep = in.find("\n---\n");
    if (sep == std::string_view::npos) break;
    part.push_back(in.substr(0, sep));
    in.remove_prefix(sep + 5);
  }
  part.push_back(in);
  part.resize(3);

  if ((mode & 3) == 3) {
    introspection(mode, part[0], part[1]);
    return 0;
  }
  authz::ExternalIssuerOptions o;
  o.issuer = kIssuer;
  auto fake = std::make_shared<FakeHttpClient>();
  if ((mode & 3) == 0) {
    o.jwks_json = std::string(part[0]);
  } else if ((mode & 3) == 1) {
    o.jwks_uri = kJwksUri;
    fake->docs[kJwksUri] = std::string(part[0]);
    fake->cache_control = std::string(part[2]);
  } else {
    fake->docs[kIssuer + "/.well-known/oauth-authorization-server"] = std::string(part[0]);
    fake->docs[kIssuer + "/.well-known/openid-configuration"] = std::string(part[2]);
    fake->other = std::string(part[1]);
  }
  o.http_client = fake;
  std::unique_ptr<authz::JwksVerifier> v;
  try {
    v = std::make_unique<authz::JwksVerifier>(o);
  } catch (const std::runtime_error&) {
    return 0;  // inline keys that do not parse: refused at configuration time
  }
  if ((mode & 3) != 0) (void)run(v->refresh());
  auto document = (mode & 3) == 2 ? part[1] : part[0];
  check_keys(*v, document, (mode & 3) == 2 ? std::string_view{} : part[1]);
  return 0;
}
