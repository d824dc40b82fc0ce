// `dyad import FAMILY FILE...`: each file is read row by row by the
// importers library (services/importers) and its records are streamed to
// EventService.ImportEvents (GDELT, ICEWS) or
// EconomicsService.ImportObservations (Comtrade, WDI) in batches, one client
// stream per file, so memory holds one batch, never the file.
#include "import_command.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/auth.h"
#include "common/status.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "import.h"

namespace dyad::cli {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace imp = dyad::importers;

constexpr int kMaxBatch = 10000;  // the servers' limit per message
// A message also ends at 3 MiB, below the servers' 4 MiB default
// --max_receive_bytes, whatever the size of the records.
constexpr size_t kMaxBatchBytes = 3 << 20;
constexpr size_t kMaxServerProblems = 100;

// The rows the server refused, as the response reports them.
struct ServerCounts {
  int64_t created = 0, updated = 0, unchanged = 0, rejected = 0;
  std::vector<ImportProblem> rejections;
};

template <typename Response>
ServerCounts CountsOf(const Response& r) {
  ServerCounts c{r.created(), r.updated(), r.unchanged(), r.rejected(), {}};
  for (const auto& x : r.rejections()) c.rejections.push_back({x.row().line(), "rejected", x.reason()});
  return c;
}

// A RecordSink that streams batches to one import call. The call opens with
// the first batch, so a file that fails before its first record (missing,
// another dataset) never reaches the server.
class ImportStream : public imp::RecordSink {
 public:
  ImportStream(const Context& ctx, bool events, int batch, const std::optional<std::string>& token)
      : events_(events), batch_(batch) {
    if (ctx.timeout_given) call_.set_deadline(absl::ToChronoTime(absl::Now() + ctx.timeout));
    if (token) call_.AddMetadata("authorization", "Bearer " + *token);
    if (events) {
      ev_stub_ = ev::EventService::NewStub(ctx.Channel(ctx.events));
    } else {
      ec_stub_ = ec::EconomicsService::NewStub(ctx.Channel(ctx.economics));
    }
  }

  absl::Status Add(imp::Event e) override {
    pending_bytes_ += e.ByteSizeLong() + 8;
    *ev_.pending.add_events() = std::move(e);
    return Added();
  }
  absl::Status Add(imp::Observation o) override {
    pending_bytes_ += o.ByteSizeLong() + 8;
    *ec_.pending.add_observations() = std::move(o);
    return Added();
  }

  // Sends what is pending, half-closes and waits for the server's summary.
  // OK with zero counts when nothing was ever sent.
  grpc::Status Finish(ServerCounts* counts) {
    if (!broken_) (void)Flush();
    return events_ ? Close(ev_, counts) : Close(ec_, counts);
  }
  // True when a write failed: the server ended the call (Finish says why).
  bool broken() const { return broken_; }

 private:
  template <typename Request, typename Response>
  struct Call {
    std::unique_ptr<grpc::ClientWriter<Request>> writer;
    Request pending;
    Response response;
  };

  absl::Status Added() {
    if (++pending_records_ < batch_ && pending_bytes_ < kMaxBatchBytes) return absl::OkStatus();
    return Flush();
  }

  absl::Status Flush() {
    if (pending_records_ == 0) return absl::OkStatus();
    const bool ok =
        events_ ? Send(ev_, [&] { return ev_stub_->ImportEvents(&call_, &ev_.response); })
                : Send(ec_, [&] { return ec_stub_->ImportObservations(&call_, &ec_.response); });
    pending_records_ = 0;
    pending_bytes_ = 0;
    if (ok) return absl::OkStatus();
    broken_ = true;
    return absl::UnavailableError("the server ended the import call");
  }

  template <typename C, typename Open>
  bool Send(C& c, Open open) {
    if (!c.writer) c.writer = open();
    const bool ok = c.writer->Write(c.pending);
    c.pending.Clear();
    return ok;
  }

  template <typename C>
  grpc::Status Close(C& c, ServerCounts* counts) {
    if (!c.writer) return grpc::Status::OK;
    c.writer->WritesDone();
    grpc::Status s = c.writer->Finish();
    if (s.ok()) *counts = CountsOf(c.response);
    return s;
  }

  bool events_;
  int batch_;
  grpc::ClientContext call_;
  std::unique_ptr<ev::EventService::Stub> ev_stub_;
  std::unique_ptr<ec::EconomicsService::Stub> ec_stub_;
  Call<ev::ImportEventsRequest, ev::ImportEventsResponse> ev_;
  Call<ec::ImportObservationsRequest, ec::ImportObservationsResponse> ec_;
  int pending_records_ = 0;
  size_t pending_bytes_ = 0;
  bool broken_ = false;
};

// The progress line on a terminal's stderr, redrawn in place at most five
// times a second.
class ProgressLine {
 public:
  ProgressLine(std::ostream* err, bool on, std::string file, int64_t total_bytes)
      : err_(err), on_(on), file_(std::move(file)), total_(total_bytes) {}
  void Update(int64_t rows, int64_t bytes) {
    if (!on_ || (rows & 63) != 0) return;
    const absl::Time now = absl::Now();
    if (now - last_ < absl::Milliseconds(200)) return;
    last_ = now;
    *err_ << "\r" << FormatProgress(file_, rows, bytes, total_, now - start_) << "\x1b[K"
          << std::flush;
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) *err_ << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream* err_;
  bool on_;
  std::string file_;
  int64_t total_;
  absl::Time start_ = absl::Now();
  absl::Time last_ = absl::Now();
  bool drawn_ = false;
};

struct Settings {
  imp::Format format;
  bool events;  // GDELT and ICEWS go to the events service, the rest to economics
  int batch;
  int64_t max_errors;
  std::optional<std::string> token;
  bool progress;
  bool show_skipped;
};

bool IsEventFormat(imp::Format f) {
  const imp::Format family = imp::FamilyOf(f);
  return family == imp::Format::kGdelt || family == imp::Format::kIcews;
}

void AddImporterProblems(const imp::FileSummary& s, FileReport& r) {
  for (const auto& p : s.rejected_rows) r.problems.push_back({p.line, "rejected", p.reason});
}

// Imports one file; `rejected_before` counts the rejections of the files
// before it, against --max_errors. Sets `rpc` to the call's status.
FileReport ImportOne(const Context& ctx, const Settings& st, const std::string& path,
                     int64_t rejected_before, grpc::Status* rpc) {
  FileReport r;
  r.path = path;
  r.file = imp::BaseName(path);
  r.format = std::string(imp::FormatName(st.format));
  r.max_errors = st.max_errors;
  struct stat info;
  const int64_t total_bytes = stat(path.c_str(), &info) == 0 ? info.st_size : 0;
  const absl::Time start = absl::Now();
  ProgressLine progress(ctx.err, st.progress, r.file, total_bytes);
  ImportStream stream(ctx, st.events, st.batch, st.token);
  imp::ImportOptions options;
  options.on_row = [&](const imp::FileSummary& s, int64_t bytes) {
    r.rows_read = s.rows_read;  // kept for a file that fails half-way
    r.skipped = s.skipped;
    r.rejected = s.rejected;
    progress.Update(s.rows_read, bytes);
    return rejected_before + s.rejected <= st.max_errors;
  };
  absl::StatusOr<imp::FileSummary> summary = imp::ImportFile(path, st.format, stream, options);
  ServerCounts server;
  *rpc = stream.Finish(&server);
  progress.Clear();
  r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (summary.ok()) {
    r.format = std::string(imp::FormatName(summary->format));
    r.rows_read = summary->rows_read;
    r.skipped = summary->skipped;
    r.rejected = summary->rejected;
    r.stopped = summary->stopped;
    AddImporterProblems(*summary, r);
  } else if (!stream.broken()) {
    // A file error (missing, another dataset, truncated): the message names
    // the file. Batches sent before it are written.
    r.error = std::string(summary.status().message());
  }
  if (!rpc->ok()) {
    r.error = absl::StrCat(r.file, ": ", GrpcCodeName(rpc->error_code()), ": ",
                           rpc->error_message());
    if (rpc->error_code() == grpc::StatusCode::UNAUTHENTICATED && !st.token) {
      absl::StrAppend(&r.error, " (no write token given: pass --write_token_file PATH or set ",
                      "DYAD_WRITE_TOKEN)");
    }
    if (rpc->error_code() == grpc::StatusCode::UNAVAILABLE ||
        rpc->error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      absl::StrAppend(&r.error, " (target ", st.events ? ctx.events : ctx.economics, ")");
    }
  }
  r.created = server.created;
  r.updated = server.updated;
  r.unchanged = server.unchanged;
  r.rejected += server.rejected;
  r.problems.insert(r.problems.end(), server.rejections.begin(), server.rejections.end());
  std::stable_sort(r.problems.begin(), r.problems.end(),
                   [](const ImportProblem& a, const ImportProblem& b) { return a.line < b.line; });
  if (summary.ok()) {
    for (const auto& p : summary->skipped_rows) r.problems.push_back({p.line, "skipped", p.reason});
  }
  if (rejected_before + r.rejected > st.max_errors) r.stopped = true;
  return r;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Bytes(int64_t n) {
  if (n >= (1 << 30)) return absl::StrFormat("%.1f GiB", n / double(1 << 30));
  if (n >= (1 << 20)) return absl::StrFormat("%.1f MiB", n / double(1 << 20));
  if (n >= (1 << 10)) return absl::StrFormat("%.0f KiB", n / double(1 << 10));
  return absl::StrCat(n, " B");
}

constexpr char kUsage[] = R"(gdelt|icews|comtrade|wdi FILE... [options]

Reads each FILE (plain or .zip, as downloaded) and imports its rows: GDELT and
ICEWS events into the events service (--events), Comtrade and WDI figures into
the economics service (--economics). The first word is the dataset: the
layout is detected from the file's first line (GDELT 1.0 or 2.0, Comtrade
classic or Plus, WDI wide or long) and a file of another dataset is refused.
To force a layout, give it as the word instead: gdelt1, gdelt2,
comtrade-classic, comtrade-plus, wdi-wide, wdi-long (no detection). The
column mappings are in docs/import.md.

Records are streamed as the file is read, in messages of --batch records (one
transaction each; a message also ends at 3 MiB), one call per file. Importing
a file again is safe: rows are keyed by (dataset, upstream id) and come back
"unchanged", or "updated" when the row changed.

Options:
  --write_token_file PATH  file holding the servers' write token; else the
                       environment variable DYAD_WRITE_TOKEN (read as the
                       servers read theirs: trimmed; an empty file or a
                       whitespace-only value is an error). Never printed.
  --batch N            records per message, 1..10000 (default 2000)
  --max_errors N       stop when more than N rows are rejected in all, by the
                       importer and by the server (default 1000; 0: stop at the
                       first). The importer's rejections stop the file at once;
                       the server's are known when a file's call ends, so they
                       stop the files after it. Stopping ends the call cleanly:
                       every row read before the stop is imported.
  --show_skipped       also list skipped rows (valid rows Dyad does not import,
                       e.g. WDI aggregates) with their reason
  --no_progress        no progress line (it is drawn on stderr only when
                       stderr is a terminal and --json is not given)

Deadline: an import has none unless the global --timeout is given; then it
bounds each file's call.

Output: per file, a summary line on stdout
  FILE: R rows, N records imported (C created, U updated, S unchanged), K skipped, J rejected in Ts (X rows/s)
then "FILE:LINE: rejected: REASON" for each rejected row (the importer's and
the server's, the first 100 of each). With the global --json, one JSON object
per file per line (JSON Lines) with the fields: path, file, format, rows_read,
skipped, rejected, created, updated, unchanged, seconds, stopped, error
(absent when none) and problems: [{line, kind ("rejected" or "skipped"),
reason}].

Errors: a missing file, a file of another dataset or a truncated .zip is a
one-line "error: ..." on stderr naming the file, and the next file is
imported (rows sent before a truncation are kept). A server error (no or
wrong token, server down) stops the run: the remaining files would fail the
same way.

Exit codes: 0 every file imported with no rejected row; 4 some rows were
rejected or --max_errors stopped the import; 1 a file or server error (it
wins over 4); 2 bad command line.)";

int Import(const Context& ctx, const Args& a) {
  const auto& words = a.positional();
  if (words.empty()) {
    return UsageError(ctx, "import", "expects a dataset (gdelt, icews, comtrade, wdi) and files");
  }
  auto format = imp::ParseFormat(absl::AsciiStrToLower(words[0]));
  if (!format.ok() || *format == imp::Format::kAuto) {
    return UsageError(ctx, "import",
                      absl::StrCat("unknown dataset \"", words[0],
                                   "\": use gdelt, icews, comtrade or wdi (or a layout: gdelt1, "
                                   "gdelt2, comtrade-classic, comtrade-plus, wdi-wide, wdi-long)"));
  }
  if (words.size() < 2) return UsageError(ctx, "import", "no file given");
  Settings st;
  st.format = *format;
  st.events = IsEventFormat(*format);
  auto batch = a.Int("batch", 2000);
  if (!batch.ok()) return UsageError(ctx, "import", std::string(batch.status().message()));
  if (*batch < 1 || *batch > kMaxBatch) {
    return UsageError(ctx, "import", absl::StrCat("--batch: must be 1..", kMaxBatch, ", not ", *batch));
  }
  st.batch = *batch;
  auto max_errors = a.Int("max-errors", 1000);
  if (!max_errors.ok()) return UsageError(ctx, "import", std::string(max_errors.status().message()));
  if (*max_errors < 0) return UsageError(ctx, "import", "--max_errors: must be 0 or more");
  st.max_errors = *max_errors;
  auto token = ReadWriteToken(a.GetOr("write-token-file", ""));
  if (!token.ok()) return UsageError(ctx, "import", std::string(token.status().message()));
  st.token = *token;
  st.progress = ctx.err_is_terminal && !ctx.json && !a.Has("no-progress");
  st.show_skipped = a.Has("show-skipped");

  int exit = kExitOk;
  int64_t rejected = 0;
  for (size_t i = 1; i < words.size(); ++i) {
    grpc::Status rpc;
    FileReport r = ImportOne(ctx, st, words[i], rejected, &rpc);
    rejected += r.rejected;
    if (!r.error.empty()) *ctx.err << "error: " << r.error << "\n";
    if (ctx.json) {
      *ctx.out << ReportJson(r) << "\n";
    } else if (r.error.empty() || r.rows_read > 0) {
      *ctx.out << FormatReport(r, st.show_skipped);
    }
    *ctx.out << std::flush;
    if (!r.error.empty()) exit = kExitRpcError;
    if (exit == kExitOk && (r.rejected > 0 || r.stopped)) exit = kExitRejected;
    if (!rpc.ok() || r.stopped) {
      if (i + 1 < words.size()) {
        std::vector<std::string> rest(words.begin() + i + 1, words.end());
        *ctx.err << "dyad import: " << (r.stopped ? "--max_errors exceeded" : "server error")
                 << "; not imported: " << absl::StrJoin(rest, " ") << "\n";
      }
      break;
    }
  }
  return exit;
}

}  // namespace

std::string Thousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatReport(const FileReport& r, bool show_skipped) {
  const double rate = r.seconds > 0 ? r.rows_read / r.seconds : 0;
  std::string out = absl::StrFormat(
      "%s: %s rows, %s records imported (%s created, %s updated, %s unchanged), %s skipped, %s "
      "rejected in %.1fs (%s rows/s)",
      r.file, Thousands(r.rows_read), Thousands(r.created + r.updated + r.unchanged),
      Thousands(r.created), Thousands(r.updated), Thousands(r.unchanged), Thousands(r.skipped),
      Thousands(r.rejected), r.seconds, Thousands(std::llround(rate)));
  if (r.stopped) {
    absl::StrAppend(&out, "; stopped: more than ", r.max_errors, " rows rejected (--max_errors)");
  }
  if (!r.error.empty()) absl::StrAppend(&out, "; ended by an error");
  out += "\n";
  size_t listed = 0;
  for (const auto& p : r.problems) {
    if (p.kind == "skipped" && !show_skipped) continue;
    if (p.kind == "rejected") ++listed;
    absl::StrAppend(&out, r.file, ":", p.line > 0 ? absl::StrCat(p.line, ":") : "", " ", p.kind,
                    ": ", p.reason, "\n");
  }
  if (static_cast<int64_t>(listed) < r.rejected) {
    absl::StrAppend(&out, r.file, ": ", r.rejected - listed, " more rejected rows not listed\n");
  }
  return out;
}

std::string ReportJson(const FileReport& r) {
  std::string out = absl::StrCat(
      "{\"path\":", JsonString(r.path), ",\"file\":", JsonString(r.file),
      ",\"format\":", JsonString(r.format), ",\"rows_read\":", r.rows_read,
      ",\"skipped\":", r.skipped, ",\"rejected\":", r.rejected, ",\"created\":", r.created,
      ",\"updated\":", r.updated, ",\"unchanged\":", r.unchanged,
      ",\"seconds\":", absl::StrFormat("%.3f", r.seconds),
      ",\"stopped\":", r.stopped ? "true" : "false");
  if (!r.error.empty()) absl::StrAppend(&out, ",\"error\":", JsonString(r.error));
  out += ",\"problems\":[";
  for (size_t i = 0; i < r.problems.size(); ++i) {
    const auto& p = r.problems[i];
    absl::StrAppend(&out, i ? "," : "", "{\"line\":", p.line, ",\"kind\":", JsonString(p.kind),
                    ",\"reason\":", JsonString(p.reason), "}");
  }
  return out + "]}";
}

std::string FormatProgress(const std::string& file, int64_t rows, int64_t bytes,
                           int64_t total_bytes, absl::Duration elapsed) {
  const double secs = absl::ToDoubleSeconds(elapsed);
  const int64_t rate = secs > 0 ? std::llround(rows / secs) : 0;
  std::string out = absl::StrCat(file, "  ", Thousands(rows), " rows  ", Thousands(rate), " rows/s");
  if (total_bytes <= 0 || bytes <= 0) return out;
  bytes = std::min(bytes, total_bytes);
  const double done = static_cast<double>(bytes) / total_bytes;
  const int filled = static_cast<int>(done * 20);
  absl::StrAppend(&out, "  [", std::string(filled, '#'), std::string(20 - filled, '-'), "] ",
                  Bytes(bytes), " of ", Bytes(total_bytes));
  if (secs > 0 && done > 0) {
    const int64_t eta = std::llround(secs * (1 - done) / done);
    absl::StrAppendFormat(&out, "  ETA %d:%02d", eta / 60, eta % 60);
  }
  return out;
}

void RegisterImportCommand(std::map<std::string, Command>& m) {
  m["import"] = {"import", "Import dataset files (GDELT, ICEWS, Comtrade, WDI) into the services",
                 kUsage, {"write-token-file", "batch", "max-errors"},
                 {"show-skipped", "no-progress"}, &Import};
}

}  // namespace dyad::cli
