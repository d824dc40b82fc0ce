# The gateway: composition logic (unit) and the real processes (e2e).
dyad_test(dyad_gateway_compose_test SOURCES unit/gateway_compose_test.cc
  LIBS dyad_gateway_core LABELS unit)
dyad_test(dyad_gateway_e2e_test SOURCES e2e/gateway_e2e_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_gateway_e2e_test dyad-gateway dyad-events dyad-economics dyad-institutions dyad)
