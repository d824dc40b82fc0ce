# Streaming export (issue 17, docs/export.md): the CLI's row formats (unit),
# ExportEvents against the in-process server (grpc), and the real binaries
# with a connection cut midway and the CSV read back by the Python client
# (e2e).
dyad_test(dyad_export_format_test SOURCES unit/export_format_test.cc
  LIBS dyad_cli dyad_economics_core LABELS unit)
dyad_test(dyad_export_service_test SOURCES grpc/export_service_test.cc
  LIBS dyad_events_service LABELS grpc)
dyad_test(dyad_export_e2e_test SOURCES e2e/export_e2e_test.cc LIBS dyad_common LABELS e2e)
add_dependencies(dyad_export_e2e_test dyad dyad-events dyad-scalegen)
if(TARGET dyad_python_stubs)
  add_dependencies(dyad_export_e2e_test dyad_python_stubs)
endif()
