#pragma once
// Reading a spec: the bytes of a file, a buffer or a URL (gzip inflated, bounded) become a
// DocumentSet that the loader's walk converts (loader.cpp). Every reader ends in
// load_document_set; read.cpp holds all of them.
#include <cstddef>
#include <mcp/core/result.hpp>
#include <string>
#include <string_view>

#include "sources/openapi/document.hpp"
#include <mcp/sources/openapi/loader.hpp>

namespace mcp::openapi::detail {

// The text of a spec as stored: gzip data (files such as swagger-1.13.json.gz) inflated, at
// most `limit` bytes; other data as it is. Throws LoadError on corrupt or oversized gzip.
std::string spec_text(std::string data, std::size_t limit);

// Converts a set of parsed documents into a Spec (loader.cpp).
Result<Spec> load_document_set(DocumentSet& docs, const LoadOptions& options);

}  // namespace mcp::openapi::detail
