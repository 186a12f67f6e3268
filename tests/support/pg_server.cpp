#include "support/pg_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace mcp::test {
namespace {

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

std::string make_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mcpbridge-pg-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary directory");
  return pattern;
}

}  // namespace

PgServer::PgServer() : PgServer(make_dir(), true) {}

PgServer::PgServer(std::string dir, bool owned) : dir_(std::move(dir)), owned_(owned) {
  if (owned_) start();
  uri_ = read_line(dir_ + "/uri");
  if (uri_.empty()) throw std::runtime_error("no PostgreSQL URI in " + dir_ + "/uri");
}

PgServer::~PgServer() {
  if (!owned_) return;
  try {
    script("clean");
  } catch (...) {
  }
}

PgServer& PgServer::shared() {
  if (const char* d = std::getenv("MCPBRIDGE_TEST_PG_DIR"); d && *d) {
    static PgServer fixture(d, false);
    return fixture;
  }
  static PgServer own;
  return own;
}

void PgServer::script(const std::string& command) {
  std::string cmd = "bash '" MCP_PG_SERVER_SCRIPT "' " + command + " '" + dir_ + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) throw std::runtime_error("cannot run " MCP_PG_SERVER_SCRIPT);
  std::string out;
  std::array<char, 512> buf;
  while (auto n = std::fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
  int rc = ::pclose(p.release());
  if (rc != 0) throw std::runtime_error("tests/support/pg_server.sh " + command + " failed: " + out);
}

void PgServer::start() { script("start"); }
void PgServer::stop() { script("stop"); }

std::string PgServer::fresh_database() {
  static int n = 0;
  std::string name = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  pg_exec(uri_, "CREATE DATABASE " + name);
  return uri_.substr(0, uri_.rfind('/') + 1) + name;
}

void pg_exec(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!err.empty()) throw std::runtime_error(sql + ": " + err);
}

}  // namespace mcp::test
