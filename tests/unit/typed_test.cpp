#include <gtest/gtest.h>

#include <cstdint>
#include <mcp/server/typed.hpp>

namespace typed_test {

struct Point {
  double x;
  double y;
};
MCP_ARGS(Point, (x, "Horizontal"), (y, "Vertical"))

struct Args {
  double ratio;
  int count;
  bool flag;
  std::string name;
  std::optional<std::string> note;
  std::vector<int> ids;
  Point where;
  std::optional<Point> maybe;
  std::vector<Point> path;
};
MCP_ARGS(Args, (ratio, "A ratio"), (count, "How many"), (flag, "A switch"), (name, "Who"), (note, ""),
         (ids, "Identifiers"), (where, "Position"), (maybe, "Optional position"), (path, "Points"))

struct Sizes {
  std::int64_t big;
  std::uint32_t small;
  std::uint64_t ubig;
};
MCP_ARGS(Sizes, (big, "int64"), (small, "uint32"), (ubig, "uint64"))

struct Raw {
  mcp::json::value any;
  mcp::json::object obj;
};
MCP_ARGS(Raw, (any, "Anything"), (obj, "An object"))

}  // namespace typed_test

namespace mcp {
namespace {

using typed_test::Args;
using typed_test::Point;
using typed_test::Raw;
using typed_test::Sizes;

json::value J(std::string_view s) { return json::parse(s); }

const char* kValid = R"({"ratio":0.5,"count":3,"flag":true,"name":"n","ids":[1,2],
                         "where":{"x":1,"y":2},"path":[{"x":0,"y":0},{"x":1.5,"y":-1}]})";

TEST(TypedSchema, Scalars) {
  EXPECT_EQ(json::value(schema_of<double>()), J(R"({"type":"number"})"));
  EXPECT_EQ(json::value(schema_of<float>()), J(R"({"type":"number"})"));
  EXPECT_EQ(json::value(schema_of<int>()), J(R"({"type":"integer"})"));
  EXPECT_EQ(json::value(schema_of<std::uint64_t>()), J(R"({"type":"integer"})"));
  EXPECT_EQ(json::value(schema_of<bool>()), J(R"({"type":"boolean"})"));
  EXPECT_EQ(json::value(schema_of<std::string>()), J(R"({"type":"string"})"));
  EXPECT_EQ(json::value(schema_of<std::optional<int>>()), J(R"({"type":"integer"})"));
  EXPECT_EQ(json::value(schema_of<std::vector<std::string>>()), J(R"({"type":"array","items":{"type":"string"}})"));
}

TEST(TypedSchema, Struct) {
  json::object s = schema_of<Args>();
  EXPECT_EQ(s.at("type"), "object");
  auto& props = s.at("properties").as_object();
  EXPECT_EQ(props.size(), 9u);
  EXPECT_EQ(props.at("ratio"), J(R"({"type":"number","description":"A ratio"})"));
  EXPECT_EQ(props.at("count"), J(R"({"type":"integer","description":"How many"})"));
  EXPECT_EQ(props.at("flag"), J(R"({"type":"boolean","description":"A switch"})"));
  EXPECT_EQ(props.at("name"), J(R"({"type":"string","description":"Who"})"));
  EXPECT_EQ(props.at("note"), J(R"({"type":"string"})"));  // empty doc: no description
  EXPECT_EQ(props.at("ids"), J(R"({"type":"array","items":{"type":"integer"},"description":"Identifiers"})"));
  auto& where = props.at("where").as_object();
  EXPECT_EQ(where.at("type"), "object");
  EXPECT_EQ(where.at("description"), "Position");
  EXPECT_EQ(where.at("properties").at("x"), J(R"({"type":"number","description":"Horizontal"})"));
  EXPECT_EQ(where.at("required"), J(R"(["x","y"])"));
  EXPECT_EQ(props.at("maybe").at("type"), "object");
  EXPECT_EQ(props.at("path").at("items").at("required"), J(R"(["x","y"])"));
  // Optional members are not required; the rest are, in declaration order.
  EXPECT_EQ(s.at("required"), J(R"(["ratio","count","flag","name","ids","where","path"])"));
}

TEST(TypedSchema, RawJsonMembers) {
  json::object s = schema_of<Raw>();
  EXPECT_EQ(s.at("properties").at("any"), J(R"({"description":"Anything"})"));
  EXPECT_EQ(s.at("properties").at("obj"), J(R"({"type":"object","description":"An object"})"));
}

TEST(TypedRead, ReadsEveryMember) {
  Args a{};
  std::string err;
  ASSERT_TRUE(read_json(J(kValid), a, err)) << err;
  EXPECT_EQ(a.ratio, 0.5);
  EXPECT_EQ(a.count, 3);
  EXPECT_TRUE(a.flag);
  EXPECT_EQ(a.name, "n");
  EXPECT_FALSE(a.note);
  EXPECT_EQ(a.ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(a.where.x, 1);
  EXPECT_EQ(a.where.y, 2);
  EXPECT_FALSE(a.maybe);
  ASSERT_EQ(a.path.size(), 2u);
  EXPECT_EQ(a.path[1].x, 1.5);
  EXPECT_EQ(a.path[1].y, -1);
}

TEST(TypedRead, OptionalPresentAbsentOrNull) {
  auto v = J(kValid);
  v.as_object()["note"] = "hello";
  v.as_object()["maybe"] = J(R"({"x":9,"y":8})");
  Args a{};
  std::string err;
  ASSERT_TRUE(read_json(v, a, err)) << err;
  ASSERT_TRUE(a.note);
  EXPECT_EQ(*a.note, "hello");
  ASSERT_TRUE(a.maybe);
  EXPECT_EQ(a.maybe->x, 9);

  v.as_object()["note"] = nullptr;
  Args b{};
  ASSERT_TRUE(read_json(v, b, err)) << err;
  EXPECT_FALSE(b.note);
}

TEST(TypedRead, IntegerMemberAcceptsIntegralDouble) {
  auto v = J(kValid);
  v.as_object()["count"] = 4.0;
  Args a{};
  std::string err;
  ASSERT_TRUE(read_json(v, a, err)) << err;
  EXPECT_EQ(a.count, 4);
}

TEST(TypedRead, ExtraPropertiesAreIgnored) {
  auto v = J(kValid);
  v.as_object()["unexpected"] = 1;
  Args a{};
  std::string err;
  EXPECT_TRUE(read_json(v, a, err)) << err;
}

struct ErrorCase {
  const char* pointer_to_set;  // top-level key
  const char* value;           // JSON
  const char* expected_error;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.pointer_to_set << "=" << c.value; }

class TypedReadError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TypedReadError, NamesThePointer) {
  auto v = J(kValid);
  v.as_object()[GetParam().pointer_to_set] = J(GetParam().value);
  Args a{};
  std::string err;
  EXPECT_FALSE(read_json(v, a, err));
  EXPECT_EQ(err, GetParam().expected_error);
}

INSTANTIATE_TEST_SUITE_P(Members, TypedReadError,
                         ::testing::Values(ErrorCase{"ratio", R"("0.5")", "/ratio: expected a number"},
                                           ErrorCase{"count", "1.5", "/count: expected an integer"},
                                           ErrorCase{"count", R"("3")", "/count: expected an integer"},
                                           ErrorCase{"count", "1e12", "/count: integer out of range"},
                                           ErrorCase{"flag", "1", "/flag: expected a boolean"},
                                           ErrorCase{"name", "null", "/name: expected a string"},
                                           ErrorCase{"note", "5", "/note: expected a string"},
                                           ErrorCase{"ids", "{}", "/ids: expected an array"},
                                           ErrorCase{"ids", R"([1,2,"x"])", "/ids/2: expected an integer"},
                                           ErrorCase{"where", "[]", "/where: expected an object"},
                                           ErrorCase{"where", R"({"x":1,"y":"2"})", "/where/y: expected a number"},
                                           ErrorCase{"where", R"({"x":1})", "/where: missing required property 'y'"},
                                           ErrorCase{"maybe", R"({"x":true,"y":1})", "/maybe/x: expected a number"},
                                           ErrorCase{"path", R"([{"x":0,"y":0},{"y":1}])",
                                                     "/path/1: missing required property 'x'"}));

TEST(TypedRead, MissingRequiredAtRoot) {
  auto v = J(kValid);
  v.as_object().erase("name");
  Args a{};
  std::string err;
  EXPECT_FALSE(read_json(v, a, err));
  EXPECT_EQ(err, "(root): missing required property 'name'");
}

TEST(TypedRead, RootMustBeAnObject) {
  Args a{};
  std::string err;
  EXPECT_FALSE(read_json(J("[1]"), a, err));
  EXPECT_EQ(err, "(root): expected an object");
}

TEST(TypedRead, IntegerRanges) {
  Sizes s{};
  std::string err;
  ASSERT_TRUE(read_json(J(R"({"big":-9223372036854775808,"small":4294967295,"ubig":18446744073709551615})"), s, err))
      << err;
  EXPECT_EQ(s.big, INT64_MIN);
  EXPECT_EQ(s.small, 4294967295u);
  EXPECT_EQ(s.ubig, UINT64_MAX);

  ASSERT_TRUE(read_json(J(R"({"big":9223372036854775807,"small":0,"ubig":0})"), s, err)) << err;
  EXPECT_EQ(s.big, INT64_MAX);

  EXPECT_FALSE(read_json(J(R"({"big":0,"small":-1,"ubig":0})"), s, err));
  EXPECT_EQ(err, "/small: integer out of range");
  EXPECT_FALSE(read_json(J(R"({"big":0,"small":4294967296,"ubig":0})"), s, err));
  EXPECT_EQ(err, "/small: integer out of range");
  EXPECT_FALSE(read_json(J(R"({"big":0,"small":0,"ubig":-1})"), s, err));
  EXPECT_EQ(err, "/ubig: integer out of range");
}

TEST(TypedRead, Int64JustPastTheRangeIsRejectedNotWrapped) {
  // 2^63 is one more than INT64_MAX: as a double it compares equal to (double)INT64_MAX.
  Sizes s{};
  std::string err;
  EXPECT_FALSE(read_json(J(R"({"big":9223372036854775808,"small":0,"ubig":0})"), s, err)) << "read " << s.big;
  EXPECT_EQ(err, "/big: integer out of range");
  EXPECT_FALSE(read_json(J(R"({"big":9.2233720368547758e18,"small":0,"ubig":0})"), s, err)) << "read " << s.big;
  EXPECT_EQ(err, "/big: integer out of range");
  EXPECT_FALSE(read_json(J(R"({"big":0,"small":0,"ubig":1.8446744073709552e19})"), s, err)) << "read " << s.ubig;
  EXPECT_EQ(err, "/ubig: integer out of range");
}

TEST(TypedRead, RawJsonMembers) {
  Raw r{};
  std::string err;
  ASSERT_TRUE(read_json(J(R"({"any":[1,"x"],"obj":{"k":1}})"), r, err)) << err;
  EXPECT_EQ(r.any, J(R"([1,"x"])"));
  EXPECT_EQ(r.obj.at("k"), 1);
  EXPECT_FALSE(read_json(J(R"({"any":1,"obj":[]})"), r, err));
  EXPECT_EQ(err, "/obj: expected an object");
}

TEST(TypedRead, PointerEscapesMemberNames) { EXPECT_EQ(detail::child("/a", "b/c~d"), "/a/b~1c~0d"); }

}  // namespace
}  // namespace mcp
