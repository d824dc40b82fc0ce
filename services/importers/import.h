// The import driver: reader -> mapper -> sink, with a per-file summary.
// Writing is the sink's business (the CLI prints, the import RPCs stream).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "format.h"
#include "mappers.h"

namespace dyad::importers {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A non-OK status stops the import of the file and is returned.
  virtual absl::Status Add(Event event) = 0;
  virtual absl::Status Add(Observation observation) = 0;
};

struct Problem {
  int64_t line = 0;
  std::string reason;  // "<column>: <rule>" or the skip reason
};

struct FileSummary {
  std::string file;  // base name
  Format format = Format::kAuto;
  int64_t rows_read = 0;
  int64_t rows_mapped = 0;  // rows that gave records
  int64_t records = 0;      // records given to the sink (a WDI wide row gives one per year)
  int64_t skipped = 0;
  int64_t rejected = 0;
  // The first `max_problems` of each, in file order.
  std::vector<Problem> skipped_rows;
  std::vector<Problem> rejected_rows;
  bool stopped = false;  // ImportOptions::on_row asked to stop before the end
};

struct ImportOptions {
  size_t max_problems = 100;
  // Called after each row with the counts so far and the bytes of the file
  // read (RowReader::bytes_consumed), for progress reports and error limits.
  // Returning false stops the file there: ImportFile returns the summary so
  // far with `stopped` set.
  std::function<bool(const FileSummary& so_far, int64_t bytes_consumed)> on_row;
};

// Imports one file. File-level failures are errors naming the file: missing
// file (NOT_FOUND), unrecognised content or header (INVALID_ARGUMENT),
// truncated archive (DATA_LOSS). Row-level problems are counted in the summary.
absl::StatusOr<FileSummary> ImportFile(const std::string& path, Format format, RecordSink& sink,
                                       const ImportOptions& options = {});

// "file: 1000 rows read, 998 mapped (998 records), 2 skipped, 0 rejected" and
// one line per reported problem ("file:17: skipped: ...").
std::string FormatSummary(const FileSummary& s);

}  // namespace dyad::importers
