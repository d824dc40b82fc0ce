# Hardening (#18): the result cache's bounds (unit) and the backends' limits
# at the gRPC edge: malformed requests, unknown fields, list caps, deadlines
# and admission (in-process servers).
dyad_test(dyad_result_cache_test SOURCES unit/result_cache_test.cc
  LIBS dyad_events_core LABELS unit)

dyad_test(dyad_backend_limits_test SOURCES grpc/backend_limits_test.cc
  LIBS dyad_events_service dyad_economics_service dyad_institutions_service LABELS grpc)
add_dependencies(dyad_backend_limits_test dyad_fixture_plugins dyad_fixture_economics_plugins
  dyad_fixture_institutions_plugins)
