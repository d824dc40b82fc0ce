# The Python and TypeScript clients against the real binaries (started on free
# ports by each client's own harness). Each test script exits 77 (skipped)
# only when an interpreter or tool is missing; any test failure fails.
#
#   ctest -L clients --output-on-failure
#
# The gateway parts run once dyad-gateway and the two other backends exist;
# until the tree defines them they are reported as skipped by the runners.

# Every server binary the clients talk to that this tree defines. The test
# harnesses treat a missing one of these as a failure (build first); only
# servers the tree does not define yet are skipped.
set(dyad_client_servers)
set(dyad_client_required)
foreach(name events economics institutions gateway)
  if(TARGET dyad-${name})
    list(APPEND dyad_client_servers dyad-${name})
    list(APPEND dyad_client_required ${name})
  endif()
endforeach()
list(JOIN dyad_client_required "," dyad_client_required)

# Python stubs into build/python at build time (protoc + grpc_python_plugin),
# regenerated when a proto changes. run_tests.sh regenerates them too, so the
# test also works straight from a fresh clone.
file(GLOB_RECURSE dyad_client_protos CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/proto/dyad/*.proto)
find_program(DYAD_GRPC_PYTHON_PLUGIN grpc_python_plugin)
if(DYAD_GRPC_PYTHON_PLUGIN)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/python.stamp
    COMMAND bash ${CMAKE_SOURCE_DIR}/clients/python/generate.sh ${CMAKE_BINARY_DIR}/python
    COMMAND ${CMAKE_COMMAND} -E touch ${CMAKE_BINARY_DIR}/python.stamp
    DEPENDS ${dyad_client_protos} ${CMAKE_SOURCE_DIR}/clients/python/generate.sh
    COMMENT "Generating Python stubs into build/python"
    VERBATIM)
  add_custom_target(dyad_python_stubs ALL DEPENDS ${CMAKE_BINARY_DIR}/python.stamp)
endif()

# `ninja dyad_clients` builds what the client tests need.
add_custom_target(dyad_clients)
if(dyad_client_servers)
  add_dependencies(dyad_clients ${dyad_client_servers} dyad_plugins)
endif()
if(TARGET dyad_python_stubs)
  add_dependencies(dyad_clients dyad_python_stubs)
endif()

add_test(NAME python_client
  COMMAND bash ${CMAKE_SOURCE_DIR}/clients/python/run_tests.sh ${CMAKE_BINARY_DIR})
add_test(NAME typescript_client
  COMMAND bash ${CMAKE_SOURCE_DIR}/clients/typescript/run_tests.sh ${CMAKE_BINARY_DIR})
set_tests_properties(python_client typescript_client PROPERTIES
  LABELS "clients;e2e"
  SKIP_RETURN_CODE 77
  ENVIRONMENT "DYAD_REQUIRED_BINARIES=${dyad_client_required}"
  TIMEOUT 900)
# The TypeScript package test calls dyad-web (web/dist, built by web_build)
# with the browser entry; that part is required under ctest.
set_tests_properties(typescript_client PROPERTIES
  FIXTURES_REQUIRED dyad_web_built
  ENVIRONMENT "DYAD_REQUIRED_BINARIES=${dyad_client_required};DYAD_REQUIRE_WEB=1")
