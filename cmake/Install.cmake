# Installation, in two components:
#   server  the daemon: bin/mcpbridge, its systemd unit, the default configuration in etc/
#   sdk     the SDK: headers, static libraries, find_package(mcpbridge CONFIG) exporting
#           mcpbridge::sdk, and mcpbridge.pc
# and CPack's Debian package of the server component (docs/operations.md, "Install").
#   cmake --install build --prefix DIR [--component sdk|server]
#   cpack --config build/CPackConfig.cmake -B OUTDIR
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MCP_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# --- server ---------------------------------------------------------------------------------
install(TARGETS mcpbridge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(FILES ${MCP_PACKAGING_DIR}/systemd/mcpbridge.service
        DESTINATION lib/systemd/system COMPONENT server)
install(FILES docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT server OPTIONAL)
# The configuration goes to /etc when the prefix is /usr (the package) and to PREFIX/etc
# otherwise — decided at install time, since `cmake --install --prefix` and CPack choose the
# prefix after configuring (GNUInstallDirs' SYSCONFDIR is fixed at configure time).
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(_mcp_etc \"/etc/mcpbridge\")
  else()
    set(_mcp_etc \"\${CMAKE_INSTALL_PREFIX}/etc/mcpbridge\")
  endif()
  file(INSTALL DESTINATION \"\${_mcp_etc}\" TYPE FILE  # file(INSTALL) adds DESTDIR itself
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
       FILES \"${MCP_PACKAGING_DIR}/etc/mcpbridge.yaml\" \"${MCP_PACKAGING_DIR}/etc/mcpbridge.env\")
" COMPONENT server)

# --- sdk ------------------------------------------------------------------------------------
# mcp::sdk's libraries, named mcpbridge::<name> once installed. mcp_warnings comes along only
# because the libraries link it PRIVATE (static libraries list such links, as link-only, in
# their interface); it carries compile options, so a consumer gets nothing from it.
set(MCP_SDK_LIBRARIES mcp_http mcp_authz mcp_auth mcp_cluster mcp_store mcp_client mcp_protocol mcp_server mcp_core)
foreach(lib IN LISTS MCP_SDK_LIBRARIES)
  string(REGEX REPLACE "^mcp_" "" name ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
endforeach()
set_target_properties(mcp_sdk PROPERTIES EXPORT_NAME sdk)
set_target_properties(mcp_warnings PROPERTIES EXPORT_NAME internal_warnings)
add_library(mcpbridge::sdk ALIAS mcp_sdk)  # the same name inside this build (add_subdirectory)

install(TARGETS mcp_sdk ${MCP_SDK_LIBRARIES} mcp_warnings EXPORT mcpbridgeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The public headers of those libraries (the gateway's, config's, sources' and cluster's stay
# in this repository: their libraries are not part of the SDK).
install(FILES include/mcp/mcp.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mcp COMPONENT sdk)
foreach(dir auth authz client core http jsonrpc net protocol server store)
  install(DIRECTORY include/mcp/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mcp COMPONENT sdk)
endforeach()

set(MCP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mcpbridge)
set(MCP_BOOST_VERSION ${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR})
install(EXPORT mcpbridgeTargets NAMESPACE mcpbridge:: DESTINATION ${MCP_CMAKE_DIR} COMPONENT sdk)
configure_package_config_file(cmake/mcpbridgeConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/mcpbridgeConfig.cmake
                              INSTALL_DESTINATION ${MCP_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mcpbridgeConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mcpbridgeConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/mcpbridgeConfigVersion.cmake
        DESTINATION ${MCP_CMAKE_DIR} COMPONENT sdk)

# mcpbridge.pc, relocatable (prefix from its own folder). The flags mirror the exported
# targets' usage requirements; tests/package/sdk_consumer_test.sh builds with both.
file(RELATIVE_PATH MCP_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" MCP_PC_TO_PREFIX "${MCP_PC_TO_PREFIX}")
set(MCP_PC_CFLAGS "-DBOOST_ASIO_SEPARATE_COMPILATION -DBOOST_BEAST_SEPARATE_COMPILATION -DBOOST_ASIO_NO_DEPRECATED")
list(TRANSFORM MCP_SDK_LIBRARIES PREPEND "-l" OUTPUT_VARIABLE MCP_PC_LIBS)
list(JOIN MCP_PC_LIBS " " MCP_PC_LIBS)
configure_file(cmake/mcpbridge.pc.in ${CMAKE_CURRENT_BINARY_DIR}/mcpbridge.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mcpbridge.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)

# --- the Debian package (CPack) -------------------------------------------------------------
set(MCP_PACKAGE_MAINTAINER "mcpbridge maintainers <maintainers@mcpbridge.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mcpbridge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MCP gateway: connects your systems to AI agents")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "mcpbridge serves the Model Context Protocol over Streamable HTTP: OpenAPI sources and\n"
       "other MCP servers become tools behind one endpoint, with OAuth, API keys, audit and rate\n"
       "limits. This package runs it as the hardened systemd service mcpbridge.service.")
set(CPACK_PACKAGE_CONTACT "${MCP_PACKAGE_MAINTAINER}")
# Only the server component; absolute destinations (/etc) land in the package's tree.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};mcpbridge;server;/")
# Installed with DESTDIR and the prefix /usr (the configure-time prefix does not matter).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Beside the shared libraries dpkg-shlibdeps finds: what the maintainer scripts run (useradd,
# deb-systemd-helper, runuser) and the unit's ExecReload (/bin/kill).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, init-system-helpers, util-linux, procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${MCP_PACKAGING_DIR}/debian/conffiles ${MCP_PACKAGING_DIR}/debian/postinst
    ${MCP_PACKAGING_DIR}/debian/prerm ${MCP_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
