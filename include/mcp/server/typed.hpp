#pragma once
// Typed tool arguments: a plain struct described with MCP_ARGS gives both the tool's
// inputSchema and a reader that validates incoming arguments, reporting the JSON pointer of
// the first problem. Supported members: bool, integers, floating point, std::string,
// std::optional<T> (may be absent), std::vector<T>, json::value/json::object, and nested
// structs described the same way.
//
//   struct AddArgs { double a; double b; };
//   MCP_ARGS(AddArgs, (a, "First addend"), (b, "Second addend"));
#include <mcp/core/json.hpp>

#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <boost/preprocessor.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mcp {

using FieldDocs = std::map<std::string_view, std::string_view>;

namespace detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type { using type = T; };
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type { using type = T; };

template <class T>
const FieldDocs& docs_of() {
  if constexpr (requires { mcp_field_docs(static_cast<const T*>(nullptr)); }) {
    return mcp_field_docs(static_cast<const T*>(nullptr));
  } else {
    static const FieldDocs none;
    return none;
  }
}

inline std::string child(const std::string& ptr, std::string_view key) {
  std::string s = ptr + "/";
  for (char c : key) s += c == '/' ? std::string("~1") : c == '~' ? std::string("~0") : std::string(1, c);
  return s;
}
}  // namespace detail

template <class T>
json::object schema_of() {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (std::is_integral_v<T>) {
    return {{"type", "integer"}};
  } else if constexpr (std::is_floating_point_v<T>) {
    return {{"type", "number"}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (std::is_same_v<T, json::value>) {
    return {};
  } else if constexpr (std::is_same_v<T, json::object>) {
    return {{"type", "object"}};
  } else if constexpr (is_optional<T>::value) {
    return schema_of<typename is_optional<T>::type>();
  } else if constexpr (is_vector<T>::value) {
    return {{"type", "array"}, {"items", schema_of<typename is_vector<T>::type>()}};
  } else {
    static_assert(boost::describe::has_describe_members<T>::value,
                  "tool argument types must be described with MCP_ARGS or BOOST_DESCRIBE_STRUCT");
    json::object props;
    json::array required;
    const auto& docs = docs_of<T>();
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
      using M = std::remove_cvref_t<decltype(std::declval<T&>().*d.pointer)>;
      json::object s = schema_of<M>();
      if (auto it = docs.find(d.name); it != docs.end() && !it->second.empty()) s["description"] = it->second;
      props[d.name] = std::move(s);
      if constexpr (!is_optional<M>::value) required.push_back(json::string(d.name));
    });
    json::object o{{"type", "object"}, {"properties", std::move(props)}};
    if (!required.empty()) o["required"] = std::move(required);
    return o;
  }
}

// Reads `v` into `out`; on failure sets `err` to "<pointer>: <reason>" and returns false.
template <class T>
bool read_json(const json::value& v, T& out, std::string& err, const std::string& ptr = "") {
  using namespace detail;
  auto fail = [&](std::string_view what) {
    err = (ptr.empty() ? std::string("(root)") : ptr) + ": " + std::string(what);
    return false;
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_bool()) return fail("expected a boolean");
    out = v.get_bool();
  } else if constexpr (std::is_integral_v<T>) {
    using L = std::numeric_limits<T>;
    if (v.is_int64()) {  // exact: no detour through double (which holds 53 bits)
      std::int64_t x = v.get_int64();
      bool fits;
      if constexpr (std::is_signed_v<T>) fits = x >= L::min() && x <= L::max();
      else fits = x >= 0 && static_cast<std::uint64_t>(x) <= L::max();
      if (!fits) return fail("integer out of range");
      out = static_cast<T>(x);
    } else if (v.is_uint64()) {
      std::uint64_t x = v.get_uint64();
      if (x > static_cast<std::uint64_t>(L::max())) return fail("integer out of range");
      out = static_cast<T>(x);
    } else {
      if (!v.is_double()) return fail("expected an integer");
      double d = v.get_double();
      if (!std::isfinite(d) || std::floor(d) != d) return fail("expected an integer");
      // [min, 2^digits): both bounds are exact in a double, unlike max().
      if (d < static_cast<double>(L::min()) || d >= std::ldexp(1.0, L::digits))
        return fail("integer out of range");
      out = static_cast<T>(d);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    auto d = as_number(v);
    if (!d) return fail("expected a number");
    out = static_cast<T>(*d);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return fail("expected a string");
    out = std::string(v.get_string());
  } else if constexpr (std::is_same_v<T, json::value>) {
    out = v;
  } else if constexpr (std::is_same_v<T, json::object>) {
    if (!v.is_object()) return fail("expected an object");
    out = v.get_object();
  } else if constexpr (is_optional<T>::value) {
    if (v.is_null()) {
      out.reset();
      return true;
    }
    typename is_optional<T>::type inner{};
    if (!read_json(v, inner, err, ptr)) return false;
    out = std::move(inner);
  } else if constexpr (is_vector<T>::value) {
    if (!v.is_array()) return fail("expected an array");
    out.clear();
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      typename is_vector<T>::type item{};
      if (!read_json(a[i], item, err, ptr + "/" + std::to_string(i))) return false;
      out.push_back(std::move(item));
    }
  } else {
    if (!v.is_object()) return fail("expected an object");
    const auto& o = v.get_object();
    bool ok = true;
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
      if (!ok) return;
      using M = std::remove_cvref_t<decltype(out.*d.pointer)>;
      auto it = o.find(d.name);
      if (it == o.end()) {
        if constexpr (!is_optional<M>::value) {
          err = (ptr.empty() ? std::string("(root)") : ptr) + ": missing required property '" + d.name + "'";
          ok = false;
        }
        return;
      }
      ok = read_json(it->value(), out.*d.pointer, err, child(ptr, d.name));
    });
    return ok;
  }
  return true;
}

}  // namespace mcp

#define MCP_DETAIL_ARG_NAME(r, data, i, pair) BOOST_PP_COMMA_IF(i) BOOST_PP_TUPLE_ELEM(2, 0, pair)
#define MCP_DETAIL_ARG_DOC(r, data, pair) \
  {BOOST_PP_STRINGIZE(BOOST_PP_TUPLE_ELEM(2, 0, pair)), BOOST_PP_TUPLE_ELEM(2, 1, pair)},
#define MCP_DETAIL_DESCRIBE(T, members) BOOST_DESCRIBE_STRUCT(T, (), members)

// Describes an argument struct: MCP_ARGS(Type, (member, "doc"), ...). Use at namespace scope.
#define MCP_ARGS(T, ...)                                                                             \
  MCP_DETAIL_DESCRIBE(T, (BOOST_PP_SEQ_FOR_EACH_I(MCP_DETAIL_ARG_NAME, _,                            \
                                                  BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))))           \
  [[maybe_unused]] inline const ::mcp::FieldDocs& mcp_field_docs(const T*) {                         \
    static const ::mcp::FieldDocs docs{                                                              \
        BOOST_PP_SEQ_FOR_EACH(MCP_DETAIL_ARG_DOC, _, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))};        \
    return docs;                                                                                     \
  }
