// dyad-import-bench: throughput of EventService.ImportEvents, GDELT shaped,
// through the streaming RPC into SQLite with every index maintained.
//
//   dyad-import-bench --rows=500000 --batch=2000 --db=/tmp/import-bench.db
//
// The process forks first: the child is the server (EventCore on a SQLite
// file, the real EventServiceImpl, a plugin set with CAMEO-taxonomy kinds
// for the codes the rows use), the parent generates GDELT-shaped Event
// protos in memory (gdelt_shape.h), then streams them and times the
// stream. It samples the server's RSS while
// importing, then reports rows/s, bytes per event on disk, RSS, a second
// import of the same rows (all unchanged) and CountEvents latency for one
// dyad over ten years by month. Figures are printed, never asserted.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "events_server.h"
#include "gdelt_shape.h"

ABSL_FLAG(int, rows, 500000, "GDELT-shaped events to import");
ABSL_FLAG(int, batch, 2000, "Events per ImportEventsRequest message (one transaction each)");
ABSL_FLAG(std::string, db, "", "Events database (default: a fresh file under /tmp)");
ABSL_FLAG(int, seed, 1, "Random seed");
ABSL_FLAG(bool, second_pass, true, "Import the same rows again (all unchanged) and time it");
ABSL_FLAG(int, rows_per_day, 150000,
          "Rows per daily export file, as GDELT 1.0 publishes about 150k-250k events a day: "
          "90% of a file's events are dated that day, 8% in the 30 days before, 2% up to ten "
          "years before. 0: every date uniform over ten years (a worst case no GDELT file has)");

namespace {

using namespace dyad::events::v1;  // NOLINT
using dyad::bench::CpuSeconds;
using dyad::bench::RssKb;

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

std::vector<ImportEventsRequest> Generate(int rows, int batch, int seed, int rows_per_day) {
  dyad::bench::GdeltGenerator gen(seed, rows_per_day);
  std::vector<ImportEventsRequest> out;
  for (int i = 0; i < rows; i += batch) {
    out.emplace_back();
    gen.Fill(std::min(batch, rows - i), &out.back());
  }
  return out;
}

struct Pass {
  double seconds = 0;
  ImportEventsResponse summary;
  grpc::Status status;
  int64_t peak_rss_kb = 0;
  double server_cpu_seconds = 0;
  std::vector<int64_t> rss_samples_kb;  // one a second
};

Pass Stream(EventService::Stub* stub, const std::vector<ImportEventsRequest>& messages,
            pid_t server) {
  Pass pass;
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{0};
  const double cpu_before = CpuSeconds(server);
  std::thread sampler([&] {
    for (int i = 0; i < 36000 && !done.load(); ++i) {  // at most an hour
      const int64_t rss = RssKb(server);
      peak = std::max<int64_t>(peak.load(), rss);
      if (i % 10 == 0) pass.rss_samples_kb.push_back(rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", dyad::bench::kBenchToken));
  const absl::Time start = absl::Now();
  auto writer = stub->ImportEvents(&ctx, &pass.summary);
  for (const auto& m : messages) {
    if (!writer->Write(m)) break;
  }
  writer->WritesDone();
  pass.status = writer->Finish();
  pass.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  done = true;
  sampler.join();
  pass.peak_rss_kb = std::max<int64_t>(peak.load(), RssKb(server));
  pass.server_cpu_seconds = CpuSeconds(server) - cpu_before;
  return pass;
}

void Print(const char* what, const Pass& p, int rows) {
  printf("%s: %d rows in %.2f s = %.0f rows/s; created %lld updated %lld unchanged %lld "
         "rejected %lld; server peak RSS %.1f MiB%s%s\n",
         what, rows, p.seconds, rows / p.seconds, static_cast<long long>(p.summary.created()),
         static_cast<long long>(p.summary.updated()),
         static_cast<long long>(p.summary.unchanged()),
         static_cast<long long>(p.summary.rejected()), p.peak_rss_kb / 1024.0,
         p.status.ok() ? "" : "; ERROR: ", p.status.error_message().c_str());
  printf("  server CPU %.2f s = %.1f us/row", p.server_cpu_seconds,
         p.server_cpu_seconds * 1e6 / rows);
  // RSS over the pass, one sample a second (at most 20 shown, evenly spread).
  printf("; RSS MiB:");
  const size_t n = p.rss_samples_kb.size(), step = std::max<size_t>(1, (n + 19) / 20);
  for (size_t i = 0; i < n; i += step) printf(" %.0f", p.rss_samples_kb[i] / 1024.0);
  printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int rows = std::max(1, absl::GetFlag(FLAGS_rows));
  const int batch = std::clamp(absl::GetFlag(FLAGS_batch), 1, 10000);
  std::string db = absl::GetFlag(FLAGS_db);
  if (db.empty()) db = absl::StrCat("/tmp/dyad-import-bench-", getpid(), ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((db + suffix).c_str());

  // Fork before any gRPC state exists in this process.
  const dyad::bench::EventsServer server_process = dyad::bench::StartEventsServer(db);
  if (server_process.pid < 0) return 1;
  const pid_t server = server_process.pid;
  const int port = server_process.port;

  const absl::Time gen_start = absl::Now();
  const auto messages =
      Generate(rows, batch, absl::GetFlag(FLAGS_seed), absl::GetFlag(FLAGS_rows_per_day));
  int64_t wire_bytes = 0;
  for (const auto& m : messages) wire_bytes += static_cast<int64_t>(m.ByteSizeLong());
  printf("generated %d GDELT-shaped events in %zu messages of %d (%.1f MiB on the wire, %.0f "
         "bytes/event) in %.1f s\n",
         rows, messages.size(), batch, wire_bytes / 1048576.0,
         static_cast<double>(wire_bytes) / rows, absl::ToDoubleSeconds(absl::Now() - gen_start));

  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  auto stub = EventService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args));
  const int64_t rss_before = RssKb(server);
  printf("server RSS before import: %.1f MiB\n", rss_before / 1024.0);
  const Pass first = Stream(stub.get(), messages, server);
  Print("import", first, rows);
  printf("server RSS after import: %.1f MiB\n", RssKb(server) / 1024.0);
  if (first.status.ok() && absl::GetFlag(FLAGS_second_pass)) {
    const Pass second = Stream(stub.get(), messages, server);
    Print("same rows again", second, rows);
  }

  // CountEvents for the busy dyad, ten years by month.
  std::vector<double> ms;
  int64_t total = 0;
  for (int i = 0; i < 21; ++i) {
    CountEventsRequest req;
    req.add_countries("AZE");
    req.add_countries("GEO");
    req.mutable_period()->mutable_start()->set_year(2015);
    req.mutable_period()->mutable_end()->set_year(2024);
    req.set_granularity(GRANULARITY_MONTH);
    grpc::ClientContext ctx;
    CountEventsResponse resp;
    const absl::Time t = absl::Now();
    grpc::Status s = stub->CountEvents(&ctx, req, &resp);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
    if (!s.ok()) {
      fprintf(stderr, "CountEvents: %s\n", s.error_message().c_str());
      break;
    }
    total = resp.total();
  }
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    printf("CountEvents AZE-GEO 2015..2024 by month: %lld events, p50 %.2f ms (21 calls)\n",
           static_cast<long long>(total), ms[ms.size() / 2]);
  }

  dyad::bench::StopEventsServer(server_process);
  // The server checkpointed its WAL on close: the file is the whole state.
  const int64_t bytes = FileSize(db) + FileSize(db + "-wal");
  printf("database %s: %.1f MiB = %.0f bytes/event (all tables and indexes)\n", db.c_str(),
         bytes / 1048576.0, static_cast<double>(bytes) / rows);
  return first.status.ok() ? 0 : 1;
}
