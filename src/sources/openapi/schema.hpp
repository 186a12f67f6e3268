#pragma once
// OpenAPI schema objects (Swagger 2.0, OpenAPI 3.0, 3.1) -> JSON Schema 2020-12 that every
// client and our validator accept:
//   - $refs are inlined; a reference that is part of a cycle becomes {"$ref": "#/$defs/Name"}
//     with Name's schema in the tool schema's $defs (compat mode: expanded a bounded number
//     of times, then cut to a stub);
//   - 3.0 `nullable` -> a "null" type (or anyOf with {"type":"null"}); `example` -> `examples`;
//     draft-4 boolean exclusiveMinimum/Maximum -> numbers; `discriminator` -> a const on the
//     discriminating property in each oneOf/anyOf branch; `type: file` -> binary string;
//   - x-* keys, xml, externalDocs and unknown keywords are dropped; keywords whose values have
//     the wrong type are dropped rather than passed on (an invalid `pattern` too);
//   - readOnly properties leave request schemas, writeOnly ones leave response schemas.
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sources/openapi/document.hpp"

namespace mcp::openapi::detail {

// How deep a schema (and a walk of a $ref target) may nest.
inline constexpr int kMaxSchemaDepth = 160;

enum class Dialect { swagger2, oas30, oas31 };
enum class Direction { request, response };

struct SchemaOptions {
  bool compat = false;
  int compat_recursion_depth = 2;
  std::size_t max_nodes = 2'000'000;        // per tool (one Scope and the scopes nested in it)
  std::size_t max_total_nodes = 4'000'000;  // per converter, i.e. per spec: every node produced
};

// Raised when inlining makes one tool's schema larger than SchemaOptions::max_nodes.
struct SchemaTooLarge : LoadError {
  using LoadError::LoadError;
};

// Raised once the converter has produced more than SchemaOptions::max_total_nodes nodes.
struct SchemaBudgetSpent : LoadError {
  using LoadError::LoadError;
};

// The references one schema document keeps as $defs (canonical refs, first use first).
struct Defs {
  std::vector<std::string> order;
  std::set<std::string> seen;
  void add(const std::string& c) {
    if (seen.insert(c).second) order.push_back(c);
  }
};

class SchemaConverter {
 public:
  SchemaConverter(DocumentSet& docs, Dialect dialect, SchemaOptions options);

  // One tool schema under conversion. Nested scopes (a $ref target or a $def converted on its
  // own, to be cached) count their own nodes and share the tool's running total, so that the
  // per-tool limit stops the work as it happens, whatever the nesting.
  struct Scope {
    Direction dir = Direction::request;
    bool refs_as_defs = false;  // every $ref kept as a $def (fallback when inlining is too big)
    Defs defs;
    std::size_t nodes = 0;        // produced by this scope and the scopes nested in it
    std::size_t* tool = nullptr;  // the tool's total; null: this is the tool's scope
    std::size_t tool_nodes = 0;   // the total, in the tool's scope
    std::size_t& total() { return tool ? *tool : tool_nodes; }
    Scope nested() {
      Scope s;
      s.dir = dir;
      s.refs_as_defs = refs_as_defs;
      s.tool = &total();
      return s;
    }
  };

  // Converts the schema `v` written in document `base`.
  json::value convert(const json::value& v, const std::string& base, Scope& scope);
  // Adds "$defs" for everything scope.defs names (and what those name in turn) to `root`.
  void attach_defs(json::object& root, Scope& scope);
  // A Swagger 2.0 non-body parameter or items object (type, format, items, enum, ...) as a schema.
  json::value convert_v2_parameter(const json::object& param, const std::string& base, Scope& scope);

  std::string def_name(const std::string& canonical);
  bool is_recursive(const std::string& canonical);
  // Schema nodes produced so far, by every conversion (SchemaOptions::max_total_nodes).
  std::size_t nodes_produced() const { return produced_; }

 private:
  struct Cached {
    json::value schema;
    std::vector<std::string> defs;
    std::size_t nodes = 0;
  };
  json::value node(const json::value& v, const std::string& base, Scope& scope, int depth);
  json::value ref_node(const json::object& o, std::string_view ref, const std::string& base, Scope& scope, int depth);
  json::value object_node(const json::object& o, const std::string& base, Scope& scope, int depth);
  json::value inline_ref(const DocumentSet::Target& t, Scope& scope, int depth);
  const std::vector<std::string>& edges(const std::string& canonical);
  void tarjan(const std::string& c, int depth);
  bool pattern_ok(std::string_view pattern);
  void count(Scope& scope, std::size_t n);
  std::string too_large() const;
  // The values under schema object `o` that object_node converts as schemas.
  void subschemas(const json::object& o, std::vector<const json::value*>& out) const;
  // The nodes converting `v` (inlining its $refs) or inlining `t` produces, as node() counts
  // them, without building anything (schema_refs.cpp).
  std::size_t size_of(const json::value& v, const std::string& base, int ref_depth);
  std::size_t inline_size(const DocumentSet::Target& t, int ref_depth);

  DocumentSet& docs_;
  Dialect dialect_;
  SchemaOptions options_;

  std::unordered_map<std::string, Cached> inline_cache_;  // key: dir + canonical
  std::unordered_map<std::string, Cached> def_cache_;     // key: dir + mode + canonical
  std::set<std::string> in_progress_;
  std::unordered_map<std::string, int> compat_stack_;
  long recursive_expansions_ = 0;
  std::size_t produced_ = 0;
  std::unordered_map<std::string, std::size_t> sizes_;  // inline_size, by canonical
  std::set<std::string> sizing_;

  std::unordered_map<std::string, std::string> def_names_;
  std::set<std::string> used_def_names_;
  std::unordered_map<std::string, bool> pattern_ok_;

  struct GraphNode {
    std::vector<std::string> edges;
    bool scanned = false;
    int index = -1, low = 0;
    bool on_stack = false, recursive = false;
  };
  std::unordered_map<std::string, GraphNode> graph_;
  std::vector<std::string> tarjan_stack_;
  int tarjan_index_ = 0;
};

// Adds null to what `s` accepts: a "null" type, or anyOf with {"type": "null"} (with `const`
// or no type), the documentation moved to the wrapper.
void make_nullable(json::value& s);

// Loosens a response schema so that answers the spec did not quite promise still validate on
// the client (the official SDKs validate structuredContent against outputSchema): every type
// also admits null; required, enum/const, format, pattern, bounds, additionalProperties:
// false, not/if/then/else go; oneOf becomes anyOf. Shape and documentation stay. The root
// keeps "type": "object" (MCP requires it).
void loosen_output(json::value& schema, bool root = true);

}  // namespace mcp::openapi::detail
