# Node integration tests (node --test against real peers: the TypeScript SDK, npm servers).
#
#   mcp_node_test(NAME <test> SCRIPT <file.mjs> [DIR <folder>] [TIMEOUT <s>] [ENV <VAR=value>...]
#                 [LABELS <label>...])
#
# runs <folder>/<file.mjs> (default: the calling CMakeLists' folder) from that folder, TIMEOUT
# seconds at most (default 120). Without Node at configure time the test is still registered and fails saying what to
# install: it never passes, nor disappears, silently. The pinned SDK and the other npm peers are
# looked up when the test runs (scripts/install-test-tools.sh puts them in the git-ignored tools/).
include_guard(GLOBAL)

find_program(MCP_NODE_EXECUTABLE NAMES node nodejs DOC "Node.js (>= 18) for the integration tests")
set(MCP_TS_SDK_DIR "${PROJECT_SOURCE_DIR}/tools/sdk/node_modules/@modelcontextprotocol/sdk"
    CACHE PATH "The @modelcontextprotocol/sdk package used by the integration tests")

function(mcp_node_test)
  cmake_parse_arguments(T "" "NAME;SCRIPT;DIR;TIMEOUT" "ENV;LABELS" ${ARGN})
  if(NOT T_DIR)
    set(T_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  if(MCP_NODE_EXECUTABLE)
    add_test(NAME ${T_NAME}
             COMMAND ${MCP_NODE_EXECUTABLE} --test --test-reporter=spec ${T_DIR}/${T_SCRIPT}
             WORKING_DIRECTORY ${T_DIR})
  else()
    add_test(NAME ${T_NAME}
             COMMAND ${CMAKE_COMMAND}
                     "-DMESSAGE=node not found at configure time: install Node.js >= 18 and run scripts/install-test-tools.sh, then re-run cmake"
                     -P ${PROJECT_SOURCE_DIR}/tests/integration/fail.cmake)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${T_ENV}" TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()
