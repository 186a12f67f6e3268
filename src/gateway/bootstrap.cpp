#include "gateway/bootstrap.hpp"

#include <mcp/auth/auth.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/store/store.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mcp::gateway {
namespace {

constexpr std::size_t kMinPassword = 12;

// O_EXCL | O_NOFOLLOW and mode 0600 from the start: never readable by others, never written
// through a planted symlink. A stale file (its user was deleted with the database) is replaced.
void write_secret_file(const std::string& path, const std::string& secret) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) throw std::runtime_error(path + " exists and is not a regular file");
    ::unlink(path.c_str());
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  std::string line = secret + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw std::runtime_error("cannot write " + path);
  }
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  if (in) std::getline(in, s);
  return s;
}

}  // namespace

std::string admin_password_file(const std::string& store_path) {
  if (mcp::store::is_postgres_uri(store_path)) return "";  // no file beside a shared store
  return store_path + ".admin-password";
}

namespace {
// The log names the file absolutely: the operator may not know the server's working directory.
std::string shown_path(const std::string& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  return ec ? p : abs.string();
}
}  // namespace

Bootstrap bootstrap_admin(mcp::store::Store& store, const std::string& store_path,
                          const std::map<std::string, std::string>& env) {
  Bootstrap b;
  auto file = admin_password_file(store_path);
  if (!store.list_users().empty()) {
    if (!file.empty() && ::access(file.c_str(), F_OK) == 0) {
      b.user = kBootstrapUser;
      b.password_file = file;
      b.log.push_back(shown_path(file) + " still holds the first-run password of user " + kBootstrapUser +
                      ": change it (`mcpbridge users passwd " + kBootstrapUser + "`, which also deletes the file)");
    }
    return b;
  }
  std::string password;
  if (auto it = env.find("MCPBRIDGE_ADMIN_PASSWORD"); it != env.end() && !it->second.empty()) {
    password = it->second;
    if (password.size() < kMinPassword)
      throw std::runtime_error("MCPBRIDGE_ADMIN_PASSWORD needs at least " + std::to_string(kMinPassword) + " characters");
  } else if (file.empty()) {
    throw std::runtime_error(
        "first run on a postgresql:// store: set MCPBRIDGE_ADMIN_PASSWORD (the first admin's password; the same on "
        "every replica), or add users first with `mcpbridge users add`");
  } else {
    password = mcp::random_token(24);  // 192 random bits, base64url
    write_secret_file(file, password);
    b.password_file = file;
  }
  mcp::store::User u{kBootstrapUser, "", {"admin"}, mcp::auth::hash_password(password), mcp::store::unix_now()};
  store.put_user(u);
  b.created = true;
  b.user = kBootstrapUser;
  if (b.password_file.empty())
    b.log.push_back(std::string("first run: created user ") + kBootstrapUser +
                    " with the password from MCPBRIDGE_ADMIN_PASSWORD");
  else
    b.log.push_back(std::string("first run: created user ") + kBootstrapUser + "; its generated password is in " + shown_path(file) +
                    " (mode 0600, written once). Change it with `mcpbridge users passwd " + kBootstrapUser +
                    "` (new password on standard input), which also deletes the file");
  return b;
}

std::string change_password(mcp::store::Store& store, const std::string& store_path, const std::string& user,
                            const std::string& password) {
  auto u = store.find_user(user);
  if (!u) return "no user " + user + " (mcpbridge users add " + user + ")";
  if (password.size() < 8) return "a password needs at least 8 characters";
  auto file = admin_password_file(store_path);
  auto old = read_first_line(file);
  bool file_was_this_users = !old.empty() && !u->password_hash.empty() && mcp::auth::verify_password(old, u->password_hash);
  u->password_hash = mcp::auth::hash_password(password);
  store.put_user(*u);
  if (file_was_this_users && !file.empty()) ::unlink(file.c_str());
  return "";
}

}  // namespace mcp::gateway
