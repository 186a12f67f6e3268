// Passwords are hashed with scrypt (memory-hard; OpenSSL's EVP_PBE_scrypt).
#include <mcp/auth/auth.hpp>

#include <mcp/core/encoding.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <sstream>
#include <stdexcept>

namespace mcp::auth {
namespace {
constexpr std::uint64_t kN = 1 << 15, kR = 8, kP = 1;  // 32 MiB per hash
constexpr std::size_t kKeyLen = 32;

std::string scrypt(std::string_view password, std::string_view salt, std::uint64_t n, std::uint64_t r,
                   std::uint64_t p) {
  std::string out(kKeyLen, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), n, r, p, 64ull << 20, reinterpret_cast<unsigned char*>(out.data()), kKeyLen) != 1)
    throw std::runtime_error("scrypt failed");
  return out;
}
}  // namespace

std::string hash_password(std::string_view password) {
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) != 1) throw std::runtime_error("RAND_bytes failed");
  std::ostringstream s;
  s << "scrypt$" << kN << "$" << kR << "$" << kP << "$" << base64_encode(salt, true) << "$"
    << base64_encode(scrypt(password, salt, kN, kR, kP), true);
  return s.str();
}

bool verify_password(std::string_view password, std::string_view stored) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : stored) {
    if (c == '$') f.push_back(std::move(cur)), cur.clear();
    else cur += c;
  }
  f.push_back(cur);
  if (f.size() != 6 || f[0] != "scrypt") return false;
  try {
    auto n = std::stoull(f[1]), r = std::stoull(f[2]), p = std::stoull(f[3]);
    if (n > (1u << 20) || r > 32 || p > 16) return false;  // refuse parameters that would exhaust us
    auto salt = base64_decode(f[4]);
    auto want = base64_decode(f[5]);
    if (!salt || !want) return false;
    return constant_time_equal(scrypt(password, *salt, n, r, p), *want);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace mcp::auth
