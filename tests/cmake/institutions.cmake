# The institutions service at three levels (unit: core and store without
# gRPC; grpc: the adapter on a real in-process server; e2e: the real binary,
# with the curated plugins and with its own fixture plugin), plus buf curl
# through reflection only.
add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/fixtures/institutions
                 ${CMAKE_BINARY_DIR}/fixtures_institutions)

dyad_test(dyad_institution_core_test
  SOURCES unit/institution_core_test.cc unit/institution_store_test.cc
  LIBS dyad_institutions_core LABELS unit)
add_dependencies(dyad_institution_core_test dyad_fixture_institutions_plugins)

# The store conformance suite: the same cases on SQLite and on a real
# PostgreSQL 15 (skipped, with the reason, where it is not installed). One
# ctest test for the whole binary, so one PostgreSQL server serves all of it.
add_executable(dyad_institution_store_conformance_test unit/institution_store_conformance_test.cc)
target_link_libraries(dyad_institution_store_conformance_test PRIVATE dyad_testing
                      GTest::gtest_main dyad_institutions_core)
add_test(NAME institution_store_conformance COMMAND dyad_institution_store_conformance_test)
set_tests_properties(institution_store_conformance PROPERTIES LABELS "unit;postgres" TIMEOUT 300)

dyad_test(dyad_institution_service_test SOURCES grpc/institution_service_test.cc
  LIBS dyad_institutions_service LABELS grpc)
add_dependencies(dyad_institution_service_test dyad_fixture_institutions_plugins)

dyad_test(dyad_institutions_e2e_test SOURCES e2e/institutions_e2e_test.cc LIBS dyad_common
  LABELS e2e)
add_dependencies(dyad_institutions_e2e_test dyad-institutions dyad_fixture_institutions_plugins)

add_test(NAME buf_curl_institutions
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/buf_curl_institutions_test.sh
          ${CMAKE_BINARY_DIR} ${BUF})
set_tests_properties(buf_curl_institutions PROPERTIES LABELS e2e TIMEOUT 120)

# dyad-institutions on a real PostgreSQL: two replicas on one database, an
# outage and the recovery. One ctest test (one PostgreSQL for the binary).
add_executable(dyad_institutions_pg_e2e_test e2e/institutions_pg_e2e_test.cc)
target_link_libraries(dyad_institutions_pg_e2e_test PRIVATE dyad_testing GTest::gtest_main
                      dyad_common)
add_dependencies(dyad_institutions_pg_e2e_test dyad-institutions dyad_fixture_institutions_plugins)
add_test(NAME institutions_postgres_e2e COMMAND dyad_institutions_pg_e2e_test)
set_tests_properties(institutions_postgres_e2e PROPERTIES LABELS "e2e;postgres" TIMEOUT 300)
