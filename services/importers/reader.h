// Row readers: pull iterators over a file's rows, each with the file:line it
// came from. Bounded buffers: a file is never loaded whole.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "format.h"
#include "source.h"

namespace dyad::importers {

// One row. `fields` point into the reader's buffers and stay valid until the
// next call to Next().
struct Row {
  std::vector<absl::string_view> fields;
  absl::string_view file;  // base name of the file, as downloaded
  int64_t line = 0;       // 1-based line where the row starts (after decompression)
};

// Splits a byte stream into lines ("\n" or "\r\n"), keeping at most
// `max_line` bytes of one line in memory.
class LineReader {
 public:
  static constexpr size_t kDefaultMaxLine = 4 << 20;
  LineReader(std::unique_ptr<ByteSource> src, std::string path, size_t max_line = kDefaultMaxLine);
  // The next line without its terminator, valid until the next call; nullopt
  // at the end or on error (then status() says which).
  std::optional<absl::string_view> Next();
  int64_t line() const { return line_; }
  const absl::Status& status() const { return status_; }
  // Bytes of the file consumed so far (ByteSource::consumed).
  int64_t bytes_consumed() const { return src_->consumed(); }

 private:
  bool Fill();
  std::unique_ptr<ByteSource> src_;
  std::string path_;
  size_t max_line_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  int64_t line_ = 0;
  absl::Status status_;
};

class RowReader {
 public:
  virtual ~RowReader() = default;
  // The next data row (never the header), or nullptr at the end of the file
  // or on an error; then status() is OK at a clean end, DATA_LOSS for a
  // truncated archive, INVALID_ARGUMENT for unparseable bytes.
  // Returns a pointer to a row the reader reuses, so 60-column rows cost no
  // allocation per row.
  virtual const Row* Next() = 0;
  virtual const absl::Status& status() const = 0;
  // Header names as written; empty for formats without a header (GDELT).
  virtual const std::vector<std::string>& header() const = 0;
  // The format read.
  virtual Format format() const = 0;
  // Bytes of the file on disk read so far (compressed bytes for a .zip;
  // read ahead in chunks, so it leads the rows a little); 0 when unknown.
  virtual int64_t bytes_consumed() const { return 0; }
};

// Column positions by normalised header name.
class HeaderIndex {
 public:
  explicit HeaderIndex(const std::vector<std::string>& header);
  // Position of the first column whose normalised name is one of `names`.
  std::optional<size_t> Find(std::initializer_list<absl::string_view> names) const;
  // As Find, or INVALID_ARGUMENT naming `file` and the column.
  absl::StatusOr<size_t> Require(std::initializer_list<absl::string_view> names,
                                 absl::string_view file) const;

 private:
  absl::flat_hash_map<std::string, size_t> index_;
};

// Opens `path` (plain or .zip) as rows of `format`; kAuto detects it from the
// first line, an explicit format always wins. Errors name the file.
absl::StatusOr<std::unique_ptr<RowReader>> OpenReader(const std::string& path, Format format);

// Parses one CSV record (RFC 4180 quoting) with libcsv; for detection and tests.
std::vector<std::string> ParseCsvLine(absl::string_view line);

}  // namespace dyad::importers
