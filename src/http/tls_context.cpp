#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace mcp::http {
namespace {

// Mozilla's "intermediate" configuration: TLS 1.2 with forward-secret AEAD suites only (TLS
// 1.3's suites are OpenSSL's defaults, all of them AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

// OpenSSL's queued errors as one line (reasons only: the codes mean nothing to an operator).
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason ? reason : "error " + std::to_string(e);
  }
  return out.empty() ? "unknown error" : out;
}

[[noreturn]] void refuse(const std::string& what) {
  std::string why = openssl_errors();
  throw std::invalid_argument(what + ": " + why);
}

void check_readable(const std::string& path, const char* what) {
  if (path.empty()) throw std::invalid_argument(std::string("server.tls.") + what + " is not set (both files are needed)");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::invalid_argument(std::string("server.tls.") + what + " " + path + ": " + std::strerror(errno));
  std::fclose(f);
}

// Offers http/1.1 only: a client that cannot speak it gets the fatal alert RFC 7301 asks for
// rather than a connection it would misread.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::string describe(SSL_CTX* ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (!cert) return "no certificate";
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  std::string serial = "?";
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  std::string not_after = "?";
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(bio, X509_get0_notAfter(cert)) == 1) {
      char* data = nullptr;
      long n = BIO_get_mem_data(bio, &data);
      not_after.assign(data, static_cast<std::size_t>(n));
    }
    BIO_free(bio);
  }
  EVP_PKEY* key = SSL_CTX_get0_privatekey(ctx);
  const char* type = key ? OBJ_nid2sn(EVP_PKEY_get_base_id(key)) : "?";
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
    spdlog::warn("TLS: the certificate {} has expired ({})", subject, not_after);
  return std::string(subject) + ", serial " + serial + ", " + type + " key, valid until " + not_after;
}

// mTLS: the CAs that client certificates must chain to; their names are sent in the
// CertificateRequest so that a client picks a matching certificate.
void require_client_certificates(SSL_CTX* c, const TlsOptions& o) {
  check_readable(o.client_ca_file, "client_ca_file");
  if (SSL_CTX_load_verify_locations(c, o.client_ca_file.c_str(), nullptr) != 1)
    refuse("server.tls.client_ca_file " + o.client_ca_file + ": not PEM CA certificates");
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.client_ca_file.c_str());
  if (!names) refuse("server.tls.client_ca_file " + o.client_ca_file + ": no CA certificate in it");
  SSL_CTX_set_client_CA_list(c, names);
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | (o.client_cert_required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nullptr);
  SSL_CTX_set_verify_depth(c, 4);
}

}  // namespace

std::shared_ptr<SslContext> load_server_context(const TlsOptions& o) {
  check_readable(o.cert_file, "cert_file");
  check_readable(o.key_file, "key_file");
  ERR_clear_error();
  auto ctx = std::make_shared<SslContext>(SslContext::tls_server);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_ECDH_USE |
                             SSL_OP_SINGLE_DH_USE);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) refuse("TLS cipher list");
  if (SSL_CTX_set1_groups_list(c, kGroups) != 1) refuse("TLS groups");
  SSL_CTX_set_dh_auto(c, 1);
  // An encrypted key must fail, not make OpenSSL ask for a passphrase on the terminal.
  SSL_CTX_set_default_passwd_cb(c, [](char*, int, int, void*) { return 0; });
  static const unsigned char kSessionContext[] = "mcpbridge";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
  if (SSL_CTX_use_certificate_chain_file(c, o.cert_file.c_str()) != 1)
    refuse("server.tls.cert_file " + o.cert_file + ": not a PEM certificate chain");
  // The key is read and compared here: SSL_CTX_use_PrivateKey_file would report a key of
  // another certificate as an unreadable file.
  EVP_PKEY* key = nullptr;
  if (BIO* bio = BIO_new_file(o.key_file.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(bio, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
    BIO_free(bio);
  }
  if (!key) refuse("server.tls.key_file " + o.key_file + ": not an unencrypted PEM private key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, EVP_PKEY_free);
  if (X509_check_private_key(SSL_CTX_get0_certificate(c), key) != 1)
    refuse("server.tls.key_file " + o.key_file + " does not match the certificate in " + o.cert_file);
  if (SSL_CTX_use_PrivateKey(c, key) != 1 || SSL_CTX_check_private_key(c) != 1)
    refuse("server.tls.key_file " + o.key_file + ": cannot be used with " + o.cert_file);
  if (!o.client_ca_file.empty()) require_client_certificates(c, o);
  spdlog::info("TLS: certificate {} ({})", describe(c), o.cert_file);
  return ctx;
}

std::string verified_client_name(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  X509_NAME* subject = X509_get_subject_name(peer);
  int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (i < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n <= 0) return {};
  std::string name(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  // A name with control characters or NUL would forge log lines and audit records: refused.
  for (unsigned char ch : name)
    if (ch < 0x20 || ch == 0x7F) return {};
  return name;
}

TlsContexts::TlsContexts(TlsOptions options) : options_(std::move(options)) {
  stamp_ = stamp();
  current_ = load_server_context(options_);
}

std::shared_ptr<SslContext> TlsContexts::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::string TlsContexts::stamp() const {
  std::string out;
  for (auto* path : {&options_.cert_file, &options_.key_file, &options_.client_ca_file}) {
    if (path->empty()) continue;
    struct stat st {};
    if (::stat(path->c_str(), &st) != 0) {
      out += "missing;";
      continue;
    }
    out += std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size) + ";";
  }
  return out;
}

// A reload's new context, or null (logged) when the files do not load: the previous one stays.
static std::shared_ptr<SslContext> load_or_refuse(const TlsOptions& o, const char* why) {
  try {
    return load_server_context(o);
  } catch (const std::exception& e) {
    spdlog::error("TLS reload ({}) refused, still serving the previous certificate: {}", why, e.what());
    return nullptr;
  }
}

bool TlsContexts::reload(bool force, const char* why) {
  auto now = stamp();
  {
    std::lock_guard lock(mu_);
    if (!force && now == stamp_) return false;
    stamp_ = now;
  }
  auto next = load_or_refuse(options_, why);
  if (!next) return false;
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  spdlog::info("TLS reload ({}): new handshakes use the new certificate; open connections keep theirs", why);
  return true;
}

bool TlsContexts::reconfigure(TlsOptions next, const char* why) {
  auto ctx = load_or_refuse(next, why);
  if (!ctx) return false;
  std::lock_guard lock(mu_);
  options_ = std::move(next);
  current_ = std::move(ctx);
  stamp_ = stamp();  // the watch compares with the new files from now on
  spdlog::info("TLS reload ({}): new handshakes use the new settings; open connections keep theirs", why);
  return true;
}

}  // namespace mcp::http
