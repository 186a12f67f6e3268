#include <gtest/gtest.h>

#include <chrono>
#include <mcp/core/json_schema.hpp>

namespace mcp {
namespace {

json::value J(std::string_view s) { return json::parse(s); }

bool valid(std::string_view schema, std::string_view instance) { return !validate_json_schema(J(schema), J(instance)); }
std::optional<SchemaError> err(std::string_view schema, std::string_view instance) {
  return validate_json_schema(J(schema), J(instance));
}

TEST(JsonSchema, EmptyAndBooleanSchemas) {
  EXPECT_TRUE(valid("{}", R"({"anything":[1,2]})"));
  EXPECT_TRUE(valid("true", "42"));
  EXPECT_FALSE(valid("false", "42"));
}

TEST(JsonSchema, Types) {
  EXPECT_TRUE(valid(R"({"type":"object"})", "{}"));
  EXPECT_FALSE(valid(R"({"type":"object"})", "[]"));
  EXPECT_TRUE(valid(R"({"type":"array"})", "[]"));
  EXPECT_FALSE(valid(R"({"type":"array"})", "{}"));
  EXPECT_TRUE(valid(R"({"type":"string"})", R"("s")"));
  EXPECT_FALSE(valid(R"({"type":"string"})", "1"));
  EXPECT_TRUE(valid(R"({"type":"boolean"})", "false"));
  EXPECT_FALSE(valid(R"({"type":"boolean"})", "0"));
  EXPECT_TRUE(valid(R"({"type":"null"})", "null"));
  EXPECT_FALSE(valid(R"({"type":"null"})", "false"));
  EXPECT_TRUE(valid(R"({"type":["string","null"]})", "null"));
  EXPECT_TRUE(valid(R"({"type":["string","null"]})", R"("x")"));
  EXPECT_FALSE(valid(R"({"type":["string","null"]})", "1"));
}

TEST(JsonSchema, IntegerVersusNumber) {
  EXPECT_TRUE(valid(R"({"type":"integer"})", "3"));
  EXPECT_TRUE(valid(R"({"type":"integer"})", "-3"));
  EXPECT_TRUE(valid(R"({"type":"integer"})", "18446744073709551615"));
  EXPECT_TRUE(valid(R"({"type":"integer"})", "2.0"));  // 2020-12: a number with zero fraction
  EXPECT_FALSE(valid(R"({"type":"integer"})", "2.5"));
  EXPECT_FALSE(valid(R"({"type":"integer"})", R"("2")"));
  EXPECT_TRUE(valid(R"({"type":"number"})", "2.5"));
  EXPECT_TRUE(valid(R"({"type":"number"})", "2"));
  EXPECT_FALSE(valid(R"({"type":"number"})", R"("2.5")"));
  EXPECT_FALSE(valid(R"({"type":"number"})", "true"));
}

TEST(JsonSchema, TypeErrorMessageNamesExpectedType) {
  auto e = err(R"({"type":"integer"})", "1.5");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "");
  EXPECT_NE(e->message.find("integer"), std::string::npos) << e->message;
  EXPECT_EQ(e->to_string().rfind("(root): ", 0), 0u) << e->to_string();
}

TEST(JsonSchema, Enum) {
  const char* s = R"({"enum":["red","green",3,null]})";
  EXPECT_TRUE(valid(s, R"("red")"));
  EXPECT_TRUE(valid(s, "3"));
  EXPECT_TRUE(valid(s, "3.0"));  // numbers compare by value
  EXPECT_TRUE(valid(s, "null"));
  EXPECT_FALSE(valid(s, R"("blue")"));
  EXPECT_FALSE(valid(s, R"("3")"));
}

TEST(JsonSchema, Const) {
  EXPECT_TRUE(valid(R"({"const":{"a":1}})", R"({"a":1})"));
  EXPECT_FALSE(valid(R"({"const":{"a":1}})", R"({"a":2})"));
  EXPECT_TRUE(valid(R"({"const":5})", "5"));
  EXPECT_FALSE(valid(R"({"const":5})", "6"));
}

TEST(JsonSchema, PropertiesRequiredAdditional) {
  const char* s = R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},
                      "required":["a"],"additionalProperties":false})";
  EXPECT_TRUE(valid(s, R"({"a":1})"));
  EXPECT_TRUE(valid(s, R"({"a":1,"b":"x"})"));

  auto missing = err(s, R"({"b":"x"})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->pointer, "");
  EXPECT_NE(missing->message.find("'a'"), std::string::npos) << missing->message;

  auto wrong = err(s, R"({"a":"1"})");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->pointer, "/a");

  auto extra = err(s, R"({"a":1,"c":true})");
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->pointer, "/c");
  EXPECT_NE(extra->message.find("'c'"), std::string::npos) << extra->message;
}

TEST(JsonSchema, AdditionalPropertiesAsSchema) {
  const char* s = R"({"properties":{"a":{}},"additionalProperties":{"type":"number"}})";
  EXPECT_TRUE(valid(s, R"({"a":"anything","x":1,"y":2.5})"));
  auto e = err(s, R"({"a":"anything","x":"no"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/x");
}

TEST(JsonSchema, KeywordsOnlyApplyToTheirTypes) {
  // required/minimum/minLength say nothing about values of other types.
  EXPECT_TRUE(valid(R"({"required":["a"],"minimum":5,"minItems":2,"minProperties":1})", R"("ab")"));
  EXPECT_TRUE(valid(R"({"required":["a"]})", "[]"));
  EXPECT_TRUE(valid(R"({"minimum":5})", R"("1")"));
}

TEST(JsonSchema, PatternProperties) {
  const char* s = R"({"patternProperties":{"^x-":{"type":"string"},"^n_":{"type":"integer"}},
                      "additionalProperties":false})";
  EXPECT_TRUE(valid(s, R"({"x-a":"s","n_1":3})"));
  auto bad = err(s, R"({"x-a":1})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->pointer, "/x-a");
  auto extra = err(s, R"({"y":1})");
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->pointer, "/y");
}

TEST(JsonSchema, PropertyCountsAndDependentRequired) {
  EXPECT_FALSE(valid(R"({"minProperties":2})", R"({"a":1})"));
  EXPECT_TRUE(valid(R"({"minProperties":2})", R"({"a":1,"b":2})"));
  EXPECT_FALSE(valid(R"({"maxProperties":1})", R"({"a":1,"b":2})"));
  const char* dep = R"({"dependentRequired":{"card":["cvv"]}})";
  EXPECT_TRUE(valid(dep, R"({"x":1})"));
  EXPECT_TRUE(valid(dep, R"({"card":1,"cvv":2})"));
  EXPECT_FALSE(valid(dep, R"({"card":1})"));
}

TEST(JsonSchema, Items) {
  const char* s = R"({"type":"array","items":{"type":"integer"}})";
  EXPECT_TRUE(valid(s, "[]"));
  EXPECT_TRUE(valid(s, "[1,2,3]"));
  auto e = err(s, R"([1,"two",3])");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/1");
}

TEST(JsonSchema, PrefixItems) {
  const char* s = R"({"prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"boolean"}})";
  EXPECT_TRUE(valid(s, R"(["a",1])"));
  EXPECT_TRUE(valid(s, R"(["a",1,true,false])"));
  EXPECT_TRUE(valid(s, R"(["a"])"));
  auto e0 = err(s, R"([1,1])");
  ASSERT_TRUE(e0);
  EXPECT_EQ(e0->pointer, "/0");
  auto e1 = err(s, R"(["a","b"])");
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->pointer, "/1");
  auto e3 = err(s, R"(["a",1,true,"no"])");
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->pointer, "/3");
  // items: false forbids anything past the prefix.
  EXPECT_FALSE(valid(R"({"prefixItems":[{}],"items":false})", "[1,2]"));
  EXPECT_TRUE(valid(R"({"prefixItems":[{}],"items":false})", "[1]"));
}

TEST(JsonSchema, Draft7TupleItems) {
  const char* s = R"({"items":[{"type":"string"},{"type":"integer"}]})";
  EXPECT_TRUE(valid(s, R"(["a",1,"anything"])"));
  auto e = err(s, R"(["a","b"])");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/1");
}

TEST(JsonSchema, ArrayBoundsAndUniqueness) {
  EXPECT_FALSE(valid(R"({"minItems":2})", "[1]"));
  EXPECT_TRUE(valid(R"({"minItems":2})", "[1,2]"));
  EXPECT_FALSE(valid(R"({"maxItems":1})", "[1,2]"));
  EXPECT_TRUE(valid(R"({"maxItems":1})", "[1]"));
  EXPECT_FALSE(valid(R"({"uniqueItems":true})", R"([1,2,1])"));
  EXPECT_FALSE(valid(R"({"uniqueItems":true})", R"([1,1.0])"));
  EXPECT_TRUE(valid(R"({"uniqueItems":true})", R"([1,"1",[1]])"));
  EXPECT_TRUE(valid(R"({"uniqueItems":false})", R"([1,1])"));
}

TEST(JsonSchema, NumericBounds) {
  EXPECT_TRUE(valid(R"({"minimum":1})", "1"));
  EXPECT_FALSE(valid(R"({"minimum":1})", "0.999"));
  EXPECT_TRUE(valid(R"({"maximum":1})", "1"));
  EXPECT_FALSE(valid(R"({"maximum":1})", "1.001"));
  EXPECT_FALSE(valid(R"({"exclusiveMinimum":1})", "1"));
  EXPECT_TRUE(valid(R"({"exclusiveMinimum":1})", "1.5"));
  EXPECT_FALSE(valid(R"({"exclusiveMaximum":1})", "1"));
  EXPECT_TRUE(valid(R"({"exclusiveMaximum":1})", "0"));
  EXPECT_TRUE(valid(R"({"multipleOf":0.1})", "0.3"));
  EXPECT_TRUE(valid(R"({"multipleOf":3})", "9"));
  EXPECT_FALSE(valid(R"({"multipleOf":3})", "10"));
  EXPECT_FALSE(valid(R"({"minimum":-5})", "-6"));
  EXPECT_TRUE(valid(R"({"maximum":18446744073709551615})", "18446744073709551615"));
  auto e = err(R"({"properties":{"n":{"minimum":10}}})", R"({"n":3})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/n");
  EXPECT_NE(e->message.find(">= 1"), std::string::npos) << e->message;
}

TEST(JsonSchema, StringLengthCountsCodePoints) {
  EXPECT_TRUE(valid(R"({"minLength":2})", R"("ab")"));
  EXPECT_FALSE(valid(R"({"minLength":2})", R"("a")"));
  EXPECT_TRUE(valid(R"({"maxLength":2})", R"("ab")"));
  EXPECT_FALSE(valid(R"({"maxLength":2})", R"("abc")"));
  // "héé" is 3 code points in 5 bytes.
  EXPECT_TRUE(valid(R"({"maxLength":3})", "\"h\xC3\xA9\xC3\xA9\""));
  EXPECT_FALSE(valid(R"({"maxLength":2})", "\"h\xC3\xA9\xC3\xA9\""));
}

TEST(JsonSchema, Pattern) {
  EXPECT_TRUE(valid(R"({"pattern":"^[a-z]+$"})", R"("abc")"));
  EXPECT_FALSE(valid(R"({"pattern":"^[a-z]+$"})", R"("abC")"));
  EXPECT_TRUE(valid(R"({"pattern":"b"})", R"("abc")"));  // unanchored: search, not match
  EXPECT_FALSE(valid(R"({"pattern":"z"})", R"("abc")"));
  // An invalid pattern is ignored rather than crashing or rejecting every value.
  EXPECT_TRUE(valid(R"({"pattern":"(unclosed"})", R"("abc")"));
}

TEST(JsonSchema, AllOf) {
  const char* s = R"({"allOf":[{"type":"integer"},{"minimum":3}]})";
  EXPECT_TRUE(valid(s, "4"));
  EXPECT_FALSE(valid(s, "2"));
  EXPECT_FALSE(valid(s, "4.5"));
}

TEST(JsonSchema, AnyOf) {
  const char* s = R"({"anyOf":[{"type":"string"},{"type":"integer","minimum":0}]})";
  EXPECT_TRUE(valid(s, R"("x")"));
  EXPECT_TRUE(valid(s, "5"));
  EXPECT_FALSE(valid(s, "-5"));
  EXPECT_FALSE(valid(s, "true"));
}

TEST(JsonSchema, OneOf) {
  const char* s = R"({"oneOf":[{"type":"integer"},{"minimum":10}]})";
  EXPECT_TRUE(valid(s, "5"));     // integer only
  EXPECT_TRUE(valid(s, "10.5"));  // minimum only
  EXPECT_FALSE(valid(s, "11"));   // both
  auto e = err(s, "1.5");         // neither
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("matched 0"), std::string::npos) << e->message;
}

TEST(JsonSchema, Not) {
  EXPECT_TRUE(valid(R"({"not":{"type":"string"}})", "1"));
  EXPECT_FALSE(valid(R"({"not":{"type":"string"}})", R"("s")"));
}

TEST(JsonSchema, IfThenElse) {
  const char* s = R"({"if":{"properties":{"kind":{"const":"card"}}},
                      "then":{"required":["number"]},
                      "else":{"required":["iban"]}})";
  EXPECT_TRUE(valid(s, R"({"kind":"card","number":"4111"})"));
  EXPECT_FALSE(valid(s, R"({"kind":"card","iban":"DE00"})"));
  EXPECT_TRUE(valid(s, R"({"kind":"bank","iban":"DE00"})"));
  EXPECT_FALSE(valid(s, R"({"kind":"bank","number":"4111"})"));
  // if without then/else constrains nothing.
  EXPECT_TRUE(valid(R"({"if":{"type":"string"}})", "1"));
  EXPECT_TRUE(valid(R"({"if":{"type":"string"}})", R"("s")"));
}

TEST(JsonSchema, RefIntoDefs) {
  const char* s = R"({"$defs":{"pos":{"type":"integer","minimum":1}},
                      "properties":{"n":{"$ref":"#/$defs/pos"}}})";
  EXPECT_TRUE(valid(s, R"({"n":3})"));
  auto e = err(s, R"({"n":0})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/n");
  // draft-7 "definitions" works the same.
  EXPECT_FALSE(valid(R"({"definitions":{"s":{"type":"string"}},"$ref":"#/definitions/s"})", "1"));
  // JSON pointer escapes and percent-encoding in the fragment.
  EXPECT_FALSE(valid(R"({"$defs":{"a/b":{"type":"string"}},"$ref":"#/$defs/a~1b"})", "1"));
  EXPECT_FALSE(valid(R"({"$defs":{"a b":{"type":"string"}},"$ref":"#/$defs/a%20b"})", "1"));
  EXPECT_TRUE(valid(R"({"$defs":{"a b":{"type":"string"}},"$ref":"#/$defs/a%20b"})", R"("x")"));
}

TEST(JsonSchema, RefByAnchor) {
  const char* s = R"({"$defs":{"x":{"$anchor":"name","type":"string","minLength":2}},
                      "properties":{"who":{"$ref":"#name"}}})";
  EXPECT_TRUE(valid(s, R"({"who":"al"})"));
  EXPECT_FALSE(valid(s, R"({"who":"a"})"));
  EXPECT_FALSE(valid(s, R"({"who":5})"));
}

TEST(JsonSchema, RecursiveRefValidatesNestedData) {
  const char* s = R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
                      "children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},
                      "$ref":"#/$defs/node"})";
  EXPECT_TRUE(valid(s, R"({"v":1,"children":[{"v":2,"children":[{"v":3}]}]})"));
  auto e = err(s, R"({"v":1,"children":[{"v":2,"children":[{"v":"x"}]}]})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/children/0/children/0/v");
}

TEST(JsonSchema, UnresolvableRefIsAnErrorNotACrash) {
  for (const char* ref :
       {"#/$defs/missing", "#nowhere", "https://example.com/schema.json", "other.json#/x", "#/$defs/a/999", ""}) {
    json::value schema = {{"$defs", {{"a", json::array{}}}}, {"$ref", ref}};
    auto e = validate_json_schema(schema, json::value(1));
    ASSERT_TRUE(e) << ref;
    EXPECT_NE(e->message.find("$ref"), std::string::npos) << e->message;
  }
}

TEST(JsonSchema, RootRefItselfIsBoundedByDepth) {
  auto start = std::chrono::steady_clock::now();
  auto e = err(R"({"$ref":"#"})", "1");
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("deep"), std::string::npos) << e->message;
  auto e2 = err(R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})", "{}");
  ASSERT_TRUE(e2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(JsonSchema, BranchingSelfReferenceDoesNotHang) {
  // Each level tries both branches: without a global bound this is 2^depth evaluations.
  const char* s = R"({"anyOf":[{"$ref":"#"},{"$ref":"#"}]})";
  auto start = std::chrono::steady_clock::now();
  auto e = err(s, "1");
  EXPECT_TRUE(e);
  // Running out of budget inside not/if must not turn into acceptance.
  auto e3 = err(R"({"$defs":{"b":{"anyOf":[{"$ref":"#/$defs/b"},{"$ref":"#/$defs/b"}]}},
                     "not":{"$ref":"#/$defs/b"}})",
                "1");
  ASSERT_TRUE(e3);
  EXPECT_NE(e3->message.find("complex"), std::string::npos) << e3->message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // unbounded: hours
}

TEST(JsonSchema, BranchingSelfReferenceInOneOfDoesNotHang) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(err(R"({"oneOf":[{"$ref":"#"},{"$ref":"#"},{"$ref":"#"}]})", "1"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // unbounded: hours
}

TEST(JsonSchema, DeeplyNestedInstanceIsBounded) {
  // A recursive schema over a deep instance stops at the depth limit instead of overflowing.
  json::value v = json::object{};
  for (int i = 0; i < 200; ++i) v = json::object{{"c", std::move(v)}};
  json::value schema = J(R"({"$defs":{"n":{"type":"object","properties":{"c":{"$ref":"#/$defs/n"}}}},
                             "$ref":"#/$defs/n"})");
  auto e = validate_json_schema(schema, v);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("deep"), std::string::npos) << e->message;
}

TEST(JsonSchema, LargeInstancesStayWithinTheWorkBound) {
  // The work bound must not reject ordinary large arguments.
  json::array a;
  for (int i = 0; i < 30000; ++i) a.push_back(i);
  EXPECT_FALSE(validate_json_schema(J(R"({"type":"array","items":{"type":"integer","minimum":0}})"), a));
  a.push_back(-1);
  auto e = validate_json_schema(J(R"({"type":"array","items":{"type":"integer","minimum":0}})"), a);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/30000");
}

TEST(JsonSchema, ErrorPointersEscapeTokens) {
  const char* s = R"({"properties":{"a/b":{"properties":{"m~n":{"type":"string"}}}}})";
  auto e = err(s, R"({"a/b":{"m~n":1}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pointer, "/a~1b/m~0n");
  EXPECT_EQ(e->to_string().rfind("/a~1b/m~0n: ", 0), 0u) << e->to_string();
}

TEST(JsonSchema, UnknownKeywordsAndTypesAreIgnored) {
  EXPECT_TRUE(valid(R"({"format":"email","x-custom":1,"type":"frobnicate"})", R"("not an email")"));
  EXPECT_TRUE(valid(R"({"type":42})", "1"));
  EXPECT_TRUE(valid(R"({"properties":3,"required":"a","items":7,"enum":"x"})", R"({"b":1})"));
}

}  // namespace
}  // namespace mcp
