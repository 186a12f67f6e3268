// Fuzzes the token parsers of the authorization server: compact JWS parsing and ES256
// verification, the resource server's full access-token check (against a real in-memory store
// and signing key), form/query decoding and redirect URI checks. The first byte picks the
// parser; the rest is the input. Oracles (abort on violation):
//  - a parsed JWS's signing input is the token up to its last '.';
//  - a forged token never verifies, whatever its header says;
//  - what we sign from a parsed header/payload parses back to the same objects and verifies;
//  - form decoding is stable: re-encoding what was decoded decodes to the same thing.
#include <mcp/authz/authz.hpp>

#include "authz/jose.hpp"
#include "authz/web.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "jwt_fuzz oracle failed: %s\n", what);
  std::abort();
}

struct World {
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(":memory:");
  mcp::authz::AuthorizationServer as{[] {
                                       mcp::authz::AuthzOptions o;
                                       o.issuer = "https://as.example";
                                       o.resource = "https://as.example/mcp";
                                       o.key_encryption_key = std::string(32, 'f');
                                       return o;
                                     }(),
                                     store};
  mcp::auth::TokenVerifier verify = as.token_verifier();
  mcp::authz::Pkey key = mcp::authz::generate_es256();
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& w = world();
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto jws = mcp::authz::parse_jws(in);
      if (!jws) break;
      if (in.substr(0, in.rfind('.')) != jws->signing_input) fail("signing input is not the token's prefix");
      if (mcp::authz::verify_es256(*jws, w.key.get())) fail("a token we never signed verified");
      auto resigned = mcp::authz::sign_es256(jws->header, jws->payload, w.key.get());
      auto again = mcp::authz::parse_jws(resigned);
      if (!again || again->header != jws->header || again->payload != jws->payload) fail("sign/parse round trip");
      if (!mcp::authz::verify_es256(*again, w.key.get())) fail("our own signature did not verify");
      break;
    }
    case 1: {
      auto r = w.verify(in, "https://as.example/mcp");
      if (std::holds_alternative<mcp::Principal>(r)) fail("an unissued token was accepted");
      break;
    }
    case 2: {
      auto f = mcp::authz::parse_form(in);
      if (!f) break;
      std::vector<std::pair<std::string, std::string>> kv(f->begin(), f->end());
      auto encoded = mcp::authz::add_query("", kv);
      auto back = mcp::authz::parse_form(encoded.empty() ? "" : std::string_view(encoded).substr(1));
      if (!back || *back != *f) fail("form re-encoding is not stable");
      break;
    }
    case 3: {
      (void)mcp::authz::check_redirect_uri(in);
      (void)mcp::authz::split_url(in);
      break;
    }
  }
  return 0;
}
