# sentry_trace_find_httplib(<var>): sets <var> to a target that compiles and links cpp-httplib,
# or leaves it empty when httplib.h is not installed (Debian: libcpp-httplib-dev). Used by
# tests/integrations/http, examples/ (the shop service) and bench/ (bench_http).
# Debian's cpp-httplib is a compiled library built with OpenSSL, zlib and brotli support: its
# cpp-httplib.pc gives the definitions its header must be compiled with, so that the classes have
# the library's layout, and the library to link. Elsewhere the header-only httplib.h will do.
function(sentry_trace_find_httplib out)
  if(TARGET sentry_trace_httplib)
    set(${out} sentry_trace_httplib PARENT_SCOPE)
    return()
  endif()
  find_path(SENTRY_TRACE_HTTPLIB_INCLUDE_DIR httplib.h)
  if(NOT SENTRY_TRACE_HTTPLIB_INCLUDE_DIR)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  add_library(sentry_trace_httplib INTERFACE IMPORTED GLOBAL)
  target_include_directories(sentry_trace_httplib SYSTEM INTERFACE "${SENTRY_TRACE_HTTPLIB_INCLUDE_DIR}")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(SENTRY_TRACE_HTTPLIB_PC QUIET cpp-httplib)
  endif()
  find_library(SENTRY_TRACE_HTTPLIB_LIBRARY cpp-httplib)
  if(SENTRY_TRACE_HTTPLIB_PC_FOUND AND SENTRY_TRACE_HTTPLIB_LIBRARY)
    target_compile_options(sentry_trace_httplib INTERFACE ${SENTRY_TRACE_HTTPLIB_PC_CFLAGS_OTHER})
    target_link_libraries(sentry_trace_httplib INTERFACE "${SENTRY_TRACE_HTTPLIB_LIBRARY}")
  endif()
  set(${out} sentry_trace_httplib PARENT_SCOPE)
endfunction()
