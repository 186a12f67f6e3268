# Every find_package in one place. All come from Debian 12 packages (scripts/install-deps.sh).
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)  # libpq (libpq-dev): the store shared by several replicas
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)  # gzip-compressed OpenAPI specs
if(MCP_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MCP_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
