#pragma once
// A throwaway redis-server for tests: Debian's binary on a free 127.0.0.1 port, no persistence,
// its files in a temporary folder; stopped (and the folder removed) by the destructor.
// start() throws std::runtime_error when redis-server is missing or does not come up, so a test
// fails with the reason instead of skipping.
#include <sys/types.h>

#include <string>

namespace mcp::test {

class RedisServer {
 public:
  explicit RedisServer(std::string password = "");
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server (on the same port as before when restarted) and waits until it answers.
  void start();
  // SIGKILL (a crash) or SIGTERM; waits for the process to end either way.
  void kill();
  void stop();
  // SIGSTOP / SIGCONT: a server that holds its connections open and answers nothing.
  void freeze();
  void thaw();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // redis://[:password@]127.0.0.1:port/db
  std::string url(int db = 0) const;

 private:
  void end(int signal);

  std::string password_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mcp::test
