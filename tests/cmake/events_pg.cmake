# The events store on PostgreSQL (issue 12). The conformance suite runs the
# same cases on SQLite and on a real PostgreSQL 15 (skipped, with the reason,
# where it is not installed) and compares the two engines on random data;
# the e2e test runs two dyad-events replicas on one database. One ctest
# test per binary, so one PostgreSQL server serves all of it.
add_executable(dyad_event_store_conformance_test unit/event_store_conformance_test.cc)
target_link_libraries(dyad_event_store_conformance_test PRIVATE dyad_testing
                      GTest::gtest_main dyad_events_core)
add_test(NAME event_store_conformance COMMAND dyad_event_store_conformance_test)
set_tests_properties(event_store_conformance PROPERTIES LABELS "unit;postgres" TIMEOUT 300)

add_executable(dyad_events_pg_e2e_test e2e/events_pg_e2e_test.cc)
target_link_libraries(dyad_events_pg_e2e_test PRIVATE dyad_testing GTest::gtest_main dyad_common)
add_dependencies(dyad_events_pg_e2e_test dyad-events dyad_plugins)
add_test(NAME events_postgres_e2e COMMAND dyad_events_pg_e2e_test)
set_tests_properties(events_postgres_e2e PROPERTIES LABELS "e2e;postgres" TIMEOUT 600)
