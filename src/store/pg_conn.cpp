// PostgreSQL connections for PgStore: how to connect (bounded), the pool (bounded wait, broken
// connections dropped, reconnection with backoff), and statements that never wait forever: a
// server-side statement_timeout plus a client-side deadline on the socket.
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <stdexcept>

#include "store/pg_store.hpp"

namespace mcp::store::detail {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string trimmed(const char* s) {
  std::string m = s ? s : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "unknown error" : m;
}

// Waits until `fd` is ready for `events`, up to `deadline`, in slices so that `stop` is seen.
// 1: ready; 0: deadline passed or stopped; -1: error.
int wait_fd(int fd, short events, Clock::time_point deadline, const std::function<bool()>& stop) {
  for (;;) {
    if (stop && stop()) return 0;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return 0;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 100)));
    if (n > 0) return 1;
    if (n < 0 && errno != EINTR) return -1;
  }
}

}  // namespace

PgTarget PgTarget::from_uri(const std::string& uri) {
  PgTarget t;
  t.uri = uri;
  t.shown = redact_uri(uri);
  if (const char* p = std::getenv("MCPBRIDGE_STORE_PASSWORD")) t.password = p;
  if (const char* n = std::getenv("MCPBRIDGE_STORE_POOL")) {
    int v = 0;
    auto [end, ec] = std::from_chars(n, n + std::char_traits<char>::length(n), v);
    if (ec != std::errc() || *end || v < 1 || v > 64)
      throw std::runtime_error("MCPBRIDGE_STORE_POOL: expected a number of connections from 1 to 64");
    t.pool_size = static_cast<std::size_t>(v);
  }
  return t;
}

PGconn* PgTarget::start_connect() const {
  // Our defaults first: the URI's own parameters (expanded from dbname, last) override them.
  const std::string timeout = std::to_string(connect_timeout_s);
  const std::string options = "-c statement_timeout=" + std::to_string(statement_timeout_ms);
  std::vector<const char*> keys{"connect_timeout", "options", "keepalives", "keepalives_idle",
                                "keepalives_interval", "keepalives_count", "application_name", "client_encoding"};
  std::vector<const char*> values{timeout.c_str(), options.c_str(), "1", "30", "10", "3", "mcpbridge", "UTF8"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back("dbname");
  values.push_back(uri.c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  return PQconnectStartParams(keys.data(), values.data(), 1);
}

void quiet_notices(PGconn* c) {
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
}

bool finish_connect(PGconn* c, Clock::time_point deadline, const std::function<bool()>& stop) {
  if (!c || PQstatus(c) == CONNECTION_BAD) return false;
  auto st = PGRES_POLLING_WRITING;  // as libpq says to begin
  for (;;) {
    if (st == PGRES_POLLING_OK) return true;
    if (st == PGRES_POLLING_FAILED) return false;
    if (wait_fd(PQsocket(c), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, stop) <= 0) return false;
    st = PQconnectPoll(c);
  }
}

PGconn* PgTarget::connect() const {
  PGconn* c = start_connect();
  if (!c) throw std::runtime_error("postgresql store " + shown + ": out of memory");
  auto deadline = Clock::now() + std::chrono::seconds(connect_timeout_s);
  if (finish_connect(c, deadline, nullptr)) {
    quiet_notices(c);
    return c;
  }
  std::string why = PQstatus(c) == CONNECTION_BAD ? trimmed(PQerrorMessage(c))
                                                   : "no answer within " + std::to_string(connect_timeout_s) + " s";
  PQfinish(c);
  throw std::runtime_error("postgresql store " + shown + ": cannot connect: " + why);
}

// --- results and parameters --------------------------------------------------------------------

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::int64_t PgResult::integer(int row, int col) const {
  const char* s = PQgetvalue(r_, row, col);
  std::int64_t v = 0;
  std::from_chars(s, s + PQgetlength(r_, row, col), v);
  return v;
}

int PgResult::affected() const {
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::atoi(n) : 0;
}

PgParams::PgParams(std::span<const SqlArg> args) {
  values_.reserve(args.size());
  for (const auto& a : args) std::visit([this](auto v) { add(v); }, a);
}

std::vector<const char*> PgParams::pointers() const {
  std::vector<const char*> p;
  p.reserve(values_.size());
  for (auto& v : values_) p.push_back(v.c_str());
  return p;
}

// --- a lent connection --------------------------------------------------------------------------

PgConn::~PgConn() {
  if (c_) pool_->give_back(c_, broken_);
}

PgResult PgConn::exec(const char* sql, const PgParams& params) {
  auto values = params.pointers();
  if (!PQsendQueryParams(c_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0))
    return finish("send");
  return finish(nullptr);
}

void PgConn::exec_script(const char* sql) {
  if (!PQsendQuery(c_, sql)) finish("send");
  finish(nullptr);
}

// Reads every result of the statement sent, within the statement timeout plus a margin (a
// server that vanished without closing the socket must not hold the caller forever).
PgResult PgConn::finish(const char* failed_at) {
  const std::string& where = pool_->target().shown;
  if (failed_at) throw std::runtime_error("postgresql store " + where + ": " + trimmed(PQerrorMessage(c_)));
  auto deadline = Clock::now() + milliseconds(pool_->target().statement_timeout_ms + 5000);
  while (PQisBusy(c_)) {
    int ready = wait_fd(PQsocket(c_), POLLIN, deadline, nullptr);
    if (ready == 0) {
      broken_ = true;
      throw std::runtime_error("postgresql store " + where + ": no answer within the statement timeout");
    }
    if (ready < 0 || !PQconsumeInput(c_))
      throw std::runtime_error("postgresql store " + where + ": " + trimmed(PQerrorMessage(c_)));
  }
  PGresult* kept = nullptr;
  std::string error;
  while (PGresult* r = PQgetResult(c_)) {
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && error.empty())
      error = trimmed(PQresultErrorMessage(r));
    PQclear(kept);
    kept = r;
  }
  if (!error.empty() || !kept) {
    PQclear(kept);
    if (error.empty()) error = trimmed(PQerrorMessage(c_));
    throw std::runtime_error("postgresql store " + where + ": " + error);
  }
  return PgResult(kept);
}

PgTx::~PgTx() {
  if (done_) return;
  try {
    c_.exec_script("ROLLBACK");
  } catch (...) {  // a broken connection: the server rolls back, the pool drops it
  }
}

void PgTx::commit() {
  c_.exec_script("COMMIT");
  done_ = true;
}

// --- the pool -----------------------------------------------------------------------------------

namespace {
// Idle and untouched since it was returned: a readable socket means the server closed it (or
// said why it will); PQconsumeInput then finds it broken.
bool healthy(PGconn* c) {
  if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) return false;
  pollfd p{PQsocket(c), POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;
  return PQconsumeInput(c) && PQstatus(c) == CONNECTION_OK;
}
}  // namespace

PgPool::~PgPool() {
  for (auto* c : idle_) PQfinish(c);
}

PgConn PgPool::acquire() {
  std::unique_lock lock(mu_);
  auto deadline = Clock::now() + target_.acquire_timeout;
  for (;;) {
    while (!idle_.empty()) {
      PGconn* c = idle_.back();
      idle_.pop_back();
      if (healthy(c)) return PgConn(*this, c);
      PQfinish(c);  // the server restarted or dropped it: make a new one
      --open_;
    }
    if (open_ < target_.pool_size) {
      ++open_;
      lock.unlock();
      try {
        return PgConn(*this, connect_with_backoff());
      } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= target_.pool_size)
      throw std::runtime_error("postgresql store " + target_.shown + ": no free connection within " +
                               std::to_string(target_.acquire_timeout.count()) + " ms (pool of " +
                               std::to_string(target_.pool_size) + "; MCPBRIDGE_STORE_POOL)");
  }
}

PGconn* PgPool::connect_with_backoff() {
  {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    if (now < retry_at_)
      throw std::runtime_error(last_error_ + " (next attempt in " +
                               std::to_string(std::chrono::duration_cast<milliseconds>(retry_at_ - now).count()) +
                               " ms)");
  }
  try {
    PGconn* c = target_.connect();
    std::lock_guard lock(mu_);
    backoff_ = milliseconds(0);
    return c;
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    backoff_ = std::min(milliseconds(5000), std::max(milliseconds(100), backoff_ * 2));
    retry_at_ = Clock::now() + backoff_;
    last_error_ = e.what();
    throw;
  }
}

void PgPool::give_back(PGconn* c, bool broken) {
  std::lock_guard lock(mu_);
  if (!broken && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
    idle_.push_back(c);
  } else {
    PQfinish(c);
    --open_;
  }
  freed_.notify_one();
}

}  // namespace mcp::store::detail
