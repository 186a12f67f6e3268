#include <gtest/gtest.h>

#include <mcp/jsonrpc/jsonrpc.hpp>

namespace mcp::jsonrpc {
namespace {

json::value J(std::string_view s) { return json::parse(s); }

TEST(JsonRpcParse, MalformedJsonIsParseError) {
  for (std::string_view bad : {"{", "", "{\"a\":}", "[1,2", "nul", "{\"a\":1}}"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::kParseError) << bad;
  }
}

TEST(JsonRpcParse, ValidJsonParses) {
  auto r = parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.value().is_object());
  auto arr = parse("[1,2]");
  ASSERT_TRUE(arr);
  EXPECT_TRUE(arr.value().is_array());
}

TEST(JsonRpcParse, ExcessiveNestingIsParseError) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  auto r = parse(deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::kParseError);
}

TEST(JsonRpcClassify, Request) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::request);
  EXPECT_EQ(m->id, json::value(7));
  EXPECT_EQ(m->method, "tools/list");
  EXPECT_EQ(m->params.at("cursor"), "x");
}

TEST(JsonRpcClassify, RequestWithStringIdAndNoParams) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::request);
  EXPECT_EQ(m->id, json::value("abc"));
  EXPECT_TRUE(m->params.empty());
}

TEST(JsonRpcClassify, NullParamsAreTreatedAsAbsent) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":null})"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->params.empty());
}

TEST(JsonRpcClassify, Notification) {
  auto m = classify(J(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::notification);
  EXPECT_EQ(m->method, "notifications/initialized");
  EXPECT_TRUE(m->id.is_null());
}

TEST(JsonRpcClassify, Response) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":3,"result":{"ok":true}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::response);
  EXPECT_EQ(m->id, json::value(3));
  EXPECT_EQ(m->result, J(R"({"ok":true})"));
}

TEST(JsonRpcClassify, ErrorResponse) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":"q","error":{"code":-1,"message":"nope","data":[1]}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::error);
  EXPECT_EQ(m->id, json::value("q"));
  EXPECT_EQ(m->error.code, -1);
  EXPECT_EQ(m->error.message, "nope");
  EXPECT_EQ(m->error.data, J("[1]"));
}

TEST(JsonRpcClassify, ErrorResponseWithoutIntegerCodeIsInternalError) {
  auto m = classify(J(R"({"jsonrpc":"2.0","id":1,"error":{"code":"x"}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Kind::error);
  EXPECT_EQ(m->error.code, errc::kInternalError);
}

struct InvalidCase {
  const char* json;
  int code;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.json; }

class JsonRpcInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(JsonRpcInvalid, IsRejectedWithCode) {
  auto m = classify(J(GetParam().json));
  ASSERT_FALSE(m) << GetParam().json;
  EXPECT_EQ(m.error().code, GetParam().code) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(
    Messages, JsonRpcInvalid,
    ::testing::Values(InvalidCase{"[]", errc::kInvalidRequest}, InvalidCase{"42", errc::kInvalidRequest},
                      InvalidCase{R"("str")", errc::kInvalidRequest},
                      InvalidCase{R"({"id":1,"method":"x"})", errc::kInvalidRequest},                  // no jsonrpc
                      InvalidCase{R"({"jsonrpc":"1.0","id":1,"method":"x"})", errc::kInvalidRequest},  // wrong version
                      InvalidCase{R"({"jsonrpc":2.0,"id":1,"method":"x"})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1,"method":""})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1,"method":5})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":null,"method":"x"})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1.5,"method":"x"})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":true,"method":"x"})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":{},"method":"x"})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1,"method":"x","params":[1,2]})", errc::kInvalidParams},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1,"method":"x","params":"s"})", errc::kInvalidParams},
                      InvalidCase{R"({"jsonrpc":"2.0","method":"n","params":3})", errc::kInvalidParams},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1})", errc::kInvalidRequest},  // neither result nor error
                      InvalidCase{R"({"jsonrpc":"2.0","result":{}})", errc::kInvalidRequest},  // response, no id
                      InvalidCase{R"({"jsonrpc":"2.0","id":null,"result":{}})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":2.5,"result":{}})", errc::kInvalidRequest},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1,"error":"bad"})", errc::kInvalidRequest}));

TEST(JsonRpcClassify, ReportsIdOfInvalidMessageWhenReadable) {
  json::value id;
  auto m = classify(J(R"({"jsonrpc":"1.0","id":"abc","method":"x"})"), &id);
  ASSERT_FALSE(m);
  EXPECT_EQ(id, json::value("abc"));

  json::value id2;
  auto m2 = classify(J(R"({"jsonrpc":"2.0","id":9,"method":"x","params":[1]})"), &id2);
  ASSERT_FALSE(m2);
  EXPECT_EQ(m2.error().code, errc::kInvalidParams);
  EXPECT_EQ(id2, json::value(9));

  json::value id3;
  auto m3 = classify(J(R"({"jsonrpc":"2.0","id":1.5,"method":"x"})"), &id3);
  ASSERT_FALSE(m3);
  EXPECT_TRUE(id3.is_null()) << "an unusable id must not be echoed";
}

TEST(JsonRpcIdKey, StringsAndNumbersNeverCollide) {
  EXPECT_NE(id_key(json::value("1")), id_key(json::value(1)));
  EXPECT_EQ(id_key(json::value("1")), "s:1");
  EXPECT_EQ(id_key(json::value(1)), "n:1");
  EXPECT_EQ(id_key(json::value(1)), id_key(json::value(std::uint64_t{1})));
  EXPECT_EQ(id_key(json::value("abc")), id_key(json::value("abc")));
  EXPECT_NE(id_key(json::value("abc")), id_key(json::value("abd")));
  EXPECT_NE(id_key(json::value(-1)), id_key(json::value(1)));
}

TEST(JsonRpcSerialize, Response) {
  auto s = response(json::value(1), J(R"({"a":[1,2]})"));
  EXPECT_EQ(J(s), J(R"({"jsonrpc":"2.0","id":1,"result":{"a":[1,2]}})"));
  auto s2 = response(json::value("x\"y"), json::object{});
  EXPECT_EQ(J(s2), J(R"({"jsonrpc":"2.0","id":"x\"y","result":{}})"));
}

TEST(JsonRpcSerialize, ErrorResponse) {
  auto s = error_response(json::value(2), Error{errc::kInvalidParams, "bad", {}});
  EXPECT_EQ(J(s), J(R"({"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"bad"}})"));
  auto s2 = error_response(nullptr, Error{errc::kResourceNotFound, "nf", json::object{{"uri", "a://b"}}});
  EXPECT_EQ(J(s2), J(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32002,"message":"nf","data":{"uri":"a://b"}}})"));
}

TEST(JsonRpcSerialize, NotificationOmitsEmptyParams) {
  EXPECT_EQ(J(notification("notifications/initialized", {})),
            J(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_EQ(J(notification("notifications/progress", {{"progress", 1}})),
            J(R"({"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}})"));
}

TEST(JsonRpcSerialize, Request) {
  EXPECT_EQ(J(request(json::value(5), "roots/list", {})),
            J(R"({"jsonrpc":"2.0","id":5,"method":"roots/list","params":{}})"));
}

TEST(JsonRpcSerialize, RoundTripsThroughClassify) {
  auto req = classify(J(request(json::value("r1"), "sampling/createMessage", {{"a", 1}})));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->kind, Kind::request);
  EXPECT_EQ(req->params.at("a"), 1);
  auto res = classify(J(response(json::value(4), json::object{{"x", 1}})));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->kind, Kind::response);
  auto err = classify(J(error_response(json::value(4), Error{-5, "m", {}})));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, Kind::error);
  EXPECT_EQ(err->error.code, -5);
  auto note = classify(J(notification("n", {})));
  ASSERT_TRUE(note);
  EXPECT_EQ(note->kind, Kind::notification);
}

}  // namespace
}  // namespace mcp::jsonrpc
