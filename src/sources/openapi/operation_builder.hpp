#pragma once
// Builds one Operation (a tool) from an operation object the loader's walk found: metadata,
// flat input schema, output schema, servers, security and annotations.
#include <map>
#include <string>
#include <vector>

#include "sources/openapi/document.hpp"
#include <mcp/sources/openapi/loader.hpp>
#include <mcp/sources/openapi/model.hpp>
#include "sources/openapi/schema.hpp"

namespace mcp::openapi::detail {

// An operation as found in `paths`, before it is built.
struct RawOp {
  std::string method;  // upper case
  std::string path;
  const json::object* item;
  std::string item_doc;
  const json::object* op;
  std::string name;
};

class OperationBuilder {
 public:
  struct Context {
    DocumentSet& docs;
    const LoadOptions& options;
    const json::object& root;
    Dialect dialect;
    SchemaConverter& conv;
    const std::vector<SecurityRequirement>& global_security;
    const std::map<std::string, SecurityScheme>& schemes;
  };
  explicit OperationBuilder(Context c)
      : docs_(c.docs),
        options_(c.options),
        root_(c.root),
        dialect_(c.dialect),
        conv_(&c.conv),
        global_security_(c.global_security),
        schemes_(&c.schemes) {}

  // Throws (LoadError, SchemaTooLarge, SchemaBudgetSpent) when the operation cannot become a tool.
  Operation build(const RawOp& r, Spec& spec);

 private:
  void build_input(const RawOp& r, Operation& op, bool refs_as_defs);    // operation_input.cpp
  void build_output(const RawOp& r, Operation& op, bool refs_as_defs);
  json::value convert_top(const json::value& s, const std::string& doc, SchemaConverter::Scope& scope);
  bool is_api_key(const std::string& in, const std::string& name) const;
  static bool is_array_schema(const json::value& s);
  std::string pick_v2_consumes(const json::object& op, std::vector<std::string> prefs);

  DocumentSet& docs_;
  const LoadOptions& options_;
  const json::object& root_;
  Dialect dialect_;
  SchemaConverter* conv_;  // a pointer, so that conv_-> reads as it did in the one-class loader
  const std::vector<SecurityRequirement>& global_security_;
  const std::map<std::string, SecurityScheme>* schemes_;
};

}  // namespace mcp::openapi::detail
