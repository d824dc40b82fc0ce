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

# The store conformance suite: the same cases on SQLite and on a real
# PostgreSQL 15 (skipped, with the reason, where it is not installed). One
# ctest test for the whole binary, so one PostgreSQL server serves all of it.
add_executable(dyad_economics_store_conformance_test unit/economics_store_conformance_test.cc)
target_link_libraries(dyad_economics_store_conformance_test PRIVATE dyad_testing
                      GTest::gtest_main dyad_economics_core)
add_test(NAME economics_store_conformance COMMAND dyad_economics_store_conformance_test)
set_tests_properties(economics_store_conformance PROPERTIES LABELS "unit;postgres" TIMEOUT 300)

# dyad-economics on a real PostgreSQL: two replicas on one database with
# concurrent writes and imports, kill -9 of one mid-import, an outage and the
# recovery. One ctest test (one PostgreSQL for the binary); prints its counts.
add_executable(dyad_economics_pg_e2e_test e2e/economics_pg_e2e_test.cc)
target_link_libraries(dyad_economics_pg_e2e_test PRIVATE dyad_testing GTest::gtest_main
                      dyad_common)
add_dependencies(dyad_economics_pg_e2e_test dyad-economics dyad_fixture_economics_plugins)
add_test(NAME economics_postgres_e2e COMMAND dyad_economics_pg_e2e_test)
set_tests_properties(economics_postgres_e2e PROPERTIES LABELS "e2e;postgres" TIMEOUT 300)

# scripts/up.sh --postgres end to end: the suite on a throw-away PostgreSQL,
# one CLI question through the gateway, Ctrl-C stops everything (and
# PostgreSQL, removing its data). Skipped (77) without PostgreSQL or buf.
add_test(NAME up_postgres_smoke
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/up_postgres_smoke_test.py
          ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(up_postgres_smoke PROPERTIES LABELS "e2e;postgres" TIMEOUT 300
                     SKIP_RETURN_CODE 77)
