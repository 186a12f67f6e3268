#pragma once
// First run of the embedded setup (built-in authorization server): when the store has no users,
// create `admin` so that a fresh `mcpbridge serve` can be signed in to. Its password comes from
// MCPBRIDGE_ADMIN_PASSWORD, else it is generated and written once to a 0600 file beside the
// database — never to the log.
#include <mcp/gateway/gateway.hpp>
#include <mcp/store/store.hpp>

#include <map>
#include <string>
#include <vector>

namespace mcp::gateway {

constexpr const char* kBootstrapUser = "admin";

// `<store path>.admin-password`.
std::string admin_password_file(const std::string& store_path);

struct Bootstrap {
  bool created = false;          // this run created the user
  std::string user;              // who to sign in as ("" when the store had users)
  std::string password_file;     // where the generated password is ("" if from the environment)
  std::vector<std::string> log;  // what to tell the operator (no secrets)
};

// Throws std::runtime_error (MCPBRIDGE_ADMIN_PASSWORD too short, file not writable).
Bootstrap bootstrap_admin(mcp::store::Store& store, const std::string& store_path,
                          const std::map<std::string, std::string>& env);

// change_password (`users passwd`) is declared in <mcp/gateway/gateway.hpp>.

}  // namespace mcp::gateway
