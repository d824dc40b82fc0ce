# The gateway: composition logic and ranking (unit, no network), the service
# over fake backends in process (grpc), and the real processes (e2e).
dyad_test(dyad_gateway_unit_test
  SOURCES unit/gateway_compose_test.cc unit/gateway_ranking_test.cc
          unit/gateway_discrepancies_test.cc unit/gateway_timeline_test.cc
          unit/gateway_imported_test.cc unit/gateway_gather_test.cc
  LIBS dyad_gateway_service LABELS unit)
dyad_test(dyad_gateway_service_test
  SOURCES grpc/gateway_service_test.cc grpc/gateway_registry_test.cc testing/fake_backends.cc
  LIBS dyad_gateway_service LABELS grpc)
dyad_test(dyad_gateway_e2e_test SOURCES e2e/gateway_e2e_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_gateway_e2e_test dyad-gateway dyad-events dyad-economics dyad-institutions dyad)

# The README's exploration commands, verbatim, against a suite started by the test.
add_test(NAME exploration_readme
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/exploration_readme_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(exploration_readme PROPERTIES LABELS e2e TIMEOUT 180)

# Metrics, JSON logs with trace ids, and credentials through the gateway
# (issue 15), on the real binaries.
dyad_test(dyad_observability_e2e_test SOURCES e2e/observability_e2e_test.cc LIBS dyad_common
  LABELS e2e)
add_dependencies(dyad_observability_e2e_test dyad-gateway dyad-events dyad-economics
  dyad-institutions)
