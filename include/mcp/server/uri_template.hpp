#pragma once
// RFC 6570 URI templates, the subset resource templates use: simple {var}, reserved {+var},
// fragment {#var}, path {/var}, and query {?a,b} / {&a} expressions. match() inverts expand().
#include <mcp/server/types.hpp>

#include <optional>
#include <string>

namespace mcp {

std::string expand_uri_template(std::string_view tmpl, const UriVariables& vars);
// The variables that make `uri` an expansion of `tmpl`, or nullopt.
std::optional<UriVariables> match_uri_template(std::string_view tmpl, std::string_view uri);

}  // namespace mcp
