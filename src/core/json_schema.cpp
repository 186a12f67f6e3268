#include <mcp/core/json_schema.hpp>

#include <mcp/core/encoding.hpp>

#include <array>
#include <cmath>
#include <regex>
#include <vector>

namespace mcp {
namespace {

constexpr int kMaxDepth = 48;
// Bounds the total work: combinators over self-references, such as
// {"anyOf":[{"$ref":"#"},{"$ref":"#"}]}, otherwise take 2^depth steps within the depth limit.
constexpr long kMaxSteps = 100000;

std::string escape_token(std::string_view t) {
  std::string s;
  for (char c : t) {
    if (c == '~') s += "~0";
    else if (c == '/') s += "~1";
    else s += c;
  }
  return s;
}

bool type_matches(std::string_view type, const json::value& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_int64() || v.is_uint64()) return true;
    return v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double();
  }
  return true;  // unknown type names do not reject
}

bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return *as_number(a) == *as_number(b);
  return a == b;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Whether `pattern` (ECMAScript) finds a match in `s`; nullopt when the pattern is unusable.
// Patterns come from untrusted schemas and meet client input. libstdc++'s default executor
// backtracks (exponential time on ^(a+)+$, one stack frame per input character) and
// regex_search restarts at every offset (quadratic: ~1 s for 4 KiB). Instead: the Thompson-NFA
// executor (__polynomial; no back-references: those patterns count as unusable) over
// "[\s\S]*?(?:pattern)" anchored at the start, one linear pass. ^ and $ keep their meaning
// (no multiline). The pattern is compiled alone first, so that "a)|(b" stays invalid.
std::optional<bool> pattern_search(std::string_view pattern, std::string_view s) {
  constexpr auto kFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
  // libstdc++ 12 reads the numbers of {n,m} and \N into a long without overflow checks
  // (undefined behaviour on x{99999999999999999999}); no such number is meaningful.
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{' && pattern[i] != ',' && pattern[i] != '\\') continue;
    size_t n = 0;
    while (i + 1 + n < pattern.size() && pattern[i + 1 + n] >= '0' && pattern[i + 1 + n] <= '9') ++n;
    if (n > 9) return std::nullopt;
  }
  try {
    std::regex alone(pattern.begin(), pattern.end(), kFlags);
    std::regex anywhere("[\\s\\S]*?(?:" + std::string(pattern) + ")", kFlags);
    return std::regex_search(s.begin(), s.end(), anywhere, std::regex_constants::match_continuous);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The keywords the validator reads, located in one pass over a schema object: a lookup per
// keyword (about 30 per schema node, each a scan of the node's keys) dominated validation.
enum Kw {
  kRef, kType, kEnum, kConst, kMinimum, kMaximum, kExclusiveMinimum, kExclusiveMaximum, kMultipleOf,
  kMinLength, kMaxLength, kPattern, kAllOf, kAnyOf, kOneOf, kNot, kIf, kThen, kElse, kMinItems, kMaxItems,
  kPrefixItems, kItems, kUniqueItems, kRequired, kMinProperties, kMaxProperties, kDependentRequired,
  kProperties, kPatternProperties, kAdditionalProperties, kKeywordCount
};
constexpr std::array<std::string_view, kKeywordCount> kKeywordNames = {
    "$ref", "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "minItems",
    "maxItems", "prefixItems", "items", "uniqueItems", "required", "minProperties", "maxProperties",
    "dependentRequired", "properties", "patternProperties", "additionalProperties"};

class Keywords {
 public:
  explicit Keywords(const json::object& s) {
    for (auto& kv : s) {
      std::string_view k = kv.key();
      if (k.size() >= kByLength.size()) continue;
      for (int i : kByLength[k.size()])
        if (kKeywordNames[i] == k) {
          at_[i] = &kv.value();
          break;
        }
    }
  }
  const json::value* operator[](Kw k) const { return at_[k]; }
  std::optional<std::string_view> string(Kw k) const {
    if (!at_[k] || !at_[k]->is_string()) return std::nullopt;
    return std::string_view(at_[k]->get_string());
  }
  const json::object* object(Kw k) const { return at_[k] && at_[k]->is_object() ? &at_[k]->get_object() : nullptr; }

 private:
  static constexpr size_t kLongest = 21;  // "additionalProperties" + 1
  static inline const std::array<std::vector<int>, kLongest> kByLength = [] {
    std::array<std::vector<int>, kLongest> t;
    for (int i = 0; i < kKeywordCount; ++i) t[kKeywordNames[i].size()].push_back(i);
    return t;
  }();
  std::array<const json::value*, kKeywordCount> at_{};
};

class Validator {
 public:
  explicit Validator(const json::value& root) : root_(root) {}
  bool exhausted() const { return steps_ > kMaxSteps; }

  std::optional<SchemaError> check(const json::value& schema, const json::value& v, const std::string& ptr,
                                   int depth) {
    if (++steps_ > kMaxSteps) return SchemaError{ptr, "schema too complex to evaluate"};
    if (depth > kMaxDepth) return SchemaError{ptr, "schema nesting too deep"};
    if (schema.is_bool()) {
      if (schema.get_bool()) return std::nullopt;
      return SchemaError{ptr, "no value is allowed here"};
    }
    if (!schema.is_object()) return std::nullopt;
    const Keywords s(schema.get_object());

    if (auto ref = s.string(kRef)) {
      const json::value* target = resolve(*ref);
      if (!target) return SchemaError{ptr, "unresolvable $ref " + std::string(*ref)};
      if (auto e = check(*target, v, ptr, depth + 1)) return e;
    }
    if (auto* t = s[kType]) {
      bool ok = false;
      if (t->is_string()) {
        ok = type_matches(t->get_string(), v);
      } else if (t->is_array()) {
        for (auto& x : t->get_array()) ok = ok || (x.is_string() && type_matches(x.get_string(), v));
      } else {
        ok = true;
      }
      if (!ok) return SchemaError{ptr, "expected type " + json::serialize(*t)};
    }
    if (auto* e = s[kEnum]; e && e->is_array()) {
      bool ok = false;
      for (auto& x : e->get_array()) ok = ok || json_equal(x, v);
      if (!ok) return SchemaError{ptr, "must be one of " + json::serialize(*e)};
    }
    if (auto* c = s[kConst]; c && !json_equal(*c, v))
      return SchemaError{ptr, "must equal " + json::serialize(*c)};

    if (v.is_number()) {
      double x = *as_number(v);
      auto num = [&](Kw k) { auto* p = s[k]; return p ? as_number(*p) : std::nullopt; };
      if (auto m = num(kMinimum); m && x < *m) return SchemaError{ptr, "must be >= " + fmt_num(*m)};
      if (auto m = num(kMaximum); m && x > *m) return SchemaError{ptr, "must be <= " + fmt_num(*m)};
      if (auto m = num(kExclusiveMinimum); m && x <= *m) return SchemaError{ptr, "must be > " + fmt_num(*m)};
      if (auto m = num(kExclusiveMaximum); m && x >= *m) return SchemaError{ptr, "must be < " + fmt_num(*m)};
      if (auto m = num(kMultipleOf); m && *m > 0) {
        double q = x / *m;
        if (std::fabs(q - std::round(q)) > 1e-9) return SchemaError{ptr, "must be a multiple of " + fmt_num(*m)};
      }
    }
    if (v.is_string()) {
      auto str = std::string_view(v.get_string());
      size_t len = utf8_length(str);
      if (auto* m = s[kMinLength]; m && as_number(*m) && len < *as_number(*m))
        return SchemaError{ptr, "must be at least " + json::serialize(*m) + " characters"};
      if (auto* m = s[kMaxLength]; m && as_number(*m) && len > *as_number(*m))
        return SchemaError{ptr, "must be at most " + json::serialize(*m) + " characters"};
      // An invalid pattern in the schema is the schema's problem, not the caller's.
      if (auto p = s.string(kPattern); p && str.size() <= 4096 && pattern_search(*p, str) == false)
        return SchemaError{ptr, "must match pattern " + std::string(*p)};
    }
    if (v.is_array()) {
      if (auto e = check_array(s, v.get_array(), ptr, depth)) return e;
    }
    if (v.is_object()) {
      if (auto e = check_object(s, v.get_object(), ptr, depth)) return e;
    }
    if (auto* a = s[kAllOf]; a && a->is_array()) {
      for (auto& sub : a->get_array())
        if (auto e = check(sub, v, ptr, depth + 1)) return e;
    }
    if (auto* a = s[kAnyOf]; a && a->is_array()) {
      bool ok = false;
      std::optional<SchemaError> first;
      for (auto& sub : a->get_array()) {
        auto e = check(sub, v, ptr, depth + 1);
        if (!e) { ok = true; break; }
        if (!first) first = e;
      }
      if (!ok) return SchemaError{ptr, "must match at least one schema in anyOf" +
                                           (first ? " (" + first->to_string() + ")" : "")};
    }
    if (auto* a = s[kOneOf]; a && a->is_array()) {
      int n = 0;
      for (auto& sub : a->get_array()) n += !check(sub, v, ptr, depth + 1);
      if (n != 1) return SchemaError{ptr, "must match exactly one schema in oneOf (matched " + std::to_string(n) + ")"};
    }
    if (auto* n = s[kNot]; n && !check(*n, v, ptr, depth + 1))
      return SchemaError{ptr, "must not match the schema in not"};
    if (auto* i = s[kIf]) {
      bool cond = !check(*i, v, ptr, depth + 1);
      const json::value* branch = s[cond ? kThen : kElse];
      if (branch)
        if (auto e = check(*branch, v, ptr, depth + 1)) return e;
    }
    return std::nullopt;
  }

 private:
  static std::string fmt_num(double d) { return json::serialize(json::value(d)); }

  std::optional<SchemaError> check_array(const Keywords& s, const json::array& a, const std::string& ptr,
                                         int depth) {
    if (auto* m = s[kMinItems]; m && as_number(*m) && a.size() < *as_number(*m))
      return SchemaError{ptr, "must have at least " + json::serialize(*m) + " items"};
    if (auto* m = s[kMaxItems]; m && as_number(*m) && a.size() > *as_number(*m))
      return SchemaError{ptr, "must have at most " + json::serialize(*m) + " items"};
    size_t prefix = 0;
    if (auto* p = s[kPrefixItems]; p && p->is_array()) {
      prefix = p->get_array().size();
      for (size_t i = 0; i < prefix && i < a.size(); ++i)
        if (auto e = check(p->get_array()[i], a[i], ptr + "/" + std::to_string(i), depth + 1)) return e;
    }
    if (auto* items = s[kItems]) {
      if (items->is_array()) {  // draft-7 tuple form
        const auto& tuple = items->get_array();
        for (size_t i = 0; i < tuple.size() && i < a.size(); ++i)
          if (auto e = check(tuple[i], a[i], ptr + "/" + std::to_string(i), depth + 1)) return e;
      } else {
        for (size_t i = prefix; i < a.size(); ++i)
          if (auto e = check(*items, a[i], ptr + "/" + std::to_string(i), depth + 1)) return e;
      }
    }
    if (auto* u = s[kUniqueItems]; u && u->is_bool() && u->get_bool()) {
      for (size_t i = 0; i < a.size(); ++i)
        for (size_t j = i + 1; j < a.size(); ++j)
          if (json_equal(a[i], a[j])) return SchemaError{ptr, "items must be unique"};
    }
    return std::nullopt;
  }

  std::optional<SchemaError> check_object(const Keywords& s, const json::object& o, const std::string& ptr,
                                          int depth) {
    if (auto* r = s[kRequired]; r && r->is_array()) {
      for (auto& k : r->get_array())
        if (k.is_string() && !o.contains(k.get_string()))
          return SchemaError{ptr, "missing required property '" + std::string(k.get_string()) + "'"};
    }
    if (auto* m = s[kMinProperties]; m && as_number(*m) && o.size() < *as_number(*m))
      return SchemaError{ptr, "must have at least " + json::serialize(*m) + " properties"};
    if (auto* m = s[kMaxProperties]; m && as_number(*m) && o.size() > *as_number(*m))
      return SchemaError{ptr, "must have at most " + json::serialize(*m) + " properties"};
    if (auto* dr = s.object(kDependentRequired)) {
      for (auto& [k, deps] : *dr)
        if (o.contains(k) && deps.is_array())
          for (auto& d : deps.get_array())
            if (d.is_string() && !o.contains(d.get_string()))
              return SchemaError{ptr, "property '" + std::string(d.get_string()) + "' is required with '" +
                                          std::string(k) + "'"};
    }
    const json::object* props = s.object(kProperties);
    const json::object* patterns = s.object(kPatternProperties);
    const json::value* additional = s[kAdditionalProperties];
    for (auto& [k, val] : o) {
      std::string child = ptr + "/" + escape_token(k);
      bool matched = false;
      if (props) {
        if (auto* ps = find(*props, k)) {
          matched = true;
          if (auto e = check(*ps, val, child, depth + 1)) return e;
        }
      }
      if (patterns) {
        for (auto& [pat, ps] : *patterns) {
          if (pattern_search(pat, k) == true) {
            matched = true;
            if (auto e = check(ps, val, child, depth + 1)) return e;
          }
        }
      }
      if (!matched && additional) {
        if (additional->is_bool() && !additional->get_bool())
          return SchemaError{child, "unexpected property '" + std::string(k) + "'"};
        if (auto e = check(*additional, val, child, depth + 1)) return e;
      }
    }
    return std::nullopt;
  }

  // Local references only: "#", "#/json/pointer", "#anchor". Remote ones are unresolvable.
  const json::value* resolve(std::string_view ref) {
    if (ref.empty() || ref[0] != '#') return nullptr;
    ref.remove_prefix(1);
    if (ref.empty()) return &root_;
    if (ref[0] == '/') {
      boost::system::error_code ec;
      auto* p = root_.find_pointer(percent_decode(ref), ec);  // the fragment is percent-encoded
      return ec ? nullptr : p;
    }
    return find_anchor(root_, ref, 0);
  }

  const json::value* find_anchor(const json::value& v, std::string_view name, int depth) {
    if (depth > kMaxDepth) return nullptr;
    if (v.is_object()) {
      auto& o = v.get_object();
      if (auto a = find_string(o, "$anchor"); a && *a == name) return &v;
      for (auto& [k, child] : o)
        if (auto* r = find_anchor(child, name, depth + 1)) return r;
    } else if (v.is_array()) {
      for (auto& child : v.get_array())
        if (auto* r = find_anchor(child, name, depth + 1)) return r;
    }
    return nullptr;
  }

  const json::value& root_;
  long steps_ = 0;
};

}  // namespace

std::string SchemaError::to_string() const {
  return (pointer.empty() ? std::string("(root)") : pointer) + ": " + message;
}

std::optional<SchemaError> validate_json_schema(const json::value& schema, const json::value& instance) {
  Validator v(schema);
  auto e = v.check(schema, instance, "", 0);
  // Out of budget is a failure even where a not/if turned the inner error into a match.
  if (v.exhausted()) return SchemaError{"", "schema too complex to evaluate"};
  return e;
}

}  // namespace mcp
