// SqlStore's tables of the built-in authorization server: clients, codes, refresh and access
// tokens, consents and signing keys. The one-use code and the refresh rotation are conditional
// UPDATEs: under concurrent writers (replicas on PostgreSQL, processes on SQLite) the row lock
// or the database lock serialises them and the second sees the first one's change, so exactly
// one wins.
#include "store/sql_store.hpp"

#include <string>

namespace mcp::store::detail {
namespace {

#define MCP_CLIENT_COLS \
  "SELECT id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, created_at, dynamic " \
  "FROM oauth_clients"
#define MCP_CONSENT_COLS "SELECT user_id, client_id, scope, resource, created_at FROM oauth_consents"
#define MCP_CODE_COLS "hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, expires_at, used_at"

OAuthClient client_of(const SqlRow& s) {
  OAuthClient c{s.text(0), s.text(1), s.text(2), split(s.text(3)), s.text(4), split(s.text(5)),
                s.text(6), s.text(7), s.integer(8)};
  c.dynamic = s.integer(9) != 0;
  return c;
}

OAuthCode code_of(const SqlRow& s) {
  return OAuthCode{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                   s.integer(8), s.integer(9)};
}

OAuthRefresh refresh_of(const SqlRow& s) {
  return OAuthRefresh{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                      s.integer(6), s.integer(7), s.integer(8), s.integer(9)};
}

OAuthAccess access_of(const SqlRow& s) { return OAuthAccess{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)}; }

OAuthConsent consent_of(const SqlRow& s) {
  return OAuthConsent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

SigningKey signing_key_of(const SqlRow& s) {
  return SigningKey{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5)};
}

}  // namespace

void SqlStore::put_oauth_client(const OAuthClient& c) {
  run("INSERT INTO oauth_clients (id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, "
      "created_at, dynamic) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash, name = excluded.name, "
      "redirect_uris = excluded.redirect_uris, auth_method = excluded.auth_method, grant_types = excluded.grant_types, "
      "scope = excluded.scope, metadata = excluded.metadata, created_at = excluded.created_at, "
      "dynamic = excluded.dynamic",
      c.id, c.secret_hash, c.name, join(c.redirect_uris), c.auth_method, join(c.grant_types), c.scope, c.metadata,
      c.created_at, static_cast<std::int64_t>(c.dynamic));
}

std::optional<OAuthClient> SqlStore::find_oauth_client(std::string_view id) {
  return one(MCP_CLIENT_COLS " WHERE id = $1", client_of, id);
}

std::vector<OAuthClient> SqlStore::list_oauth_clients() {
  return all(MCP_CLIENT_COLS " ORDER BY created_at, id", client_of);
}

bool SqlStore::remove_oauth_client(std::string_view id) {
  bool removed = false;
  session(true, [&](SqlSession& s) {
    removed = s.run("DELETE FROM oauth_clients WHERE id = $1", id) > 0;
    auto now = unix_now();
    s.run("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at = 0", now, id);
    s.run("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at = 0", now, id);
    s.run("DELETE FROM oauth_consents WHERE client_id = $1", id);
    s.notify("oauth_client");
  });
  return removed;
}

void SqlStore::put_oauth_code(const OAuthCode& c) {
  session(false, [&](SqlSession& s) {
    s.run("INSERT INTO oauth_codes (" MCP_CODE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", c.hash,
          c.client_id, c.user, c.redirect_uri, c.code_challenge, c.scope, c.resource, c.family, c.expires_at,
          c.used_at);
    // Old codes are useless after a while (kept a day for reuse detection).
    s.run("DELETE FROM oauth_codes WHERE expires_at < $1", unix_now() - 86400);
  });
}

std::optional<OAuthCode> SqlStore::use_oauth_code(std::string_view hash, std::int64_t now) {
  std::optional<OAuthCode> code;
  session(true, [&](SqlSession& s) {
    // The winner's UPDATE finds used_at = 0, so the code as it was differs only there. Unknown,
    // or used before: the caller then revokes the grant it started.
    bool won = s.run("UPDATE oauth_codes SET used_at = $2 WHERE hash = $1 AND used_at = 0", hash, now) == 1;
    code = s.one("SELECT " MCP_CODE_COLS " FROM oauth_codes WHERE hash = $1", code_of, hash);
    if (won && code) code->used_at = 0;
  });
  return code;
}

void SqlStore::put_oauth_refresh(const OAuthRefresh& r) {
  session(false, [&](SqlSession& s) {
    s.run("INSERT INTO oauth_refresh_tokens (hash, family, client_id, user_id, scope, resource, created_at, "
          "expires_at, rotated_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          r.hash, r.family, r.client_id, r.user, r.scope, r.resource, r.created_at, r.expires_at, r.rotated_at,
          r.revoked_at);
    // Expired: cannot be replayed.
    s.run("DELETE FROM oauth_refresh_tokens WHERE expires_at < $1", unix_now() - 86400);
  });
}

std::optional<OAuthRefresh> SqlStore::find_oauth_refresh(std::string_view hash) {
  return one("SELECT hash, family, client_id, user_id, scope, resource, created_at, expires_at, rotated_at, "
             "revoked_at FROM oauth_refresh_tokens WHERE hash = $1",
             refresh_of, hash);
}

bool SqlStore::rotate_oauth_refresh(std::string_view hash, std::int64_t now) {
  return run("UPDATE oauth_refresh_tokens SET rotated_at = $1 WHERE hash = $2 AND rotated_at = 0 AND revoked_at = 0",
             now, hash) > 0;
}

void SqlStore::revoke_oauth_family(std::string_view family, std::int64_t now) {
  session(true, [&](SqlSession& s) {
    s.run("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at = 0", now, family);
    s.run("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at = 0", now, family);
  });
}

void SqlStore::put_oauth_access(const OAuthAccess& a) {
  session(false, [&](SqlSession& s) {
    s.run("INSERT INTO oauth_access_tokens (jti, family, client_id, expires_at, revoked_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          a.jti, a.family, a.client_id, a.expires_at, a.revoked_at);
    // Expired: nothing to deny.
    s.run("DELETE FROM oauth_access_tokens WHERE expires_at < $1", unix_now() - 3600);
  });
}

std::optional<OAuthAccess> SqlStore::find_oauth_access(std::string_view jti) {
  return one("SELECT jti, family, client_id, expires_at, revoked_at FROM oauth_access_tokens WHERE jti = $1",
             access_of, jti);
}

bool SqlStore::revoke_oauth_access(std::string_view jti, std::int64_t now) {
  return run("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at = 0", now, jti) > 0;
}

void SqlStore::put_oauth_consent(const OAuthConsent& c) {
  run("INSERT INTO oauth_consents (user_id, client_id, scope, resource, created_at) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (user_id, client_id) DO UPDATE SET scope = excluded.scope, resource = excluded.resource, "
      "created_at = excluded.created_at",
      c.user, c.client_id, c.scope, c.resource, c.created_at);
}

std::optional<OAuthConsent> SqlStore::find_oauth_consent(std::string_view user, std::string_view client_id) {
  return one(MCP_CONSENT_COLS " WHERE user_id = $1 AND client_id = $2", consent_of, user, client_id);
}

std::vector<OAuthConsent> SqlStore::list_oauth_consents(std::string_view user) {
  return all(MCP_CONSENT_COLS " WHERE user_id = $1 ORDER BY client_id", consent_of, user);
}

bool SqlStore::revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) {
  bool removed = false;
  session(true, [&](SqlSession& s) {
    removed = s.run("DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2", user, client_id) > 0;
    // The grants it allowed: every family of this user's refresh tokens for this client.
#define MCP_FAMILIES_OF " AND family IN (SELECT family FROM oauth_refresh_tokens WHERE user_id = $2 AND client_id = $3)"
    s.run("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE revoked_at = 0" MCP_FAMILIES_OF, now, user, client_id);
    s.run("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE revoked_at = 0" MCP_FAMILIES_OF, now, user,
          client_id);
#undef MCP_FAMILIES_OF
    s.notify("consent");
  });
  return removed;
}

void SqlStore::put_signing_key(const SigningKey& k) {
  run(dialect_.put_signing_key, k.kid, k.alg, k.public_jwk, k.private_enc, k.created_at, k.retired_at);
}

std::vector<SigningKey> SqlStore::list_signing_keys() {
  const std::string sql =
      std::string("SELECT kid, alg, public_jwk, private_enc, created_at, retired_at FROM signing_keys "
                  "ORDER BY created_at DESC, ") +
      dialect_.newest_key_order;
  return all(sql.c_str(), signing_key_of);
}

}  // namespace mcp::store::detail
