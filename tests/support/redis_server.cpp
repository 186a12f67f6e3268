#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mcp::test {

namespace {

std::string find_redis_server() {
  std::vector<std::string> candidates{"/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"};
  if (const char* env = std::getenv("MCP_REDIS_SERVER")) candidates = {env};  // another build (or none: this message)
  for (const auto& p : candidates)
    if (::access(p.c_str(), X_OK) == 0) return p;
  throw std::runtime_error(
      "redis-server not found: install the test tools with WITH_TEST_TOOLS=1 scripts/install-deps.sh "
      "(Debian's redis-server package), or point MCP_REDIS_SERVER at one");
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error(std::string("no free port: ") + std::strerror(errno));
  ::close(fd);
  return ntohs(a.sin_port);
}

// True once something answers a PING on the port (+PONG, or -NOAUTH with a password).
bool answers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(fd, "PING\r\n", 6) == 6) {
    char buf[64];
    ok = ::read(fd, buf, sizeof buf) > 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(std::string password) : password_(std::move(password)) {
  char tmpl[] = "/tmp/mcp-redis-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = free_port();
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url(int db) const {
  std::string auth;
  if (!password_.empty()) {  // percent-encoded: anything but unreserved characters
    auth = ":";
    for (unsigned char c : password_) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        auth.push_back(static_cast<char>(c));
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        auth += {'%', kHex[c >> 4], kHex[c & 15]};
      }
    }
    auth += "@";
  }
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

void RedisServer::start() {
  if (pid_ > 0) return;
  std::string binary = find_redis_server();
  std::vector<std::string> args{binary,   "--port",    std::to_string(port_), "--bind",      "127.0.0.1",
                                "--save", "",          "--appendonly",        "no",          "--dir",
                                dir_,     "--logfile", dir_ + "/redis.log",   "--daemonize", "no"};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start (see " + dir_ + "/redis.log)");
    }
    if (answers(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  end(SIGKILL);
  throw std::runtime_error("redis-server did not answer on port " + std::to_string(port_) + " within 10 s");
}

void RedisServer::end(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  ::kill(pid_, SIGCONT);  // a frozen server cannot act on SIGTERM
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

void RedisServer::kill() { end(SIGKILL); }
void RedisServer::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}
void RedisServer::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}
void RedisServer::stop() { end(SIGTERM); }

}  // namespace mcp::test
