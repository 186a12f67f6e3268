# OpenAPI loader tests (label openapi): unit tests over small inline specs, and corpus tests
# over real specs installed by scripts/install-test-tools.sh into tools/openapi-corpora (they
# fail, saying so, when the corpora are not installed). Included from tests/CMakeLists.txt
# (the calling half's tests are tests/openapi/CMakeLists.txt).
include(GoogleTest)

set(_dir ${CMAKE_CURRENT_LIST_DIR})
add_executable(openapi_test ${_dir}/openapi_loader_test.cpp ${_dir}/openapi_schema_test.cpp ${_dir}/openapi_tools_test.cpp
  ${_dir}/openapi_budget_test.cpp)
target_include_directories(openapi_test PRIVATE ${PROJECT_SOURCE_DIR}/src ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(openapi_test PRIVATE mcp_openapi GTest::gtest_main mcp_warnings)
target_compile_definitions(openapi_test PRIVATE MCP_OPENAPI_FIXTURES="${_dir}/fixtures")
# gtest_add_tests (not discover): a label list survives it, so these run under -L unit and -L openapi.
gtest_add_tests(TARGET openapi_test TEST_LIST openapi_unit_tests)
set_tests_properties(${openapi_unit_tests} PROPERTIES LABELS "unit;openapi" TIMEOUT 60)

add_executable(openapi_corpus_test ${_dir}/openapi_corpus_test.cpp)
target_include_directories(openapi_corpus_test PRIVATE ${PROJECT_SOURCE_DIR}/src ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(openapi_corpus_test PRIVATE mcp_openapi GTest::gtest_main mcp_warnings)
target_compile_definitions(openapi_corpus_test PRIVATE
  MCP_OPENAPI_CORPORA="${PROJECT_SOURCE_DIR}/tools/openapi-corpora")
gtest_discover_tests(openapi_corpus_test DISCOVERY_TIMEOUT 60 PROPERTIES LABELS openapi TIMEOUT 300)

# The CLI: `mcpbridge openapi inspect` prints the tools, the skipped operations, and fails
# (non-zero) only when the spec cannot be loaded at all.
set(petstore ${CMAKE_CURRENT_LIST_DIR}/fixtures/petstore.yaml)
add_test(NAME openapi_inspect_json COMMAND mcpbridge openapi inspect --json ${petstore})
set_tests_properties(openapi_inspect_json PROPERTIES LABELS openapi PASS_REGULAR_EXPRESSION
  "^\\{\"tools\":\\[\\{\"name\":\"listPets\",\"title\":\"List all pets\".*\"inputSchema\":\\{\"type\":\"object\",\"properties\":\\{\"limit\":\\{\"type\":\"integer\",\"maximum\":100,\"description\":\"How many items to return.\"\\}.*\"outputSchema\":\\{\"type\":\"object\",\"properties\":\\{\"result\".*\"annotations\":\\{\"title\":\"List all pets\",\"readOnlyHint\":true.*\"skipped\":\\[\\{\"operation\":\"GET /broken\",\"reason\":\"unresolvable \\$ref #/components/schemas/Nope\"\\}\\],\"excluded\":\\[\\{\"operation\":\"DELETE /pets/\\{petId\\}\",\"reason\":\"x-mcp: false on the operation\"\\}\\]")
add_test(NAME openapi_inspect_text COMMAND mcpbridge openapi inspect --include-tag pets --exclude POST ${petstore})
set_tests_properties(openapi_inspect_text PROPERTIES LABELS openapi PASS_REGULAR_EXPRESSION
  "Petstore 1.0.0 \\(OpenAPI 3.0.3\\): 2 tools, 0 skipped, 3 excluded.*listPets  GET /pets.*showPetById  GET /pets/\\{petId\\}.*petId\\*  \\(path petId\\)")
add_test(NAME openapi_inspect_search COMMAND mcpbridge openapi inspect --search "pet info" ${petstore})
set_tests_properties(openapi_inspect_search PROPERTIES LABELS openapi PASS_REGULAR_EXPRESSION "^[0-9.]+\tshowPetById\tGET /pets/\\{petId\\}\n")
add_test(NAME openapi_inspect_missing_file COMMAND mcpbridge openapi inspect ${CMAKE_CURRENT_LIST_DIR}/fixtures/nope.yaml)
set_tests_properties(openapi_inspect_missing_file PROPERTIES LABELS openapi WILL_FAIL TRUE)
add_test(NAME openapi_inspect_not_openapi COMMAND mcpbridge openapi inspect ${CMAKE_CURRENT_LIST_DIR}/CMakeLists.txt)
set_tests_properties(openapi_inspect_not_openapi PROPERTIES LABELS openapi WILL_FAIL TRUE)

# The official TypeScript SDK accepts what we produce (tools/list shape; schemas compile with
# its Ajv validator). Needs node and tools/sdk like the interop tests.
mcp_node_test(NAME openapi_sdk_schemas SCRIPT sdk_schemas.test.mjs DIR ${CMAKE_CURRENT_LIST_DIR} TIMEOUT 300
  ENV "MCP_BRIDGE=$<TARGET_FILE:mcpbridge>" "MCP_TS_SDK_DIR=${MCP_TS_SDK_DIR}"
      "MCP_OPENAPI_CORPORA=${PROJECT_SOURCE_DIR}/tools/openapi-corpora"
  LABELS openapi interop)
