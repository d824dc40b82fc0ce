# The machine-coded import path and CountEvents: core and store (unit) and
# the streaming RPC over a real server (grpc).
dyad_test(dyad_event_import_test SOURCES unit/event_import_test.cc
  LIBS dyad_events_core LABELS unit)
dyad_test(dyad_event_import_service_test SOURCES grpc/event_import_service_test.cc
  LIBS dyad_events_service LABELS grpc)
dyad_test(dyad_economics_import_test SOURCES unit/economics_import_test.cc
  LIBS dyad_economics_core LABELS unit)
dyad_test(dyad_economics_import_service_test SOURCES grpc/economics_import_service_test.cc
  LIBS dyad_economics_service LABELS grpc)
