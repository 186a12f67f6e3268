add_library(mcp_warnings INTERFACE)
target_compile_options(mcp_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
