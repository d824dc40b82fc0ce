# Importer library tests (unit): readers, mappers and the driver over the
# fixtures in fixtures/importers/ (written from the published column specs)
# and over the real dataset rows in ../shared/data/ (skipped when absent).
dyad_test(dyad_importers_test
  SOURCES unit/importer_reader_test.cc unit/importer_mappers_test.cc
          unit/importer_real_data_test.cc
  LIBS dyad_importers LABELS unit)
target_compile_definitions(dyad_importers_test PRIVATE
  DYAD_IMPORTER_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures/importers"
  DYAD_REAL_DATA_DIR="${CMAKE_SOURCE_DIR}/../shared/data")
