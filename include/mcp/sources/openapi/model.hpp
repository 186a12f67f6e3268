#pragma once
// The normalised form of an OpenAPI document (2.0, 3.0 and 3.1 all end up here): what the
// loader produces (loader.cpp) and what the caller consumes to build HTTP requests and map
// responses (request.cpp, response.cpp). Every $ref is resolved; schemas are JSON Schema
// 2020-12 (3.0's nullable/example/discriminator already translated).
#include <mcp/core/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcp::openapi {

enum class ParamIn { path, query, header, cookie };

struct Parameter {
  std::string name;      // as the API names it (wire name)
  ParamIn in = ParamIn::query;
  std::string property;  // its name in the tool's flat input object (after collision rules)
  bool required = false;
  // Serialisation (OpenAPI 3 terms; Swagger 2.0 collectionFormat is mapped: csv → form
  // explode=false, ssv → spaceDelimited, pipes → pipeDelimited, multi → form explode=true).
  std::string style;     // simple, label, matrix, form, spaceDelimited, pipeDelimited, deepObject
  bool explode = false;
  bool allow_reserved = false;
  bool allow_empty = false;  // allowEmptyValue: a required query parameter may be sent as `name=`
  std::string content_type;  // set when the parameter uses `content` (e.g. JSON in a query)
  json::object schema;
  std::string description;
};

struct BodyField {             // one property of an object body, surfaced in the flat input
  std::string name;            // the body's own property name
  std::string property;        // its name in the flat input object
  bool required = false;
  bool body_required = false;  // required by the body's schema: needed whenever a body is sent
};

struct Body {
  std::string content_type;    // the media type chosen: application/json (or +json),
                               // application/x-www-form-urlencoded, multipart/form-data,
                               // application/octet-stream, text/plain, ...
  bool required = false;
  json::object schema;
  // Object bodies are merged into the flat input (fields); anything else (arrays, scalars,
  // binary, schema-less) is one property named `wrapped_property` holding the whole body.
  std::vector<BodyField> fields;
  std::string wrapped_property;  // non-empty: the body is this one input property
  // Per-field encodings for form and multipart bodies (property → content type).
  std::map<std::string, std::string> field_content_types;
  // Per-field `style`/`explode` of a form body's `encoding` (absent: form, explode).
  struct FieldStyle {
    std::string style;
    bool explode = true;
  };
  std::map<std::string, FieldStyle> field_styles;
};

struct ServerVariable {
  std::string default_value;
  std::vector<std::string> enum_values;
};

struct ServerUrl {
  std::string url;  // may hold {variables}
  std::map<std::string, ServerVariable> variables;
};

struct SecurityScheme {
  std::string type;     // apiKey, http, oauth2, openIdConnect, mutualTLS
  std::string scheme;   // http: bearer, basic, ...
  std::string name;     // apiKey: header/query/cookie name
  std::string in;       // apiKey: header, query, cookie
};

// Alternatives; each alternative is a set of schemes that must all be satisfied.
using SecurityRequirement = std::map<std::string, std::vector<std::string>>;

struct Operation {
  std::string tool_name;     // unique within the spec, [A-Za-z0-9_-]{1,max}
  std::string operation_id;  // as in the spec ("" when absent)
  std::string method;        // upper case: GET, POST, ...
  std::string path;          // the template, e.g. /repos/{owner}/{repo}
  std::string title;         // summary, or a readable form of the name
  std::string description;   // summary + description
  std::vector<std::string> tags;
  bool deprecated = false;

  std::vector<Parameter> parameters;
  std::optional<Body> body;

  json::object input_schema;                 // the flat input object
  std::optional<json::object> output_schema; // from the 2xx JSON response, object-typed
  bool output_wrapped = false;               // a non-object 2xx JSON schema, wrapped as {"result": ...}

  std::vector<ServerUrl> servers;            // effective (operation > path item > document)
  std::vector<SecurityRequirement> security; // effective; empty: none required
  json::object extensions;                   // x-* keys of the operation, as given
  // MCP ToolAnnotations derived from the method: readOnlyHint (GET/HEAD/OPTIONS),
  // destructiveHint (DELETE), idempotentHint (PUT/DELETE and the safe methods),
  // openWorldHint, and title.
  json::object annotations;
};

struct Skipped {
  std::string where;   // "GET /pets/{id}" or a JSON pointer
  std::string reason;  // why the operation was left out
};

struct Spec {
  std::string openapi_version;  // "2.0", "3.0.3", "3.1.0", ...
  std::string title;
  std::string version;
  std::string description;
  std::vector<ServerUrl> servers;
  std::map<std::string, SecurityScheme> security_schemes;
  std::vector<Operation> operations;
  std::vector<Skipped> skipped;
  std::vector<Skipped> excluded;  // left out on purpose (selection, x-mcp: false), with the rule
  std::vector<Skipped> warnings;  // kept, but something was left out (e.g. an outputSchema)
};

}  // namespace mcp::openapi
