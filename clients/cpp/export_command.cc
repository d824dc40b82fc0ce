// `dyad export events|observations|institutions`: one server-streaming
// Export call written out as CSV or JSON Lines (columns: export_format.h,
// docs/export.md). Each message is written and flushed whole before its
// resume token is kept, so when the connection breaks the export goes on
// from the last token on a new call and no row is written twice or lost;
// with --out, the token and the file's length after that message are also
// kept in FILE.resume, so `--resume` continues an export whose process
// was killed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "export_format.h"

namespace dyad::cli {
namespace {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;

// New calls after a broken connection, in a row without a message between.
constexpr int kMaxRetries = 5;

enum class Format { kCsv, kJsonl };

// What differs between the three record types: how to open the stream from
// a position, and how a message becomes lines.
struct Plan {
  std::string target;
  std::shared_ptr<grpc::Channel> channel;
  std::vector<std::string> columns;
  // Reads the whole stream from `token`, calling `on_message` with each
  // message's lines, record count, resume token and estimated total.
  std::function<grpc::Status(grpc::ClientContext*, const std::string& token,
                             const std::function<void(std::string lines, int64_t records,
                                                      const std::string& resume_token,
                                                      int64_t estimated_total)>& on_message)>
      run;
};

template <typename Request, typename Response, typename Record>
std::function<grpc::Status(grpc::ClientContext*, const std::string&,
                           const std::function<void(std::string, int64_t, const std::string&,
                                                    int64_t)>&)>
MakeRun(std::function<std::unique_ptr<grpc::ClientReader<Response>>(grpc::ClientContext*,
                                                                     const Request&)>
            open,
        Request request,
        std::function<const google::protobuf::RepeatedPtrField<Record>&(const Response&)> records,
        std::function<std::vector<std::string>(const Record&)> row, Format format) {
  return [=](grpc::ClientContext* call, const std::string& token, const auto& on_message) {
    Request req = request;
    req.set_resume_token(token);
    auto reader = open(call, req);
    Response resp;
    while (reader->Read(&resp)) {
      std::string lines;
      for (const Record& r : records(resp)) {
        absl::StrAppend(&lines, format == Format::kCsv ? CsvLine(row(r)) : JsonLine(r));
      }
      on_message(std::move(lines), records(resp).size(), resp.resume_token(),
                 resp.estimated_total());
    }
    return reader->Finish();
  };
}

absl::StatusOr<std::optional<std::string>> ReadToken(const std::string& file) {
  std::string text;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("--read_token_file: cannot read ", file));
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else if (const char* v = std::getenv("DYAD_READ_TOKEN"); v != nullptr) {
    text = v;
  } else {
    return std::optional<std::string>();
  }
  std::string token(absl::StripAsciiWhitespace(text));
  if (token.empty()) return absl::InvalidArgumentError("the read token is empty");
  return std::optional<std::string>(token);
}

bool Retryable(const grpc::Status& s) {
  // A broken connection shows as UNAVAILABLE (or, mid-message, as an
  // internal framing error); the server itself never answers these to a
  // valid export.
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::INTERNAL ||
         s.error_code() == grpc::StatusCode::UNKNOWN;
}

// FILE.resume: "<bytes of FILE after the last whole message> <token>\n".
struct ResumePoint {
  int64_t offset = 0;
  std::string token;
};

absl::StatusOr<ResumePoint> LoadResumePoint(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, " not found: nothing to resume (--resume needs ",
                                            "the --out file of an unfinished export)"));
  }
  ResumePoint p;
  std::string offset;
  in >> offset >> p.token;
  if (!absl::SimpleAtoi(offset, &p.offset) || p.offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a resume file"));
  }
  return p;
}

bool SaveResumePoint(const std::string& path, const ResumePoint& p) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << p.offset << " " << p.token << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int Export(const Context& ctx, const Args& a) {
  const std::string cmd = "export";
  if (a.positional().size() != 1) {
    return UsageError(ctx, cmd, "expects what to export: events, observations or institutions");
  }
  const std::string what = a.positional()[0];
  Format format = Format::kCsv;
  const std::string format_name = a.GetOr("format", "csv");
  if (format_name == "jsonl") {
    format = Format::kJsonl;
  } else if (format_name != "csv") {
    return UsageError(ctx, cmd, "--format: csv or jsonl, got \"" + format_name + "\"");
  }
  auto token = ReadToken(a.GetOr("read-token-file", ""));
  if (!token.ok()) return UsageError(ctx, cmd, std::string(token.status().message()));

  // Filters, as the list commands read them.
  dyad::type::v1::DateRange period;
  for (const char* side : {"from", "to"}) {
    auto d = a.Date(side);
    if (!d.ok()) return UsageError(ctx, cmd, std::string(d.status().message()));
    if (*d) *(std::string(side) == "from" ? period.mutable_start() : period.mutable_end()) = **d;
  }
  std::vector<std::string> countries =
      a.Has("any-country") ? std::vector<std::string>{}
                           : (a.Get("countries") ? a.List("countries") : ctx.countries);
  dyad::type::v1::Origin origin = dyad::type::v1::ORIGIN_UNSPECIFIED;
  if (auto o = a.Get("origin")) {
    if (*o == "curated") {
      origin = dyad::type::v1::ORIGIN_CURATED;
    } else if (*o == "machine_coded" || *o == "machine-coded") {
      origin = dyad::type::v1::ORIGIN_MACHINE_CODED;
    } else {
      return UsageError(ctx, cmd, "--origin: curated or machine_coded, got \"" + *o + "\"");
    }
  }
  auto split = [&](const std::string& name) {
    std::vector<std::string> out;
    for (auto p : absl::StrSplit(a.GetOr(name, ""), ',', absl::SkipEmpty())) out.emplace_back(p);
    return out;
  };

  Plan plan;
  if (what == "events") {
    ev::ExportEventsRequest req;
    for (const auto& c : countries) req.add_countries(c);
    if (period.has_start() || period.has_end()) *req.mutable_period() = period;
    for (const auto& k : split("kinds")) req.add_kinds(k);
    for (const auto& d : split("domains")) req.add_domains(d);
    req.set_query(a.GetOr("query", ""));
    req.set_origin(origin);
    plan.channel = ctx.Channel(ctx.events);
    std::shared_ptr<ev::EventService::Stub> stub = ev::EventService::NewStub(plan.channel);
    plan.target = ctx.events;
    plan.columns = EventColumns();
    plan.run = MakeRun<ev::ExportEventsRequest, ev::ExportEventsResponse, ev::Event>(
        [stub](grpc::ClientContext* c, const ev::ExportEventsRequest& r) {
          return stub->ExportEvents(c, r);
        },
        req, [](const ev::ExportEventsResponse& r) -> const auto& { return r.events(); },
        [](const ev::Event& e) { return EventRow(e); }, format);
  } else if (what == "observations") {
    ec::ExportObservationsRequest req;
    req.set_indicator(a.GetOr("indicator", ""));
    for (const auto& c : countries) req.add_countries(c);
    if (period.has_start() || period.has_end()) *req.mutable_period() = period;
    req.set_origin(origin);
    req.set_commodity(a.GetOr("commodity", ""));
    plan.channel = ctx.Channel(ctx.economics);
    std::shared_ptr<ec::EconomicsService::Stub> stub = ec::EconomicsService::NewStub(plan.channel);
    plan.target = ctx.economics;
    plan.columns = ObservationColumns();
    plan.run = MakeRun<ec::ExportObservationsRequest, ec::ExportObservationsResponse,
                       ec::Observation>(
        [stub](grpc::ClientContext* c, const ec::ExportObservationsRequest& r) {
          return stub->ExportObservations(c, r);
        },
        req, [](const ec::ExportObservationsResponse& r) -> const auto& { return r.observations(); },
        [](const ec::Observation& o) { return ObservationRow(o); }, format);
  } else if (what == "institutions") {
    in::ExportInstitutionsRequest req;
    for (const auto& k : split("kinds")) req.add_kinds(k);
    for (const auto& c : countries) req.add_countries(c);
    req.set_host_country(a.GetOr("host-country", ""));
    req.set_city(a.GetOr("city", ""));
    if (period.has_start() || period.has_end()) *req.mutable_founded() = period;
    req.set_query(a.GetOr("query", ""));
    plan.channel = ctx.Channel(ctx.institutions);
    std::shared_ptr<in::InstitutionService::Stub> stub =
        in::InstitutionService::NewStub(plan.channel);
    plan.target = ctx.institutions;
    plan.columns = InstitutionColumns();
    plan.run = MakeRun<in::ExportInstitutionsRequest, in::ExportInstitutionsResponse,
                       in::Institution>(
        [stub](grpc::ClientContext* c, const in::ExportInstitutionsRequest& r) {
          return stub->ExportInstitutions(c, r);
        },
        req, [](const in::ExportInstitutionsResponse& r) -> const auto& { return r.institutions(); },
        [](const in::Institution& i) { return InstitutionRow(i); }, format);
  } else {
    return UsageError(ctx, cmd,
                      "expects events, observations or institutions, got \"" + what + "\"");
  }
  if ((what == "events" &&
       (a.Get("indicator") || a.Get("commodity") || a.Get("host-country") || a.Get("city"))) ||
      (what != "events" && a.Get("domains")) || (what == "observations" && (a.Get("kinds") || a.Get("query"))) ||
      (what == "institutions" && a.Get("origin"))) {
    return UsageError(ctx, cmd, "a filter of another record type was given (see --help)");
  }

  // The output, and where to start.
  const std::string out_path = a.GetOr("out", "");
  const std::string resume_path = out_path.empty() ? "" : out_path + ".resume";
  std::string position = a.GetOr("resume-token", "");
  std::unique_ptr<std::ofstream> file;
  std::ostream* out = ctx.out;
  bool header = format == Format::kCsv;
  if (a.Has("resume")) {
    if (out_path.empty()) return UsageError(ctx, cmd, "--resume needs --out FILE");
    auto p = LoadResumePoint(resume_path);
    if (!p.ok()) {
      *ctx.err << "dyad export: " << p.status().message() << "\n";
      return kExitUsage;
    }
    if (truncate(out_path.c_str(), p->offset) != 0) {
      *ctx.err << "dyad export: cannot truncate " << out_path << " to " << p->offset << " bytes\n";
      return kExitUsage;
    }
    position = p->token;
    header = header && p->offset == 0;
    file = std::make_unique<std::ofstream>(out_path, std::ios::binary | std::ios::app);
  } else if (!out_path.empty()) {
    file = std::make_unique<std::ofstream>(out_path, std::ios::binary | std::ios::trunc);
  }
  if (file) {
    if (!*file) {
      *ctx.err << "dyad export: cannot write " << out_path << "\n";
      return kExitUsage;
    }
    out = file.get();
  }
  if (header) *out << CsvLine(plan.columns);
  int64_t offset = file ? static_cast<int64_t>(file->tellp()) : 0;
  if (file) SaveResumePoint(resume_path, {offset, position});

  // Progress: on a terminal (or with --progress), at most every 200 ms.
  const bool progress = a.Has("progress") || (ctx.err_is_terminal && !a.Has("no-progress"));
  const bool redraw = ctx.err_is_terminal;
  const auto start = std::chrono::steady_clock::now();
  auto last_shown = start - std::chrono::seconds(10);
  int64_t rows = 0, bytes = 0, total = -1;
  auto show = [&](bool final) {
    const auto now = std::chrono::steady_clock::now();
    if (!final && now - last_shown < std::chrono::milliseconds(redraw ? 200 : 1000)) return;
    last_shown = now;
    const double secs = std::chrono::duration<double>(now - start).count();
    std::string line = absl::StrFormat("%d", rows);
    if (total >= 0) absl::StrAppend(&line, absl::StrFormat(" of ~%d", total));
    absl::StrAppend(&line, absl::StrFormat(" %s, %.1f MB, %.0f rows/s", what, bytes / 1e6,
                                           secs > 0 ? rows / secs : 0.0));
    *ctx.err << (redraw ? "\r" : "") << line << (redraw && !final ? "" : "\n") << std::flush;
  };

  int attempt = 0;
  grpc::Status status;
  for (;;) {
    grpc::ClientContext call;
    if (ctx.timeout_given) call.set_deadline(absl::ToChronoTime(absl::Now() + ctx.timeout));
    if (*token) call.AddMetadata("authorization", "Bearer " + **token);
    bool write_failed = false;
    status = plan.run(&call, position, [&](std::string lines, int64_t n, const std::string& tok,
                                           int64_t estimated) {
      if (write_failed) return;
      if (estimated > 0 && total < 0) total = estimated;
      out->write(lines.data(), static_cast<std::streamsize>(lines.size()));
      out->flush();
      if (!*out) {
        write_failed = true;
        call.TryCancel();
        return;
      }
      rows += n;
      bytes += static_cast<int64_t>(lines.size());
      offset += static_cast<int64_t>(lines.size());
      position = tok;
      attempt = 0;
      if (file) SaveResumePoint(resume_path, {offset, position});
      if (progress) show(false);
    });
    if (write_failed) {
      *ctx.err << "\ndyad export: cannot write " << (out_path.empty() ? "the output" : out_path)
               << "\n";
      return kExitRpcError;
    }
    if (status.ok() || !Retryable(status) || attempt >= kMaxRetries) break;
    ++attempt;
    *ctx.err << (progress && redraw ? "\n" : "") << "dyad export: connection lost after " << rows
             << " " << what << " (" << status.error_message() << "); resuming (" << attempt
             << " of " << kMaxRetries << ")\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    // A new connection, rather than a call failing at once while the
    // channel backs off.
    (void)plan.channel->WaitForConnected(
        std::chrono::system_clock::now() + std::chrono::seconds(5 << attempt));
  }
  if (progress) show(true);
  if (!status.ok()) {
    if (!position.empty()) {
      *ctx.err << "dyad export: stopped after " << rows << " " << what << "; continue with "
               << (file ? "--resume" : "--resume-token " + position) << "\n";
    }
    return RpcError(ctx, status, plan.target);
  }
  if (file) std::remove(resume_path.c_str());
  return kExitOk;
}

constexpr char kUsage[] = R"(events|observations|institutions [options]

Writes every matching record, with no page limit, as CSV (a header, then one
row per record; columns in docs/export.md) or JSON Lines (one proto3 JSON
record per line). A broken connection is resumed from the last whole message
(up to 5 times in a row), so every record is written exactly once.

Options:
  --format csv|jsonl     output format (default csv)
  --out FILE             write FILE (default standard output); FILE.resume
                         keeps the position until the export completes
  --resume               continue the unfinished export into --out FILE
  --resume-token TOKEN   start after this position (printed when an export
                         to standard output stops)
  --progress, --no-progress
                         rows and rows/s on stderr (default: when stderr is a
                         terminal)
  --read_token_file PATH the servers' read token (else DYAD_READ_TOKEN)
Filters (as the list commands):
  --countries A,B        every listed country takes part (default: the dyad);
  --any-country          no country filter
  --from DATE, --to DATE period (2015, 2015-04, 2015-04-27)
  events:        --origin curated|machine_coded  --kinds K,...  --domains D,...
                 --query TEXT
  observations:  --indicator ID  --commodity CODE  --origin curated|machine_coded
  institutions:  --kinds K,...  --host-country C  --city NAME  --query TEXT;
                 --from/--to bound the founding date
)";

}  // namespace

void RegisterExportCommand(std::map<std::string, Command>& m) {
  m["export"] = {"export",
                 "stream every matching event, observation or institution as CSV or JSON Lines",
                 kUsage,
                 {"format", "out", "resume-token", "read-token-file", "countries", "from", "to",
                  "origin", "kinds", "domains", "query", "indicator", "commodity", "host-country",
                  "city"},
                 {"resume", "progress", "no-progress", "any-country"},
                 Export};
}

}  // namespace dyad::cli
