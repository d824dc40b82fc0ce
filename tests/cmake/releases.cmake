# Issue 17: releases, history and the change feed (docs/releases.md). The
# conformance suite runs on SQLite and on a real PostgreSQL 15 (skipped,
# with the reason, where it is not installed); one ctest test per binary so
# one PostgreSQL server serves all of it.
add_executable(dyad_event_history_conformance_test unit/event_history_conformance_test.cc)
target_link_libraries(dyad_event_history_conformance_test PRIVATE dyad_testing
                      GTest::gtest_main dyad_events_core)
add_test(NAME event_history_conformance COMMAND dyad_event_history_conformance_test)
set_tests_properties(event_history_conformance PROPERTIES LABELS "unit;postgres" TIMEOUT 300)

# In-process gRPC: write, update, delete, read now and as of an earlier
# release, a watcher across a reconnect.
dyad_test(dyad_event_changes_service_test SOURCES grpc/event_changes_service_test.cc
  LIBS dyad_events_service LABELS grpc)

# End to end: the real dyad-events on a SQLite file, across a restart.
dyad_test(dyad_events_releases_e2e_test SOURCES e2e/events_releases_e2e_test.cc
  LIBS dyad_common LABELS e2e)
add_dependencies(dyad_events_releases_e2e_test dyad-events)
