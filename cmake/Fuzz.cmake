# MCP_BUILD_FUZZ=ON: libFuzzer builds (clang only; preset "fuzz"). Every target of the project
# is compiled with coverage instrumentation (-fsanitize=fuzzer-no-link) and the sanitizers
# (MCP_SANITIZE, default address,undefined), so the fuzzers are guided by, and check, the
# library code they drive — not only their own file. fuzz/CMakeLists.txt then links the
# <target>_fuzz binaries with -fsanitize=fuzzer. With another compiler only the corpus replay
# tests are built.
set(MCP_FUZZ_ENGINE OFF)
if(MCP_BUILD_FUZZ)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(MCP_FUZZ_ENGINE ON)
    set(_mcp_fuzz_san "${MCP_SANITIZE}")
    if(NOT _mcp_fuzz_san)
      set(_mcp_fuzz_san "address,undefined")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link,${_mcp_fuzz_san} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    if(_mcp_fuzz_san MATCHES "undefined")
      # clang 14: -fsanitize=function on coroutines fails with "Cannot represent a difference
      # across sections" (the split coroutine parts land in other sections).
      add_compile_options(-fno-sanitize=function)
    endif()
    add_link_options(-fsanitize=${_mcp_fuzz_san})
    set(MCP_SANITIZE "")  # applied here; the generic sanitizer block must not repeat it
    if(NOT MCP_BUILD_TESTS)
      message(WARNING "MCP_BUILD_FUZZ needs MCP_BUILD_TESTS=ON (fuzz/ is added with the tests)")
    endif()
  else()
    message(WARNING "MCP_BUILD_FUZZ=ON needs clang (CMAKE_CXX_COMPILER=clang++-14); "
                    "building only the corpus replay tests")
  endif()
endif()
