#include <gtest/gtest.h>

#include <mcp/server/uri_template.hpp>

namespace mcp {
namespace {

TEST(UriTemplateExpand, SimpleVariableIsPercentEncoded) {
  EXPECT_EQ(expand_uri_template("users://{id}/profile", {{"id", "42"}}), "users://42/profile");
  EXPECT_EQ(expand_uri_template("search://{q}", {{"q", "a b/c?d"}}), "search://a%20b%2Fc%3Fd");
  EXPECT_EQ(expand_uri_template("x://{v}", {{"v", "caf\xC3\xA9"}}), "x://caf%C3%A9");
}

TEST(UriTemplateExpand, MissingVariableExpandsToNothing) {
  EXPECT_EQ(expand_uri_template("x://a/{id}", {}), "x://a/");
  EXPECT_EQ(expand_uri_template("x://a{/id}", {}), "x://a");
  EXPECT_EQ(expand_uri_template("x://a{?q}", {}), "x://a");
}

TEST(UriTemplateExpand, ReservedExpansionKeepsReservedCharacters) {
  EXPECT_EQ(expand_uri_template("file:///{+path}", {{"path", "docs/readme.md"}}), "file:///docs/readme.md");
  EXPECT_EQ(expand_uri_template("x://{+p}", {{"p", "a:b@c,d"}}), "x://a:b@c,d");
  EXPECT_EQ(expand_uri_template("x://{+p}", {{"p", "a b"}}), "x://a%20b");
}

TEST(UriTemplateExpand, PathSegmentExpansion) {
  EXPECT_EQ(expand_uri_template("x://root{/seg}", {{"seg", "a"}}), "x://root/a");
  EXPECT_EQ(expand_uri_template("x://root{/a,b}", {{"a", "1"}, {"b", "2"}}), "x://root/1/2");
  EXPECT_EQ(expand_uri_template("x://root{/seg}", {{"seg", "a/b"}}), "x://root/a%2Fb");
}

TEST(UriTemplateExpand, QueryExpansion) {
  EXPECT_EQ(expand_uri_template("x://s{?a,b}", {{"a", "1"}, {"b", "x y"}}), "x://s?a=1&b=x%20y");
  EXPECT_EQ(expand_uri_template("x://s{?a,b}", {{"b", "2"}}), "x://s?b=2");
  EXPECT_EQ(expand_uri_template("x://s?z=0{&a}", {{"a", "1"}}), "x://s?z=0&a=1");
}

TEST(UriTemplateExpand, FragmentExpansion) {
  EXPECT_EQ(expand_uri_template("x://doc{#sec}", {{"sec", "a/b"}}), "x://doc#a/b");
}

TEST(UriTemplateMatch, SimpleVariable) {
  auto m = match_uri_template("users://{id}/profile", "users://42/profile");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("id"), "42");
  auto two = match_uri_template("repo://{owner}/{name}", "repo://boost/json");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->at("owner"), "boost");
  EXPECT_EQ(two->at("name"), "json");
}

TEST(UriTemplateMatch, SimpleVariableDoesNotCrossSlashes) {
  EXPECT_FALSE(match_uri_template("users://{id}", "users://a/b"));
  EXPECT_FALSE(match_uri_template("users://{id}/profile", "users://a/b/profile"));
}

TEST(UriTemplateMatch, SimpleVariableMustNotBeEmpty) {
  EXPECT_FALSE(match_uri_template("users://{id}", "users://"));
  EXPECT_FALSE(match_uri_template("users://{id}/profile", "users:///profile"));
}

TEST(UriTemplateMatch, ReservedVariableSpansSlashes) {
  auto m = match_uri_template("file:///{+path}", "file:///docs/guide/intro.md");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("path"), "docs/guide/intro.md");
  auto mid = match_uri_template("file:///{+path}.txt", "file:///a/b.txt");
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->at("path"), "a/b");
}

TEST(UriTemplateMatch, PathSegment) {
  auto m = match_uri_template("x://root{/seg}", "x://root/abc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("seg"), "abc");
  auto none = match_uri_template("x://root{/seg}", "x://root");
  ASSERT_TRUE(none);  // the optional segment is absent
  EXPECT_EQ(none->count("seg"), 0u);
  EXPECT_FALSE(match_uri_template("x://root{/seg}", "x://rootabc"));
}

TEST(UriTemplateMatch, Query) {
  auto m = match_uri_template("x://s{?a,b}", "x://s?a=1&b=two");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("a"), "1");
  EXPECT_EQ(m->at("b"), "two");
  auto partial = match_uri_template("x://s{?a,b}", "x://s?b=2");
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->count("a"), 0u);
  EXPECT_EQ(partial->at("b"), "2");
  auto none = match_uri_template("x://s{?a,b}", "x://s");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(UriTemplateMatch, NonMatchingUris) {
  EXPECT_FALSE(match_uri_template("users://{id}/profile", "users://42/settings"));
  EXPECT_FALSE(match_uri_template("users://{id}/profile", "groups://42/profile"));
  EXPECT_FALSE(match_uri_template("users://{id}/profile", "users://42/profile/extra"));
  EXPECT_FALSE(match_uri_template("users://{id}", "user://42"));
  EXPECT_FALSE(match_uri_template("static://a", "static://b"));
  EXPECT_TRUE(match_uri_template("static://a", "static://a"));
}

TEST(UriTemplateMatch, PercentDecodesValues) {
  auto m = match_uri_template("search://{q}", "search://a%20b%2Fc");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("q"), "a b/c");
  auto q = match_uri_template("x://s{?a}", "x://s?a=x%26y%3Dz");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("a"), "x&y=z");
  auto seg = match_uri_template("x://r{/s}", "x://r/caf%C3%A9");
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->at("s"), "caf\xC3\xA9");
}

TEST(UriTemplateMatch, InvalidPercentEncodingIsKeptVerbatim) {
  auto m = match_uri_template("search://{q}", "search://100%zz");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("q"), "100%zz");
}

TEST(UriTemplate, MatchInvertsExpand) {
  const UriVariables vars{{"owner", "a b"}, {"name", "x/y"}};
  for (const char* t : {"repo://{owner}/{name}", "repo://{owner}{/name}", "repo://r{?owner,name}"}) {
    auto uri = expand_uri_template(t, vars);
    auto m = match_uri_template(t, uri);
    ASSERT_TRUE(m) << t << " -> " << uri;
    EXPECT_EQ(*m, vars) << t << " -> " << uri;
  }
}

}  // namespace
}  // namespace mcp
