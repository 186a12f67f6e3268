// PgStore's tables of the built-in authorization server. The one-use code and the refresh
// rotation are single conditional UPDATEs: under concurrent replicas the row lock serialises
// them and the second sees the first one's change (READ COMMITTED re-checks the WHERE), so
// exactly one wins.
#include "store/pg_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_CLIENT_COLS \
  "SELECT id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, created_at, dynamic " \
  "FROM oauth_clients"
#define MCP_CONSENT_COLS "SELECT user_id, client_id, scope, resource, created_at FROM oauth_consents"
#define MCP_CODE_COLS "hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, expires_at, used_at"

OAuthClient client_of(const PgRow& s) {
  OAuthClient c{s.text(0), s.text(1), s.text(2), split(s.text(3)), s.text(4), split(s.text(5)),
                s.text(6), s.text(7), s.integer(8)};
  c.dynamic = s.integer(9) != 0;
  return c;
}

OAuthCode code_of(const PgRow& s) {
  return OAuthCode{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                   s.integer(8), s.integer(9)};
}

OAuthRefresh refresh_of(const PgRow& s) {
  return OAuthRefresh{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                      s.integer(6), s.integer(7), s.integer(8), s.integer(9)};
}

OAuthAccess access_of(const PgRow& s) { return OAuthAccess{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)}; }

OAuthConsent consent_of(const PgRow& s) {
  return OAuthConsent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

SigningKey signing_key_of(const PgRow& s) {
  return SigningKey{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5)};
}

// Revoke every refresh and access token of one grant ($2) at time $1.
constexpr const char* kRevokeRefresh =
    "UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at = 0";
constexpr const char* kRevokeAccess =
    "UPDATE oauth_access_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at = 0";

}  // namespace

void PgStore::put_oauth_client(const OAuthClient& c) {
  run("INSERT INTO oauth_clients (id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, "
      "created_at, dynamic) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, name = EXCLUDED.name, "
      "redirect_uris = EXCLUDED.redirect_uris, auth_method = EXCLUDED.auth_method, grant_types = EXCLUDED.grant_types, "
      "scope = EXCLUDED.scope, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, "
      "dynamic = EXCLUDED.dynamic",
      c.id, c.secret_hash, c.name, join(c.redirect_uris), c.auth_method, join(c.grant_types), c.scope, c.metadata,
      c.created_at, static_cast<std::int64_t>(c.dynamic));
}

std::optional<OAuthClient> PgStore::find_oauth_client(std::string_view id) {
  return one(MCP_CLIENT_COLS " WHERE id = $1", client_of, id);
}

std::vector<OAuthClient> PgStore::list_oauth_clients() {
  return all(MCP_CLIENT_COLS " ORDER BY created_at, id", client_of);
}

std::vector<std::string> PgStore::remove_abandoned_oauth_clients(std::int64_t registered_before) {
  // Never authorized: no consent, no token, ever. One statement: two replicas sweeping at once
  // each report only what they deleted.
  return all(
      "WITH gone AS (DELETE FROM oauth_clients WHERE id IN (SELECT id FROM oauth_clients o WHERE dynamic = 1 "
      "AND created_at < $1"
      " AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens a WHERE a.client_id = o.id)"
      " AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.client_id = o.id)"
      " AND NOT EXISTS (SELECT 1 FROM oauth_consents c WHERE c.client_id = o.id) LIMIT 10000) RETURNING id), "
      "codes AS (DELETE FROM oauth_codes WHERE client_id IN (SELECT id FROM gone)) "
      "SELECT id FROM gone ORDER BY id",
      [](const PgRow& r) { return r.text(0); }, registered_before);
}

bool PgStore::remove_oauth_client(std::string_view id) {
  auto c = pool_.acquire();
  PgTx tx(c);
  bool removed = c.exec("DELETE FROM oauth_clients WHERE id = $1", PgParams(id)).affected() > 0;
  PgParams revoke(unix_now(), id);
  c.exec("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at = 0", revoke);
  c.exec("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at = 0", revoke);
  c.exec("DELETE FROM oauth_consents WHERE client_id = $1", PgParams(id));
  tx.notify("oauth_client");
  tx.commit();
  return removed;
}

void PgStore::put_oauth_code(const OAuthCode& c) {
  auto conn = pool_.acquire();
  conn.exec("INSERT INTO oauth_codes (" MCP_CODE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            PgParams(c.hash, c.client_id, c.user, c.redirect_uri, c.code_challenge, c.scope, c.resource, c.family,
                     c.expires_at, c.used_at));
  // Old codes are useless after a while (kept a day for reuse detection).
  conn.exec("DELETE FROM oauth_codes WHERE expires_at < $1", PgParams(unix_now() - 86400));
}

std::optional<OAuthCode> PgStore::use_oauth_code(std::string_view hash, std::int64_t now) {
  auto c = pool_.acquire();
  // The winner: its UPDATE found used_at = 0, so the code as it was differs only there.
  auto won = c.exec("UPDATE oauth_codes SET used_at = $2 WHERE hash = $1 AND used_at = 0 RETURNING " MCP_CODE_COLS,
                    PgParams(hash, now));
  if (won.rows() == 1) {
    auto code = code_of(PgRow{won, 0});
    code.used_at = 0;
    return code;
  }
  // Unknown, or used before (the caller then revokes the grant it started).
  auto r = c.exec("SELECT " MCP_CODE_COLS " FROM oauth_codes WHERE hash = $1", PgParams(hash));
  if (r.rows() == 0) return std::nullopt;
  return code_of(PgRow{r, 0});
}

void PgStore::put_oauth_refresh(const OAuthRefresh& r) {
  auto c = pool_.acquire();
  c.exec("INSERT INTO oauth_refresh_tokens (hash, family, client_id, user_id, scope, resource, created_at, "
         "expires_at, rotated_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
         PgParams(r.hash, r.family, r.client_id, r.user, r.scope, r.resource, r.created_at, r.expires_at,
                  r.rotated_at, r.revoked_at));
  c.exec("DELETE FROM oauth_refresh_tokens WHERE expires_at < $1", PgParams(unix_now() - 86400));
}

std::optional<OAuthRefresh> PgStore::find_oauth_refresh(std::string_view hash) {
  return one("SELECT hash, family, client_id, user_id, scope, resource, created_at, expires_at, rotated_at, "
             "revoked_at FROM oauth_refresh_tokens WHERE hash = $1",
             refresh_of, hash);
}

bool PgStore::rotate_oauth_refresh(std::string_view hash, std::int64_t now) {
  return run("UPDATE oauth_refresh_tokens SET rotated_at = $1 WHERE hash = $2 AND rotated_at = 0 AND revoked_at = 0",
             now, hash) > 0;
}

void PgStore::revoke_oauth_family(std::string_view family, std::int64_t now) {
  auto c = pool_.acquire();
  PgTx tx(c);
  PgParams p(now, family);
  c.exec(kRevokeRefresh, p);
  c.exec(kRevokeAccess, p);
  tx.commit();
}

void PgStore::put_oauth_access(const OAuthAccess& a) {
  auto c = pool_.acquire();
  c.exec("INSERT INTO oauth_access_tokens (jti, family, client_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)",
         PgParams(a.jti, a.family, a.client_id, a.expires_at, a.revoked_at));
  c.exec("DELETE FROM oauth_access_tokens WHERE expires_at < $1", PgParams(unix_now() - 3600));
}

std::optional<OAuthAccess> PgStore::find_oauth_access(std::string_view jti) {
  return one("SELECT jti, family, client_id, expires_at, revoked_at FROM oauth_access_tokens WHERE jti = $1",
             access_of, jti);
}

bool PgStore::revoke_oauth_access(std::string_view jti, std::int64_t now) {
  return run("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE jti = $2 AND revoked_at = 0", now, jti) > 0;
}

void PgStore::put_oauth_consent(const OAuthConsent& c) {
  run("INSERT INTO oauth_consents (user_id, client_id, scope, resource, created_at) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (user_id, client_id) DO UPDATE SET scope = EXCLUDED.scope, resource = EXCLUDED.resource, "
      "created_at = EXCLUDED.created_at",
      c.user, c.client_id, c.scope, c.resource, c.created_at);
}

std::optional<OAuthConsent> PgStore::find_oauth_consent(std::string_view user, std::string_view client_id) {
  return one(MCP_CONSENT_COLS " WHERE user_id = $1 AND client_id = $2", consent_of, user, client_id);
}

std::vector<OAuthConsent> PgStore::list_oauth_consents(std::string_view user) {
  return all(MCP_CONSENT_COLS " WHERE user_id = $1 ORDER BY client_id", consent_of, user);
}

bool PgStore::revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) {
  auto c = pool_.acquire();
  PgTx tx(c);
  bool removed =
      c.exec("DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2", PgParams(user, client_id)).affected() > 0;
  // The grants it allowed: every family of this user's refresh tokens for this client.
#define MCP_FAMILIES_OF " AND family IN (SELECT family FROM oauth_refresh_tokens WHERE user_id = $2 AND client_id = $3)"
  PgParams p(now, user, client_id);
  c.exec("UPDATE oauth_access_tokens SET revoked_at = $1 WHERE revoked_at = 0" MCP_FAMILIES_OF, p);
  c.exec("UPDATE oauth_refresh_tokens SET revoked_at = $1 WHERE revoked_at = 0" MCP_FAMILIES_OF, p);
#undef MCP_FAMILIES_OF
  tx.notify("consent");
  tx.commit();
  return removed;
}

void PgStore::put_signing_key(const SigningKey& k) {
  // A replaced key counts as newest again (SQLite's INSERT OR REPLACE gives it a new rowid).
  run("INSERT INTO signing_keys (kid, alg, public_jwk, private_enc, created_at, retired_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) "
      "ON CONFLICT (kid) DO UPDATE SET alg = EXCLUDED.alg, public_jwk = EXCLUDED.public_jwk, "
      "private_enc = EXCLUDED.private_enc, created_at = EXCLUDED.created_at, retired_at = EXCLUDED.retired_at, "
      "seq = nextval('signing_keys_order')",
      k.kid, k.alg, k.public_jwk, k.private_enc, k.created_at, k.retired_at);
}

std::vector<SigningKey> PgStore::list_signing_keys() {
  return all("SELECT kid, alg, public_jwk, private_enc, created_at, retired_at FROM signing_keys "
             "ORDER BY created_at DESC, seq DESC",
             signing_key_of);
}

}  // namespace mcp::store::detail
