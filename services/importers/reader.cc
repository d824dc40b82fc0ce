#include "reader.h"

#include <csv.h>

#include <cstring>
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dyad::importers {
namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr absl::string_view kBom = "\xEF\xBB\xBF";

// Serves `prefix` first, then the rest of `src`: the bytes read for format
// detection are not read twice.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> src)
      : prefix_(std::move(prefix)), src_(std::move(src)) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return src_->Read(buf, n);
  }
  int64_t consumed() const override { return src_->consumed(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> src_;
};

// Tab-separated rows (GDELT, ICEWS): these formats never quote, so a tab
// always ends a field.
class TsvReader : public RowReader {
 public:
  TsvReader(LineReader lines, std::string file, Format format, bool has_header)
      : lines_(std::move(lines)), file_(std::move(file)), format_(format) {
    row_.file = file_;
    if (has_header) {
      while (auto line = lines_.Next()) {
        if (line->empty()) continue;
        Split(*line);
        for (auto f : row_.fields) header_.emplace_back(f);
        break;
      }
    }
  }

  const Row* Next() override {
    while (auto line = lines_.Next()) {
      if (line->empty()) continue;
      Split(*line);
      row_.line = lines_.line();
      return &row_;
    }
    return nullptr;
  }
  const absl::Status& status() const override { return lines_.status(); }
  const std::vector<std::string>& header() const override { return header_; }
  Format format() const override { return format_; }
  int64_t bytes_consumed() const override { return lines_.bytes_consumed(); }

 private:
  void Split(absl::string_view line) {
    row_.fields.clear();
    size_t start = 0;
    while (true) {
      const void* tab = std::memchr(line.data() + start, '\t', line.size() - start);
      if (tab == nullptr) {
        row_.fields.push_back(line.substr(start));
        return;
      }
      size_t pos = static_cast<const char*>(tab) - line.data();
      row_.fields.push_back(line.substr(start, pos - start));
      start = pos + 1;
    }
  }

  LineReader lines_;
  std::string file_;
  Format format_;
  std::vector<std::string> header_;
  Row row_;
};

// Comma-separated rows with RFC 4180 quoting, parsed by libcsv. Lines are fed
// one at a time so every record knows the line it starts on; a quoted field
// may span lines.
class CsvReader : public RowReader {
 public:
  // `header_first_field`: when not empty, records before the one whose first
  // field normalises to it are a preamble and skipped (WDI's four lines).
  CsvReader(LineReader lines, std::string file, Format format, std::string header_first_field)
      : lines_(std::move(lines)), file_(std::move(file)), format_(format) {
    csv_init(&parser_, CSV_APPEND_NULL);
    row_.file = file_;
    while (const Record* r = NextRecord()) {
      if (!header_first_field.empty() &&
          (r->fields.empty() || NormaliseHeader(r->fields[0]) != header_first_field)) {
        continue;
      }
      header_ = r->fields;
      return;
    }
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          file_, ": no header row",
          header_first_field.empty() ? "" : absl::StrCat(" (starting with ", header_first_field, ")")));
    }
  }
  ~CsvReader() override { csv_free(&parser_); }

  const Row* Next() override {
    const Record* r = NextRecord();
    if (r == nullptr) return nullptr;
    current_ = std::move(ready_.front());
    row_.fields.assign(current_.fields.begin(), current_.fields.end());
    row_.line = current_.line;
    return &row_;
  }
  const absl::Status& status() const override { return status_.ok() ? lines_.status() : status_; }
  const std::vector<std::string>& header() const override { return header_; }
  Format format() const override { return format_; }
  int64_t bytes_consumed() const override { return lines_.bytes_consumed(); }

 private:
  struct Record {
    std::vector<std::string> fields;
    int64_t line = 0;
  };
  static constexpr size_t kMaxRecordBytes = 4 << 20;

  const Record* NextRecord() {
    if (!status_.ok()) return nullptr;
    if (!ready_.empty()) ready_.pop_front();
    while (ready_.empty()) {
      auto line = lines_.Next();
      if (!line) {
        if (!lines_.status().ok()) return nullptr;
        if (!finished_) {
          finished_ = true;
          if (parser_.pstate != 0) csv_fini(&parser_, OnField, OnRecord, this);
        }
        if (ready_.empty()) return nullptr;
        break;
      }
      // pstate 0 is libcsv's "row not begun": this line starts a record.
      if (parser_.pstate == 0) {
        pending_ = Record{};
        pending_bytes_ = 0;
        pending_.line = lines_.line();
      }
      absl::string_view l = *line;
      pending_bytes_ += l.size() + 1;
      if (pending_bytes_ > kMaxRecordBytes) {
        status_ = absl::InvalidArgumentError(absl::StrCat(
            file_, ":", pending_.line, ": record longer than ", kMaxRecordBytes,
            " bytes (an unterminated quote?)"));
        return nullptr;
      }
      if (csv_parse(&parser_, l.data(), l.size(), OnField, OnRecord, this) != l.size() ||
          csv_parse(&parser_, "\n", 1, OnField, OnRecord, this) != 1) {
        status_ = absl::InvalidArgumentError(absl::StrCat(
            file_, ":", lines_.line(), ": CSV parse error: ", csv_strerror(csv_error(&parser_))));
        return nullptr;
      }
    }
    return &ready_.front();
  }

  static void OnField(void* s, size_t len, void* data) {
    auto* self = static_cast<CsvReader*>(data);
    self->pending_.fields.emplace_back(static_cast<const char*>(s), len);
  }
  static void OnRecord(int, void* data) {
    auto* self = static_cast<CsvReader*>(data);
    self->ready_.push_back(std::move(self->pending_));
    self->pending_ = Record{};
    self->pending_bytes_ = 0;
  }

  LineReader lines_;
  std::string file_;
  Format format_;
  csv_parser parser_;
  std::vector<std::string> header_;
  Record pending_;
  size_t pending_bytes_ = 0;
  std::deque<Record> ready_;
  Record current_;
  bool finished_ = false;
  absl::Status status_;
  Row row_;
};

}  // namespace

LineReader::LineReader(std::unique_ptr<ByteSource> src, std::string path, size_t max_line)
    : src_(std::move(src)), path_(std::move(path)), max_line_(max_line), buf_(kChunk) {}

bool LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= max_line_) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          path_, ":", line_ + 1, ": line longer than ", max_line_, " bytes (not a text file?)"));
      return false;
    }
    buf_.resize(std::min(buf_.size() * 2, max_line_));
  }
  auto got = src_->Read(buf_.data() + end_, buf_.size() - end_);
  if (!got.ok()) {
    status_ = got.status();
    return false;
  }
  if (*got == 0) eof_ = true;
  end_ += *got;
  return true;
}

std::optional<absl::string_view> LineReader::Next() {
  if (!status_.ok()) return std::nullopt;
  size_t scanned = begin_;
  while (true) {
    const void* nl = std::memchr(buf_.data() + scanned, '\n', end_ - scanned);
    size_t stop;
    if (nl != nullptr) {
      stop = static_cast<const char*>(nl) - buf_.data();
    } else if (eof_) {
      if (begin_ == end_) return std::nullopt;
      stop = end_;
    } else {
      // Everything up to end_ has no newline: scan only the new bytes.
      size_t offset = end_ - begin_;
      if (!Fill()) return std::nullopt;
      scanned = begin_ + offset;
      continue;
    }
    absl::string_view line(buf_.data() + begin_, stop - begin_);
    begin_ = stop < end_ ? stop + 1 : stop;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_ == 1 && line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
    return line;
  }
}

HeaderIndex::HeaderIndex(const std::vector<std::string>& header) {
  for (size_t i = 0; i < header.size(); ++i) index_.try_emplace(NormaliseHeader(header[i]), i);
}

std::optional<size_t> HeaderIndex::Find(std::initializer_list<absl::string_view> names) const {
  for (auto n : names) {
    auto it = index_.find(n);
    if (it != index_.end()) return it->second;
  }
  return std::nullopt;
}

absl::StatusOr<size_t> HeaderIndex::Require(std::initializer_list<absl::string_view> names,
                                            absl::string_view file) const {
  if (auto i = Find(names)) return *i;
  return absl::InvalidArgumentError(absl::StrCat(
      file, ": header has no column ", absl::StrJoin(names, " or "), " (normalised names)"));
}

std::vector<std::string> ParseCsvLine(absl::string_view line) {
  struct State {
    std::vector<std::string> fields;
  } st;
  csv_parser p;
  csv_init(&p, CSV_APPEND_NULL);
  auto on_field = [](void* s, size_t len, void* data) {
    static_cast<State*>(data)->fields.emplace_back(static_cast<const char*>(s), len);
  };
  csv_parse(&p, line.data(), line.size(), on_field, nullptr, &st);
  csv_fini(&p, on_field, nullptr, &st);
  csv_free(&p);
  return st.fields;
}

absl::StatusOr<std::unique_ptr<RowReader>> OpenReader(const std::string& path, Format format) {
  auto src = OpenByteSource(path);
  if (!src.ok()) return src.status();
  std::string file = BaseName(path);
  std::unique_ptr<ByteSource> source = std::move(*src);
  if (NeedsDetection(format)) {
    std::string prefix(64 * 1024, '\0');
    size_t have = 0;
    while (have < prefix.size()) {
      auto got = source->Read(prefix.data() + have, prefix.size() - have);
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      have += *got;
    }
    prefix.resize(have);
    absl::string_view text = prefix;
    if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
    if (text.find('\0') != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not a text file (binary content); expected GDELT, ICEWS, Comtrade or WDI"));
    }
    size_t start = text.find_first_not_of("\r\n");
    absl::string_view first =
        start == absl::string_view::npos ? absl::string_view() : text.substr(start);
    first = first.substr(0, first.find('\n'));
    if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
    auto detected = DetectFormat(first, path);
    if (!detected.ok()) return detected.status();
    if (format != Format::kAuto && FamilyOf(*detected) != format) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a ", FormatName(format),
                                                     " file (its content is ",
                                                     FormatName(*detected), ")"));
    }
    format = *detected;
    source = std::make_unique<PrefixedSource>(std::move(prefix), std::move(source));
  }
  LineReader lines(std::move(source), path);
  std::unique_ptr<RowReader> reader;
  switch (format) {
    case Format::kGdelt1:
    case Format::kGdelt2:
      reader = std::make_unique<TsvReader>(std::move(lines), file, format, /*has_header=*/false);
      break;
    case Format::kIcews:
      reader = std::make_unique<TsvReader>(std::move(lines), file, format, /*has_header=*/true);
      break;
    case Format::kComtradeClassic:
    case Format::kComtradePlus:
    case Format::kWdiLong:
      reader = std::make_unique<CsvReader>(std::move(lines), file, format, "");
      break;
    case Format::kWdiWide:
      reader = std::make_unique<CsvReader>(std::move(lines), file, format, "countryname");
      break;
    default:
      return absl::InternalError("format not resolved");
  }
  if (!reader->status().ok()) return reader->status();
  return reader;
}

}  // namespace dyad::importers
