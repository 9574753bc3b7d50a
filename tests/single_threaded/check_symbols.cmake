# cmake -DNM=<nm> -DOBJECTS=<objects> [-DCONTROL=<objects>] -P check_symbols.cmake
#
# Fails (FAIL: ...) when an object in OBJECTS (built with SENTRY_TRACE_THREADS=0) mentions
# std::atomic, std::mutex, std::thread, std::condition_variable, pthread_* or the __atomic_*
# runtime calls: undefined references (nm -u) and the inline instantiations the object defines
# itself (nm; the objects are built -O0, so every inline function used is emitted). Every object
# in CONTROL (the same source built with threads) must match instead, so that the check cannot
# pass by reading nothing.
if(NOT NM OR NOT OBJECTS)
  message(FATAL_ERROR "FAIL: usage: cmake -DNM=<nm> -DOBJECTS=<objects> [-DCONTROL=<objects>] -P check_symbols.cmake")
endif()
set(_pattern "std::atomic|std::__atomic_base|std::mutex|std::thread|std::condition_variable|pthread_|__atomic_")

# Sets <out> to the symbols of <obj> (defined and undefined, demangled) that match _pattern.
function(_thread_symbols obj out)
  execute_process(COMMAND "${NM}" -C "${obj}" OUTPUT_VARIABLE _all RESULT_VARIABLE _rc1 ERROR_VARIABLE _err1)
  execute_process(COMMAND "${NM}" -C -u "${obj}" OUTPUT_VARIABLE _undefined RESULT_VARIABLE _rc2 ERROR_VARIABLE _err2)
  if(NOT _rc1 EQUAL 0 OR NOT _rc2 EQUAL 0)
    message(FATAL_ERROR "FAIL: ${NM} failed on ${obj}: ${_err1}${_err2}")
  endif()
  string(REPLACE "\n" ";" _lines "${_all}\n${_undefined}")
  set(_hits "")
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "${_pattern}")
      list(APPEND _hits "${_line}")
    endif()
  endforeach()
  if(_hits)
    list(REMOVE_DUPLICATES _hits)
  endif()
  set(${out} "${_hits}" PARENT_SCOPE)
endfunction()

# The control's objects together (the test's TU and its implementation TU) must show them.
set(_control_hits 0)
foreach(_obj IN LISTS CONTROL)
  _thread_symbols("${_obj}" _hits)
  list(LENGTH _hits _n)
  math(EXPR _control_hits "${_control_hits} + ${_n}")
endforeach()
if(CONTROL)
  if(_control_hits EQUAL 0)
    message(FATAL_ERROR "FAIL: the control (built with threads) shows no thread or atomic "
                        "symbol: the check would not see them either")
  endif()
  message(STATUS "control: ${_control_hits} thread/atomic symbols with threads, as expected")
endif()

foreach(_obj IN LISTS OBJECTS)
  _thread_symbols("${_obj}" _hits)
  if(_hits)
    string(REPLACE ";" "\n  " _shown "${_hits}")
    message(FATAL_ERROR "FAIL: ${_obj} (SENTRY_TRACE_THREADS=0) refers to threads or atomics:\n  ${_shown}")
  endif()
  message(STATUS "ok: no atomic, mutex, thread or pthread symbol with SENTRY_TRACE_THREADS=0")
endforeach()
