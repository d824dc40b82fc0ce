# Provenance: every citation checked against the seed documents, and the
# coverage report (skipped with a clear message when ../shared/seeds is absent).
dyad_test(dyad_provenance_test SOURCES unit/provenance_test.cc LIBS dyad_provenance LABELS unit)
