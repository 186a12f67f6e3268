// The $refs a tool schema keeps as $defs (their names and bodies) and the reference graph
// whose strongly connected components say which targets are recursive.
#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include "sources/openapi/schema.hpp"

namespace mcp::openapi::detail {

void SchemaConverter::attach_defs(json::object& root, Scope& scope) {
  if (scope.defs.order.empty()) return;
  json::object defs;
  for (std::size_t i = 0; i < scope.defs.order.size(); ++i) {  // grows while converting
    std::string canonical = scope.defs.order[i];
    std::string key =
        std::string(scope.dir == Direction::request ? "q" : "s") + (scope.refs_as_defs ? "d" : "r") + canonical;
    auto it = def_cache_.find(key);
    if (it == def_cache_.end()) {
      auto t = docs_.resolve(docs_.root_uri(), canonical);
      Scope inner = scope.nested();
      json::value body = node(*t.value, t.doc, inner, 1);
      scope.nodes += inner.nodes;  // the tool's total has them already
      it = def_cache_.emplace(key, Cached{std::move(body), std::move(inner.defs.order), inner.nodes}).first;
    } else {
      count(scope, it->second.nodes);
    }
    for (auto& d : it->second.defs) scope.defs.add(d);
    defs.emplace(def_name(canonical), it->second.schema);
  }
  root["$defs"] = std::move(defs);
}

std::string SchemaConverter::def_name(const std::string& canonical) {
  if (auto it = def_names_.find(canonical); it != def_names_.end()) return it->second;
  std::string name;
  for (char c : pointer_leaf(canonical))
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  if (name.empty()) name = "schema";
  std::string candidate = name;
  for (int i = 2; used_def_names_.count(candidate); ++i) candidate = name + "_" + std::to_string(i);
  used_def_names_.insert(candidate);
  def_names_.emplace(canonical, candidate);
  return candidate;
}

// The references a target's subtree makes (example values and extensions excepted).
const std::vector<std::string>& SchemaConverter::edges(const std::string& canonical) {
  auto& g = graph_[canonical];
  if (g.scanned) return g.edges;
  g.scanned = true;
  std::vector<std::string> out;
  try {
    auto t = docs_.resolve(docs_.root_uri(), canonical);
    std::string doc = t.doc;
    std::vector<std::pair<const json::value*, int>> work{{t.value, 0}};
    while (!work.empty()) {
      auto [v, depth] = work.back();
      work.pop_back();
      if (depth > kMaxSchemaDepth) continue;
      if (v->is_object()) {
        for (auto& kv : v->get_object()) {
          std::string_view k = kv.key();
          if (k == "$ref" && kv.value().is_string()) {
            try {
              out.push_back(docs_.resolve(doc, kv.value().get_string()).canonical);
            } catch (const LoadError&) {  // reported when the schema is converted
            }
            continue;
          }
          if (k == "example" || k == "examples" || k == "enum" || k == "default" || k == "const" || k.starts_with("x-"))
            continue;
          work.emplace_back(&kv.value(), depth + 1);
        }
      } else if (v->is_array()) {
        for (auto& x : v->get_array()) work.emplace_back(&x, depth + 1);
      }
    }
  } catch (const LoadError&) {
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  auto& g2 = graph_[canonical];  // the map may have rehashed
  g2.edges = std::move(out);
  return g2.edges;
}

namespace {
// Sizes saturate far above any limit: an expansion exponential in the depth stays representable.
constexpr std::size_t kSizeCap = std::numeric_limits<std::size_t>::max() / 4;
std::size_t add(std::size_t a, std::size_t b) { return std::min(kSizeCap, a + b); }
}  // namespace

// Mirrors node(): one node per schema position, a $ref's target inlined unless it is recursive
// (a $def, or in compat mode a bounded expansion: 0 here). Where conversion would fail instead
// (an unresolvable $ref, a circular chain) this counts less, never more, so nothing that fits
// is refused. Targets are memoised: linear in the documents however often they are reused.
std::size_t SchemaConverter::size_of(const json::value& v, const std::string& base, int ref_depth) {
  std::size_t n = 0;
  std::vector<std::pair<const json::value*, int>> work{{&v, 0}};
  std::vector<const json::value*> subs;
  while (!work.empty()) {
    auto [x, depth] = work.back();
    work.pop_back();
    n = add(n, 1);
    if (!x->is_object() || depth > kMaxSchemaDepth) continue;
    const auto& o = x->get_object();
    if (auto ref = find_string(o, "$ref")) {
      std::optional<DocumentSet::Target> t;
      try {
        t = docs_.resolve(base, *ref);
      } catch (const LoadError&) {  // reported when the schema is converted
      }
      if (t && !is_recursive(t->canonical)) n = add(n, inline_size(*t, ref_depth + 1));
    }
    subs.clear();
    subschemas(o, subs);
    for (auto* s : subs) work.emplace_back(s, depth + 1);
  }
  return n;
}

std::size_t SchemaConverter::inline_size(const DocumentSet::Target& t, int ref_depth) {
  if (auto it = sizes_.find(t.canonical); it != sizes_.end()) return it->second;
  if (ref_depth > kMaxSchemaDepth) throw LoadError("schema nested too deeply");
  if (!sizing_.insert(t.canonical).second) return 0;  // a circular chain: conversion says so
  std::size_t n = 0;
  try {
    n = size_of(*t.value, t.doc, ref_depth);
  } catch (...) {
    sizing_.erase(t.canonical);
    throw;
  }
  sizing_.erase(t.canonical);
  sizes_.emplace(t.canonical, n);
  return n;
}

bool SchemaConverter::is_recursive(const std::string& canonical) {
  auto it = graph_.find(canonical);
  if (it == graph_.end() || it->second.index < 0) {
    tarjan(canonical, 0);
    it = graph_.find(canonical);
  }
  return it->second.recursive;
}

// Tarjan's strongly connected components: a node is recursive when its component has more
// than one node or it refers to itself.
void SchemaConverter::tarjan(const std::string& c, int depth) {
  if (depth > 20000) throw LoadError("$ref graph too deep");
  edges(c);
  {
    auto& g = graph_[c];
    g.index = g.low = tarjan_index_++;
    g.on_stack = true;
  }
  tarjan_stack_.push_back(c);
  std::vector<std::string> es = graph_[c].edges;
  bool self = false;
  for (auto& e : es) {
    if (e == c) self = true;
    auto& ge = graph_[e];
    if (ge.index < 0) {
      tarjan(e, depth + 1);
      graph_[c].low = std::min(graph_[c].low, graph_[e].low);
    } else if (ge.on_stack) {
      graph_[c].low = std::min(graph_[c].low, ge.index);
    }
  }
  auto& g = graph_[c];
  if (g.low == g.index) {
    std::vector<std::string> component;
    while (true) {
      std::string top = tarjan_stack_.back();
      tarjan_stack_.pop_back();
      graph_[top].on_stack = false;
      component.push_back(top);
      if (top == c) break;
    }
    bool rec = component.size() > 1 || self;
    for (auto& n : component) graph_[n].recursive = rec;
  }
}

}  // namespace mcp::openapi::detail
