# Reliability: kill -9 while writing, SIGTERM under load.
dyad_test(dyad_crash_safety_test SOURCES e2e/crash_safety_test.cc LIBS dyad_events_core LABELS e2e)
add_dependencies(dyad_crash_safety_test dyad-events)
dyad_test(dyad_graceful_shutdown_test SOURCES e2e/graceful_shutdown_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_graceful_shutdown_test dyad-events dyad-institutions dyad-gateway)
dyad_test(dyad_tls_test SOURCES e2e/tls_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_tls_test dyad-events dyad-economics dyad-institutions dyad-gateway)
dyad_test(dyad_store_health_test SOURCES e2e/store_health_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_store_health_test dyad-events)
