// `dyad import`: reads dataset files with the importers library and streams
// the records to the events or economics service. The pieces that render
// are pure functions, declared here for the tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cli.h"

namespace dyad::cli {

// A row the importer or the server did not import, or one skipped.
struct ImportProblem {
  int64_t line = 0;  // 1-based line in the file; 0 when the server did not say
  std::string kind;  // "rejected" or "skipped"
  std::string reason;
};

// What happened to one file.
struct FileReport {
  std::string path;    // as given on the command line
  std::string file;    // base name, as citations' row.file carries it
  std::string format;  // the layout read, e.g. "gdelt2"
  int64_t rows_read = 0;
  int64_t skipped = 0;
  int64_t rejected = 0;  // by the importer (mapping) and by the server (validation)
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  // Rejected rows first (the importer's and the server's, by line), then
  // skipped ones; at most 100 of each source.
  std::vector<ImportProblem> problems;
  double seconds = 0;
  bool stopped = false;  // --max_errors was exceeded in or after this file
  int64_t max_errors = 0;
  std::string error;  // the file or RPC error that ended this file; empty when none
};

// "1,234,567".
std::string Thousands(int64_t n);

// The summary line and one line per rejected row ("file:line: rejected:
// reason"); skipped rows too when `show_skipped`.
std::string FormatReport(const FileReport& r, bool show_skipped);

// The report as one line of JSON (fields listed in `dyad import --help`).
std::string ReportJson(const FileReport& r);

// The progress line: file, rows, rows/s, a bar with bytes read of the total
// and the ETA when `total_bytes` > 0, else rows only.
std::string FormatProgress(const std::string& file, int64_t rows, int64_t bytes,
                           int64_t total_bytes, absl::Duration elapsed);

void RegisterImportCommand(std::map<std::string, Command>& commands);

}  // namespace dyad::cli
