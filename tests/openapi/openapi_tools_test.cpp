// Tools: names, titles, descriptions, annotations, the flat input object and its collision
// rules, output schemas, selection and catalogue search.
#include <regex>

#include "openapi_test_util.hpp"
#include "sources/openapi/naming.hpp"

using namespace openapi_test;
namespace detail = mcp::openapi::detail;

TEST(OpenApiNaming, Sanitise) {
  EXPECT_EQ(detail::sanitize_tool_name("repos/get", 64), "repos_get");
  EXPECT_EQ(detail::sanitize_tool_name("get pets {id}!!", 64), "get_pets_id");
  EXPECT_EQ(detail::sanitize_tool_name("///", 64), "operation");
  EXPECT_EQ(detail::sanitize_tool_name(detail::method_path_name("GET", "/repos/{owner}/{repo}"), 64),
            "get_repos_owner_repo");
  std::string longer(100, 'a');
  auto n = detail::sanitize_tool_name(longer, 64);
  EXPECT_EQ(n.size(), 64u);
  EXPECT_TRUE(std::regex_match(n, std::regex("a{55}_[0-9a-f]{8}")));
  EXPECT_EQ(n, detail::sanitize_tool_name(longer, 64));        // stable
  EXPECT_NE(n, detail::sanitize_tool_name(longer + "b", 64));  // the hash covers the whole name
  EXPECT_EQ(detail::readable_title("listAgents"), "List agents");
  EXPECT_EQ(detail::readable_title("repos/get-by-id"), "Repos get by id");
  EXPECT_EQ(detail::sanitize_property("filter[name]"), "filter_name");
  EXPECT_EQ(detail::sanitize_property("X-GitHub-Api-Version"), "X-GitHub-Api-Version");
}

TEST(OpenApiNaming, GlobMatch) {
  EXPECT_TRUE(detail::glob_match("/repos/**", "/repos/{owner}/{repo}/issues"));
  EXPECT_TRUE(detail::glob_match("/repos/*", "/repos/{owner}"));
  EXPECT_FALSE(detail::glob_match("/repos/*", "/repos/{owner}/{repo}"));
  EXPECT_TRUE(detail::glob_match("/repos/*/*/issues", "/repos/{owner}/{repo}/issues"));
  EXPECT_TRUE(detail::glob_match("/pet?", "/pets"));
  EXPECT_FALSE(detail::glob_match("/pets", "/pets/1"));
}

constexpr std::string_view kNames = R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a:
    get: {operationId: same, responses: {}}
    post: {operationId: same, responses: {}}
    put: {operationId: aVeryLongOperationIdThatGoesOnAndOnBeyondAnyReasonableLimitForToolNames, responses: {}}
  /b/{id}:
    get: {responses: {}}
    delete: {operationId: deleteB, x-mcp-name: remove_b, responses: {}}
    patch: {operationId: patchB, responses: {}}
)";

TEST(OpenApiNaming, UniqueStableOverridable) {
  auto s = load(kNames);
  ASSERT_EQ(s.operations.size(), 6u);
  EXPECT_EQ(s.operations[0].tool_name, "same");
  EXPECT_TRUE(std::regex_match(s.operations[1].tool_name, std::regex("same_[0-9a-f]{6}")));
  EXPECT_EQ(s.operations[2].tool_name.size(), 64u);
  EXPECT_EQ(s.operations[3].tool_name, "get_b_id");
  EXPECT_EQ(s.operations[4].tool_name, "remove_b");
  oa::LoadOptions o;
  o.names = {{"patchB", "update_b"}, {"GET /b/{id}", "fetch_b"}};
  o.max_name_length = 20;
  auto t = load(kNames, o);
  EXPECT_EQ(t.operations[3].tool_name, "fetch_b");
  EXPECT_EQ(t.operations[5].tool_name, "update_b");
  EXPECT_EQ(t.operations[2].tool_name.size(), 20u);
  // Selection never renames what is left.
  o.selection.exclude_methods = {"GET"};
  auto u = load(kNames, o);
  EXPECT_TRUE(std::regex_match(u.operations[0].tool_name, std::regex("same_[0-9a-f]{6}")));
}

TEST(OpenApiTools, TitleDescriptionAnnotations) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /p:
    get: {operationId: listPets, summary: List pets, description: All the pets., responses: {}}
    put: {operationId: replacePet, responses: {}}
    delete: {operationId: deletePet, deprecated: true, summary: Delete, responses: {}}
    post: {operationId: createPet, description: Creates one., responses: {}}
)");
  auto& l = op(s, "listPets");
  EXPECT_EQ(l.title, "List pets");
  EXPECT_EQ(l.description, "List pets\n\nAll the pets.");
  EXPECT_EQ(
      json::serialize(l.annotations),
      R"({"title":"List pets","readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":true})");
  auto& r = op(s, "replacePet");
  EXPECT_EQ(r.title, "Replace pet");
  EXPECT_EQ(r.description, "PUT /p");
  EXPECT_EQ(r.annotations.at("idempotentHint"), json::value(true));
  EXPECT_EQ(r.annotations.at("destructiveHint"), json::value(false));
  auto& d = op(s, "deletePet");
  EXPECT_EQ(d.annotations.at("destructiveHint"), json::value(true));
  EXPECT_EQ(d.annotations.at("idempotentHint"), json::value(true));
  EXPECT_EQ(d.description, "(Deprecated) Delete");
  auto& c = op(s, "createPet");
  EXPECT_EQ(c.annotations.at("readOnlyHint"), json::value(false));
  EXPECT_EQ(c.annotations.at("idempotentHint"), json::value(false));
  auto def = oa::tool_definition(c);
  EXPECT_EQ(def.at("name"), json::value("createPet"));
  EXPECT_TRUE(def.contains("inputSchema"));
  EXPECT_FALSE(def.contains("outputSchema"));
}

TEST(OpenApiTools, FlatInputAndCollisions) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /things/{id}:
    parameters: [{name: id, in: path, required: true, description: The thing., schema: {type: string}}]
    patch:
      operationId: patchThing
      parameters:
        - {name: id, in: header, schema: {type: string}}
        - {name: 'filter[name]', in: query, schema: {type: string}}
        - {name: Authorization, in: header, schema: {type: string}}
        - {name: idempotency_key, in: query, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id, name]
              properties: {id: {type: integer}, name: {type: string}, body: {type: string}}
      responses: {}
)",
                []() {
                  oa::LoadOptions o;
                  o.reserved_properties = {"idempotency_key"};
                  return o;
                }());
  auto& o = op(s, "patchThing");
  ASSERT_EQ(o.parameters.size(), 4u);  // Authorization is the gateway's business, not an argument
  EXPECT_EQ(o.parameters[0].property, "id");
  EXPECT_EQ(o.parameters[1].property, "filter_name");
  EXPECT_EQ(o.parameters[1].name, "filter[name]");
  EXPECT_EQ(o.parameters[2].property, "query_idempotency_key");
  EXPECT_EQ(o.parameters[3].property, "header_id");
  ASSERT_TRUE(o.body);
  EXPECT_EQ(o.body->fields[0].name, "id");
  EXPECT_EQ(o.body->fields[0].property, "body_id");
  EXPECT_TRUE(o.body->fields[0].required);
  EXPECT_EQ(o.body->fields[2].property, "body");
  EXPECT_EQ(prop(o, "id").at("description"), json::value("The thing."));
  EXPECT_EQ(json::serialize(o.input_schema.at("required")), R"(["id","body_id","name"])");
  std::vector<std::string> keys;
  for (auto& kv : o.input_schema.at("properties").as_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys.size(), 7u);  // nothing dropped
  expect_valid_schemas(o);
}

TEST(OpenApiTools, NonObjectBodiesAreWrapped) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /list/{body}:
    post:
      operationId: postList
      parameters: [{name: body, in: path, required: true, schema: {type: string}}]
      requestBody: {required: true, content: {application/json: {schema: {type: array, items: {type: integer}}}}}
      responses: {}
  /bin:
    put:
      operationId: putBin
      requestBody: {content: {application/octet-stream: {}}}
      responses: {}
  /one:
    post:
      operationId: postOne
      requestBody: {content: {application/json: {schema: {oneOf: [{type: string}, {type: object, properties: {a: {type: string}}}]}}}}
      responses: {}
  /merged:
    post:
      operationId: postMerged
      requestBody: {content: {application/json: {schema: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, required: [b], properties: {b: {type: string}}}]}}}}
      responses: {}
components: {schemas: {A: {type: object, properties: {a: {type: integer}}}}}
)");
  auto& l = op(s, "postList");
  EXPECT_EQ(l.body->wrapped_property, "body_body");  // the path parameter `body` was there first
  EXPECT_EQ(prop(l, "body_body").at("type"), json::value("array"));
  EXPECT_EQ(json::serialize(l.input_schema.at("required")), R"(["body","body_body"])");
  auto& b = op(s, "putBin");
  EXPECT_EQ(b.body->content_type, "application/octet-stream");
  EXPECT_EQ(prop(b, "body").at("contentEncoding"), json::value("base64"));
  EXPECT_EQ(op(s, "postOne").body->wrapped_property, "body");
  auto& m = op(s, "postMerged");
  ASSERT_EQ(m.body->fields.size(), 2u);
  EXPECT_EQ(m.body->fields[1].property, "b");
  for (auto& o : s.operations) expect_valid_schemas(o);
}

TEST(OpenApiTools, CredentialParametersAreNotArguments) {
  auto s = load(R"(
swagger: "2.0"
info: {title: t, version: "1"}
securityDefinitions: {key: {type: apiKey, in: header, name: X-Api-Key}, q: {type: apiKey, in: query, name: api_key}}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: x-api-key, in: header, type: string, required: true}
        - {name: api_key, in: query, type: string}
        - {name: api_key, in: header, type: string}
        - {name: page, in: query, type: integer}
      responses: {}
)");
  auto& o = op(s, "a");
  ASSERT_EQ(o.parameters.size(), 2u);
  EXPECT_EQ(o.parameters[0].property, "page");
  EXPECT_EQ(o.parameters[1].property, "api_key");  // a header of that name is not the query key
  EXPECT_EQ(s.security_schemes.at("key").in, "header");
}

TEST(OpenApiTools, ParameterExamplesKept) {
  auto s = load(R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"a",
    "parameters":[{"name":"q","in":"query","schema":{"type":"string"},"examples":{"one":{"value":"cats"},"two":{"value":"dogs"}}}],
    "responses":{}}}}})");
  EXPECT_EQ(json::serialize(prop(op(s, "a"), "q").at("examples")), R"(["cats","dogs"])");
}

TEST(OpenApiTools, UndeclaredPathParameterIsStillAsked) {
  auto s = load(
      R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/u/{user}/x":{"get":{"operationId":"g","responses":{}}}}})");
  auto& o = op(s, "g");
  ASSERT_EQ(o.parameters.size(), 1u);
  EXPECT_EQ(o.parameters[0].in, oa::ParamIn::path);
  EXPECT_EQ(json::serialize(o.input_schema.at("required")), R"(["user"])");
}

TEST(OpenApiTools, OutputSchemas) {
  auto s = load(R"(
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /obj: {get: {operationId: obj, responses: {'201': {description: x, content: {application/json: {schema: {properties: {a: {type: string}}}}}}, '200': {description: x, content: {application/json: {schema: {type: object, properties: {b: {type: string}}}}}}}}}
  /arr: {get: {operationId: arr, responses: {'200': {description: x, content: {application/vnd.api+json: {schema: {type: array, items: {type: string}}}}}}}}
  /text: {get: {operationId: text, responses: {'200': {description: x, content: {text/plain: {schema: {type: string}}}}}}}
  /none: {delete: {operationId: none, responses: {'204': {description: gone}}}}
  /err: {get: {operationId: err, responses: {default: {description: x, content: {application/json: {schema: {type: object}}}}}}}
  /map: {get: {operationId: map, responses: {'200': {description: x, content: {application/json: {schema: {type: object, additionalProperties: {type: integer}}}}}}}}
  /either: {get: {operationId: either, responses: {'200': {description: x, content: {application/json: {schema: {type: object, oneOf: [{required: [a]}, {required: [b]}]}}}}}}}
)");
  auto& o = op(s, "obj");
  ASSERT_TRUE(o.output_schema);
  EXPECT_TRUE(o.output_schema->at("properties").as_object().contains("b"));  // the lowest 2xx
  EXPECT_FALSE(o.output_wrapped);
  auto& a = op(s, "arr");
  ASSERT_TRUE(a.output_schema);
  EXPECT_TRUE(a.output_wrapped);
  EXPECT_EQ(
      json::serialize(*a.output_schema),
      R"({"type":"object","properties":{"result":{"type":["array","null"],"items":{"type":["string","null"]}}}})");
  EXPECT_FALSE(op(s, "text").output_schema);
  EXPECT_FALSE(op(s, "none").output_schema);
  EXPECT_FALSE(op(s, "err").output_schema);
  auto& m = op(s, "map");  // a free-form object is an object: not wrapped
  ASSERT_TRUE(m.output_schema);
  EXPECT_FALSE(m.output_wrapped);
  EXPECT_TRUE(m.output_schema->contains("additionalProperties"));
  EXPECT_TRUE(op(s, "either").output_wrapped);
  oa::LoadOptions off;
  off.output_schemas = false;
  EXPECT_FALSE(
      load(
          R"({"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/o":{"get":{"responses":{"200":{"description":"x","content":{"application/json":{"schema":{"type":"object"}}}}}}}}})",
          off)
          .operations[0]
          .output_schema);
}

constexpr std::string_view kShop = R"(
openapi: 3.0.0
info: {title: shop, version: "1"}
paths:
  /pets:
    get: {operationId: listPets, tags: [pets], summary: List all pets, responses: {}}
    post: {operationId: createPet, tags: [pets], summary: Create a pet, responses: {}}
  /pets/{id}:
    get: {operationId: showPetById, tags: [pets], summary: Info for a specific pet, responses: {}}
    delete: {operationId: deletePet, tags: [pets, admin], x-mcp: false, responses: {}}
  /store/orders:
    get: {operationId: listOrders, tags: [store], summary: Orders placed in the store, description: Lists orders of pets., responses: {}}
  /internal:
    x-mcp: false
    get: {operationId: internal, responses: {}}
)";

TEST(OpenApiSelection, TagsPathsMethodsOperationsAndXMcp) {
  auto all = load(kShop);
  EXPECT_EQ(all.operations.size(), 4u);
  ASSERT_EQ(all.excluded.size(), 2u);
  EXPECT_EQ(all.excluded[0].reason, "x-mcp: false on the operation");
  EXPECT_EQ(all.excluded[1].reason, "x-mcp: false on the path");
  auto names = [](const oa::Spec& s) {
    std::string n;
    for (auto& o : s.operations) n += o.tool_name + " ";
    return n;
  };
  oa::LoadOptions o;
  o.selection.include_tags = {"store"};
  EXPECT_EQ(names(load(kShop, o)), "listOrders ");
  o = {};
  o.selection.include_paths = {"/pets/**", "/pets"};
  o.selection.exclude_methods = {"post"};
  EXPECT_EQ(names(load(kShop, o)), "listPets showPetById ");
  o = {};
  o.selection.exclude_paths = {"/pets/*"};
  o.selection.exclude_operations = {"createPet"};
  EXPECT_EQ(names(load(kShop, o)), "listPets listOrders ");
  o = {};
  o.selection.include_methods = {"GET"};
  o.selection.exclude_tags = {"store"};
  EXPECT_EQ(names(load(kShop, o)), "listPets showPetById ");
}

TEST(OpenApiCatalogue, SearchAndDescribe) {
  auto s = load(kShop);
  auto hits = oa::search_operations(s, "list pets");
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].operation->tool_name, "listPets");
  auto orders = oa::search_operations(s, "orders");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].operation->tool_name, "listOrders");
  EXPECT_TRUE(oa::search_operations(s, "zebra").empty());
  EXPECT_EQ(oa::search_operations(s, "", 20, "pets", "GET").size(), 2u);
  auto d = oa::describe_operation(s, "showPetById");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->at("path"), json::value("/pets/{id}"));
  EXPECT_EQ(d->at("inputSchema").at("required"), json::array{"id"});
  EXPECT_FALSE(oa::describe_operation(s, "nope"));
}
