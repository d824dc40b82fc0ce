# Economics service tests: reconciliation and domain (unit), the adapter over
# an in-process server (grpc), the real binary (e2e), and buf curl through
# reflection only.
add_subdirectory(fixtures/economics)

dyad_test(dyad_economics_core_test
  SOURCES unit/economics_reconcile_test.cc unit/economics_core_test.cc
          unit/economics_store_test.cc
  LIBS dyad_economics_core LABELS unit)
add_dependencies(dyad_economics_core_test dyad_fixture_economics_plugins)

dyad_test(dyad_economics_service_test SOURCES grpc/economics_service_test.cc
  LIBS dyad_economics_service LABELS grpc)
add_dependencies(dyad_economics_service_test dyad_fixture_economics_plugins)

dyad_test(dyad_economics_e2e_test SOURCES e2e/economics_e2e_test.cc
  LIBS dyad_common LABELS e2e)
add_dependencies(dyad_economics_e2e_test dyad-economics dyad_fixture_economics_plugins)

add_test(NAME buf_curl_economics
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/buf_curl_economics_test.sh
          ${CMAKE_BINARY_DIR} ${BUF})
set_tests_properties(buf_curl_economics PROPERTIES LABELS e2e TIMEOUT 120)
