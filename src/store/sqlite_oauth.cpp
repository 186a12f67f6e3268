// SqliteStore's tables of the built-in authorization server: clients, codes, refresh and access
// tokens, consents and signing keys.
#include "store/sqlite_store.hpp"

namespace mcp::store::detail {
namespace {

#define MCP_CLIENT_COLS \
  "SELECT id, secret_hash, name, redirect_uris, auth_method, grant_types, scope, metadata, created_at, dynamic " \
  "FROM oauth_clients"
#define MCP_CONSENT_COLS "SELECT user_id, client_id, scope, resource, created_at FROM oauth_consents"

OAuthClient client_of(const Stmt& s) {
  OAuthClient c{s.text(0), s.text(1), s.text(2), split(s.text(3)), s.text(4), split(s.text(5)),
                s.text(6), s.text(7), s.integer(8)};
  c.dynamic = s.integer(9) != 0;
  return c;
}

OAuthCode code_of(const Stmt& s) {
  return OAuthCode{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
                   s.integer(8), s.integer(9)};
}

OAuthRefresh refresh_of(const Stmt& s) {
  return OAuthRefresh{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5),
                      s.integer(6), s.integer(7), s.integer(8), s.integer(9)};
}

OAuthAccess access_of(const Stmt& s) { return OAuthAccess{s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)}; }

OAuthConsent consent_of(const Stmt& s) {
  return OAuthConsent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4)};
}

SigningKey signing_key_of(const Stmt& s) {
  return SigningKey{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5)};
}

}  // namespace

void SqliteStore::put_oauth_client(const OAuthClient& c) {
  run("INSERT OR REPLACE INTO oauth_clients (id, secret_hash, name, redirect_uris, auth_method, grant_types, "
      "scope, metadata, created_at, dynamic) VALUES (?,?,?,?,?,?,?,?,?,?)",
      c.id, c.secret_hash, c.name, join(c.redirect_uris), c.auth_method, join(c.grant_types), c.scope, c.metadata,
      c.created_at, static_cast<std::int64_t>(c.dynamic));
}

std::optional<OAuthClient> SqliteStore::find_oauth_client(std::string_view id) {
  return one(MCP_CLIENT_COLS " WHERE id = ?", client_of, id);
}

std::vector<OAuthClient> SqliteStore::list_oauth_clients() {
  return all(MCP_CLIENT_COLS " ORDER BY created_at, id", client_of);
}

std::vector<std::string> SqliteStore::remove_abandoned_oauth_clients(std::int64_t registered_before) {
  // Never authorized: no consent, no token, ever (codes alone do not count: one is issued
  // only after a consent).
  static constexpr const char* kAbandoned =
      "dynamic = 1 AND created_at < ?1"
      " AND NOT EXISTS (SELECT 1 FROM oauth_access_tokens a WHERE a.client_id = oauth_clients.id)"
      " AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens r WHERE r.client_id = oauth_clients.id)"
      " AND NOT EXISTS (SELECT 1 FROM oauth_consents c WHERE c.client_id = oauth_clients.id)";
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  std::vector<std::string> ids;
  const std::string sql = std::string("SELECT id FROM oauth_clients WHERE ") + kAbandoned + " LIMIT 10000";
  Stmt q(db_, sql.c_str(), registered_before);
  while (q.step()) ids.push_back(q.text(0));
  for (auto& id : ids) {
    Stmt(db_, "DELETE FROM oauth_codes WHERE client_id = ?", id).step();
    Stmt(db_, "DELETE FROM oauth_clients WHERE id = ?", id).step();
  }
  tx.commit();
  return ids;
}

bool SqliteStore::remove_oauth_client(std::string_view id) {
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  Stmt(db_, "DELETE FROM oauth_clients WHERE id = ?", id).step();
  bool removed = sqlite3_changes(db_) > 0;
  auto now = unix_now();
  Stmt(db_, "UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at = 0", now, id).step();
  Stmt(db_, "UPDATE oauth_access_tokens SET revoked_at = ? WHERE client_id = ? AND revoked_at = 0", now, id).step();
  Stmt(db_, "DELETE FROM oauth_consents WHERE client_id = ?", id).step();
  tx.commit();
  return removed;
}

void SqliteStore::put_oauth_code(const OAuthCode& c) {
  std::lock_guard lock(mu_);
  Stmt(db_,
       "INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, "
       "expires_at, used_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
       c.hash, c.client_id, c.user, c.redirect_uri, c.code_challenge, c.scope, c.resource, c.family, c.expires_at,
       c.used_at)
      .step();
  // Old codes are useless after a while (kept a day for reuse detection).
  Stmt(db_, "DELETE FROM oauth_codes WHERE expires_at < ?", unix_now() - 86400).step();
}

std::optional<OAuthCode> SqliteStore::use_oauth_code(std::string_view hash, std::int64_t now) {
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  Stmt s(db_,
         "SELECT hash, client_id, user_id, redirect_uri, code_challenge, scope, resource, family, expires_at, used_at "
         "FROM oauth_codes WHERE hash = ?",
         hash);
  if (!s.step()) return std::nullopt;
  OAuthCode c = code_of(s);
  if (c.used_at == 0) Stmt(db_, "UPDATE oauth_codes SET used_at = ? WHERE hash = ?", now, hash).step();
  tx.commit();
  return c;
}

void SqliteStore::put_oauth_refresh(const OAuthRefresh& r) {
  std::lock_guard lock(mu_);
  Stmt(db_,
       "INSERT INTO oauth_refresh_tokens (hash, family, client_id, user_id, scope, resource, created_at, "
       "expires_at, rotated_at, revoked_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
       r.hash, r.family, r.client_id, r.user, r.scope, r.resource, r.created_at, r.expires_at, r.rotated_at,
       r.revoked_at)
      .step();
  // Expired: cannot be replayed.
  Stmt(db_, "DELETE FROM oauth_refresh_tokens WHERE expires_at < ?", unix_now() - 86400).step();
}

std::optional<OAuthRefresh> SqliteStore::find_oauth_refresh(std::string_view hash) {
  return one("SELECT hash, family, client_id, user_id, scope, resource, created_at, expires_at, rotated_at, revoked_at "
             "FROM oauth_refresh_tokens WHERE hash = ?",
             refresh_of, hash);
}

bool SqliteStore::rotate_oauth_refresh(std::string_view hash, std::int64_t now) {
  return run("UPDATE oauth_refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at = 0 AND revoked_at = 0", now,
             hash) > 0;
}

void SqliteStore::revoke_oauth_family(std::string_view family, std::int64_t now) {
  std::lock_guard lock(mu_);
  revoke_family_locked(family, now);
}

void SqliteStore::revoke_family_locked(std::string_view family, std::int64_t now) {
  Stmt(db_, "UPDATE oauth_refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0", now, family).step();
  Stmt(db_, "UPDATE oauth_access_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0", now, family).step();
}

void SqliteStore::put_oauth_access(const OAuthAccess& a) {
  std::lock_guard lock(mu_);
  Stmt(db_, "INSERT INTO oauth_access_tokens (jti, family, client_id, expires_at, revoked_at) VALUES (?,?,?,?,?)", a.jti,
       a.family, a.client_id, a.expires_at, a.revoked_at)
      .step();
  // Expired: nothing to deny.
  Stmt(db_, "DELETE FROM oauth_access_tokens WHERE expires_at < ?", unix_now() - 3600).step();
}

std::optional<OAuthAccess> SqliteStore::find_oauth_access(std::string_view jti) {
  return one("SELECT jti, family, client_id, expires_at, revoked_at FROM oauth_access_tokens WHERE jti = ?", access_of,
             jti);
}

bool SqliteStore::revoke_oauth_access(std::string_view jti, std::int64_t now) {
  return run("UPDATE oauth_access_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at = 0", now, jti) > 0;
}

void SqliteStore::put_oauth_consent(const OAuthConsent& c) {
  run("INSERT OR REPLACE INTO oauth_consents (user_id, client_id, scope, resource, created_at) VALUES (?,?,?,?,?)",
      c.user, c.client_id, c.scope, c.resource, c.created_at);
}

std::optional<OAuthConsent> SqliteStore::find_oauth_consent(std::string_view user, std::string_view client_id) {
  return one(MCP_CONSENT_COLS " WHERE user_id = ? AND client_id = ?", consent_of, user, client_id);
}

std::vector<OAuthConsent> SqliteStore::list_oauth_consents(std::string_view user) {
  return all(MCP_CONSENT_COLS " WHERE user_id = ? ORDER BY client_id", consent_of, user);
}

bool SqliteStore::revoke_oauth_consent(std::string_view user, std::string_view client_id, std::int64_t now) {
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  Stmt(db_, "DELETE FROM oauth_consents WHERE user_id = ? AND client_id = ?", user, client_id).step();
  bool removed = sqlite3_changes(db_) > 0;
  std::vector<std::string> families;
  {
    Stmt f(db_, "SELECT DISTINCT family FROM oauth_refresh_tokens WHERE user_id = ? AND client_id = ?", user,
           client_id);
    while (f.step()) families.push_back(f.text(0));
  }
  for (auto& fam : families) revoke_family_locked(fam, now);
  tx.commit();
  return removed;
}

void SqliteStore::put_signing_key(const SigningKey& k) {
  run("INSERT OR REPLACE INTO signing_keys (kid, alg, public_jwk, private_enc, created_at, retired_at) "
      "VALUES (?,?,?,?,?,?)",
      k.kid, k.alg, k.public_jwk, k.private_enc, k.created_at, k.retired_at);
}

std::vector<SigningKey> SqliteStore::list_signing_keys() {
  return all("SELECT kid, alg, public_jwk, private_enc, created_at, retired_at FROM signing_keys "
             "ORDER BY created_at DESC, rowid DESC",
             signing_key_of);
}

}  // namespace mcp::store::detail
