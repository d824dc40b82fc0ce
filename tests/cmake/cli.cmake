# The C++ CLI: argument parsing and rendering (unit) and the real binary
# against real servers (e2e).
dyad_test(dyad_cli_test SOURCES unit/cli_test.cc LIBS dyad_cli LABELS unit)
dyad_test(dyad_cli_e2e_test SOURCES e2e/cli_e2e_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_cli_e2e_test dyad dyad-events dyad-economics dyad-institutions)
