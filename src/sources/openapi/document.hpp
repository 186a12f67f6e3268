#pragma once
// Parsed spec documents and $ref resolution across them. A reference is canonicalised to
// "<document uri>#<json pointer>" so that equal targets compare equal whatever the spelling.
#include <functional>
#include <map>
#include <mcp/core/json.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::openapi::detail {

// Raised for problems with the documents themselves (unreadable, unparseable, bad $ref).
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// JSON when the text starts with '{' or '[', YAML otherwise (YAML 1.2 core schema scalars:
// quoted scalars stay strings, plain ones become null/bool/int/float when they look so).
json::value parse_document(std::string_view text, std::string_view name);

// The absolute form of `ref`'s document part, relative to `base` (a file path or a URL).
std::string resolve_uri(std::string_view base, std::string_view ref_doc);

class DocumentSet {
 public:
  // Fetches the text of a document not yet loaded (by its absolute uri); nullopt with `error`
  // set when it cannot.
  using Fetch = std::function<std::optional<std::string>(const std::string& uri, std::string& error)>;

  DocumentSet(std::string root_uri, json::value root, Fetch fetch, std::size_t max_documents);

  const std::string& root_uri() const { return root_uri_; }
  // Adds a document fetched beforehand (URL loading fetches everything before it converts).
  void add(std::string uri, json::value doc);
  const json::value& root() const { return *docs_.at(root_uri_); }

  struct Target {
    const json::value* value;
    std::string canonical;  // uri#pointer
    std::string doc;        // uri of the document holding it (the base for its own $refs)
  };
  // Resolves `ref` as written in document `base`; throws LoadError when it cannot.
  Target resolve(std::string_view base, std::string_view ref);
  // Follows $ref chains (parameters, responses, request bodies: objects that are only a $ref).
  Target deref(const json::value& v, std::string base, int max_hops = 32);

 private:
  const json::value& document(const std::string& uri);

  std::string root_uri_;
  std::map<std::string, std::unique_ptr<json::value>> docs_;
  Fetch fetch_;
  std::size_t max_documents_;
};

// The absolute document uris that the $refs inside `doc` (located at `uri`) name.
std::vector<std::string> external_refs(const json::value& doc, const std::string& uri);

// The last segment of a JSON pointer, unescaped ("#/components/schemas/Pet" -> "Pet").
std::string pointer_leaf(std::string_view canonical);

}  // namespace mcp::openapi::detail
