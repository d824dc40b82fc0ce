#include "import.h"

#include "absl/strings/str_cat.h"

namespace dyad::importers {
namespace {

void Note(std::vector<Problem>& list, int64_t& count, size_t max, const Row& row,
          std::string reason) {
  ++count;
  if (list.size() < max) list.push_back({row.line, std::move(reason)});
}

template <typename T>
absl::Status Deliver(FileSummary& s, const ImportOptions& o, RecordSink& sink, const Row& row,
                     absl::StatusOr<Mapped<T>> m) {
  if (!m.ok()) {
    Note(s.rejected_rows, s.rejected, o.max_problems, row, std::string(m.status().message()));
    return absl::OkStatus();
  }
  if (!m->skipped.empty()) {
    Note(s.skipped_rows, s.skipped, o.max_problems, row, std::move(m->skipped));
    return absl::OkStatus();
  }
  if (!m->records.empty()) ++s.rows_mapped;
  for (T& r : m->records) {
    if (absl::Status st = sink.Add(std::move(r)); !st.ok()) return st;
    ++s.records;
  }
  return absl::OkStatus();
}

absl::StatusOr<Mapped<Event>> One(absl::StatusOr<Event> e) {
  if (!e.ok()) return e.status();
  Mapped<Event> m;
  m.records.push_back(*std::move(e));
  return m;
}

}  // namespace

absl::StatusOr<FileSummary> ImportFile(const std::string& path, Format format, RecordSink& sink,
                                       const ImportOptions& options) {
  auto reader = OpenReader(path, format);
  if (!reader.ok()) return reader.status();
  RowReader& r = **reader;
  FileSummary s;
  s.file = BaseName(path);
  s.format = r.format();
  const CodeTables& tables = CodeTables::Builtin();

  std::optional<IcewsColumns> icews;
  std::optional<ComtradeColumns> comtrade;
  std::optional<WdiColumns> wdi;
  absl::Status header_ok;
  switch (s.format) {
    case Format::kIcews: {
      auto c = IcewsColumns::FromHeader(r.header(), path);
      header_ok = c.status();
      if (c.ok()) icews = *c;
      break;
    }
    case Format::kComtradeClassic:
    case Format::kComtradePlus: {
      auto c = ComtradeColumns::FromHeader(r.header(), path);
      header_ok = c.status();
      if (c.ok()) comtrade = *c;
      break;
    }
    case Format::kWdiWide:
    case Format::kWdiLong: {
      auto c = WdiColumns::FromHeader(r.header(), s.format == Format::kWdiWide, path);
      header_ok = c.status();
      if (c.ok()) wdi = *c;
      break;
    }
    default:
      break;
  }
  if (!header_ok.ok()) return header_ok;

  while (const Row* row = r.Next()) {
    ++s.rows_read;
    absl::Status st;
    switch (s.format) {
      case Format::kGdelt1:
      case Format::kGdelt2:
        st = Deliver(s, options, sink, *row, One(MapGdelt(*row, s.format == Format::kGdelt2, tables)));
        break;
      case Format::kIcews:
        st = Deliver(s, options, sink, *row, One(MapIcews(*row, *icews, tables)));
        break;
      case Format::kComtradeClassic:
      case Format::kComtradePlus:
        st = Deliver(s, options, sink, *row, MapComtrade(*row, *comtrade, tables));
        break;
      case Format::kWdiWide:
      case Format::kWdiLong:
        st = Deliver(s, options, sink, *row, MapWdi(*row, *wdi, tables));
        break;
      default:
        return absl::InternalError("format not resolved");
    }
    if (!st.ok()) return st;
    if (options.on_row && !options.on_row(s, r.bytes_consumed())) {
      s.stopped = true;
      return s;
    }
  }
  if (!r.status().ok()) {
    return absl::Status(r.status().code(), absl::StrCat(r.status().message(), " (after ",
                                                        s.rows_read, " rows)"));
  }
  return s;
}

std::string FormatSummary(const FileSummary& s) {
  std::string out = absl::StrCat(s.file, " (", FormatName(s.format), "): ", s.rows_read,
                                 " rows read, ", s.rows_mapped, " mapped (", s.records,
                                 " records), ", s.skipped, " skipped, ", s.rejected, " rejected\n");
  for (const auto& p : s.rejected_rows) absl::StrAppend(&out, s.file, ":", p.line, ": rejected: ", p.reason, "\n");
  for (const auto& p : s.skipped_rows) absl::StrAppend(&out, s.file, ":", p.line, ": skipped: ", p.reason, "\n");
  return out;
}

}  // namespace dyad::importers
