# The C++ CLI: argument parsing and rendering (unit) and the real binary
# against real servers (e2e).
dyad_test(dyad_cli_test SOURCES unit/cli_test.cc unit/cli_import_test.cc LIBS dyad_cli LABELS unit)
dyad_test(dyad_cli_e2e_test SOURCES e2e/cli_e2e_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_cli_e2e_test dyad dyad-events dyad-economics dyad-institutions)
# `dyad import` end to end: fixtures for Georgia–Turkey (fixtures/import/) and
# every real dataset file in ../shared/data, imported with the real binary and
# read back through the gateway and the services' List methods.
dyad_test(dyad_import_e2e_test SOURCES e2e/import_e2e_test.cc LIBS dyad_common dyad_importers
  LABELS e2e)
add_dependencies(dyad_import_e2e_test dyad dyad-events dyad-economics dyad-institutions
  dyad-gateway)
