// dyad-store-bench: the events service on SQLite and on PostgreSQL, the
// same calls in one run (issue 12's figures). For each engine a server is
// forked (the real EventServiceImpl over EventCore, ListEvents result cache
// off, PostgreSQL through a pool of --pool_size connections), then, one
// engine after the other:
//   - ImportEvents: --rows GDELT-shaped rows (bench/gdelt_shape.h) in
//     messages of --batch, one stream; rows/s, server CPU, peak RSS;
//   - GetEvent of random imported rows, one call at a time (p50/p95,
//     calls/s) and from --threads clients at once (calls/s);
//   - ListEvents for the busy dyad (AZE-GEO) over ten years (2015-2024),
//     first page of 50 with its total_size;
//   - CountEvents for that dyad over ten years by month (monthly totals),
//     and by month and kind (every event of the dyad read).
// Then one table: each figure for both engines and PostgreSQL / SQLite.
// Figures are printed, never asserted.
//
//   bench/store_bench.sh [--rows=200000]   (starts a throw-away PostgreSQL 15)
//   dyad-store-bench --sqlite=/tmp/s.db --pg=postgresql:///bench?host=/tmp/pg
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "common/pg/connection.h"
#include "events_server.h"
#include "gdelt_shape.h"

ABSL_FLAG(std::string, sqlite, "", "SQLite database file (default: a fresh file under /tmp)");
ABSL_FLAG(std::string, pg, "", "PostgreSQL URI of an empty database (required)");
ABSL_FLAG(int, pool_size, 4, "PostgreSQL connections of the server (--db_pool_size)");
ABSL_FLAG(int, rows, 200000, "GDELT-shaped rows to import");
ABSL_FLAG(int, batch, 2000, "Rows per ImportEventsRequest message (one transaction each)");
ABSL_FLAG(int, rows_per_day, 150000, "As for dyad-import-bench (gdelt_shape.h)");
ABSL_FLAG(int, calls, 2000, "Timed GetEvent calls per engine (after 10% warm-up)");
ABSL_FLAG(int, query_calls, 100, "Timed ListEvents / CountEvents calls per engine");
ABSL_FLAG(int, threads, 4, "Concurrent clients for the GetEvent throughput figure");
ABSL_FLAG(int, seed, 1, "Random seed");
ABSL_FLAG(int, pg_pid, 0, "PostgreSQL's postmaster pid, to count its CPU (store_bench.sh sets it)");

namespace {

using namespace dyad::events::v1;  // NOLINT
using dyad::bench::CpuSeconds;
using dyad::bench::RssKb;

// CPU seconds of the PostgreSQL server: the postmaster `root` and every
// process it started (backends, WAL writer, checkpointer).
double TreeCpuSeconds(pid_t root) {
  if (root <= 0) return 0;
  double total = CpuSeconds(root);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string state;
    long long ppid = 0;
    rest >> state >> ppid;
    if (ppid == root) total += CpuSeconds(std::atoi(name.c_str()));
  }
  return total;
}

// Call latencies gathered over several rounds.
struct Samples {
  std::vector<double> ms;
  double seconds = 0;  // wall time of the timed calls
  int64_t answer = 0;
  std::string error;
  double p(int percent) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, ms.size() * percent / 100)];
  }
  double per_second() const { return seconds > 0 ? ms.size() / seconds : 0; }
};

// Adds `calls` timed calls, one at a time.
void Measure(int calls, Samples* out, const std::function<grpc::Status(int i, int64_t*)>& call) {
  const absl::Time round_start = absl::Now();
  for (int i = 0; i < calls; ++i) {
    const absl::Time start = absl::Now();
    grpc::Status s = call(static_cast<int>(out->ms.size()), &out->answer);
    if (!s.ok()) {
      out->error = s.error_message();
      return;
    }
    out->ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  out->seconds += absl::ToDoubleSeconds(absl::Now() - round_start);
}

struct Engine {
  std::string name;
  dyad::bench::EventsServer server;
  pid_t db_server = -1;  // PostgreSQL's postmaster, when known
  std::unique_ptr<EventService::Stub> stub;
  double import_rows_per_s = 0, import_cpu_us_per_row = 0, db_cpu_us_per_row = 0;
  double again_rows_per_s = 0;
  int64_t created = 0, unchanged = 0;
  int64_t rss_before_kb = 0, peak_rss_kb = 0, rss_after_kb = 0;
  Samples get, get_parallel, list, count_month, count_kind;
  std::string error;
};

struct ImportPass {
  double seconds = 0, cpu = 0, db_cpu = 0;
  int64_t peak_rss_kb = 0;
  ImportEventsResponse summary;
  grpc::Status status;
};

ImportPass Import(Engine& e, const std::vector<ImportEventsRequest>& messages) {
  const pid_t server = e.server.pid;
  ImportPass pass;
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{0};
  const double cpu_before = CpuSeconds(server), db_before = TreeCpuSeconds(e.db_server);
  std::thread sampler([&] {
    while (!done.load()) {
      peak = std::max<int64_t>(peak.load(), RssKb(server));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", dyad::bench::kBenchToken));
  const absl::Time start = absl::Now();
  auto writer = e.stub->ImportEvents(&ctx, &pass.summary);
  for (const auto& m : messages) {
    if (!writer->Write(m)) break;
  }
  writer->WritesDone();
  pass.status = writer->Finish();
  pass.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  done = true;
  sampler.join();
  pass.cpu = CpuSeconds(server) - cpu_before;
  pass.db_cpu = TreeCpuSeconds(e.db_server) - db_before;
  pass.peak_rss_kb = std::max<int64_t>(peak.load(), RssKb(server));
  return pass;
}

void Connect(Engine& e) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(64 << 20);
  args.SetMaxReceiveMessageSize(64 << 20);
  e.stub = EventService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", e.server.port), grpc::InsecureChannelCredentials(), args));
  e.rss_before_kb = RssKb(e.server.pid);
}

void ImportBoth(std::vector<Engine>& engines, const std::vector<ImportEventsRequest>& messages,
                int rows, bool again) {
  for (Engine& e : engines) {
    if (!e.error.empty()) continue;
    const ImportPass pass = Import(e, messages);
    if (!pass.status.ok()) {
      e.error = "import: " + pass.status.error_message();
      continue;
    }
    if (again) {
      e.again_rows_per_s = rows / pass.seconds;
      e.unchanged = pass.summary.unchanged();
    } else {
      e.import_rows_per_s = rows / pass.seconds;
      e.import_cpu_us_per_row = pass.cpu * 1e6 / rows;
      e.db_cpu_us_per_row = pass.db_cpu * 1e6 / rows;
      e.created = pass.summary.created();
      e.peak_rss_kb = pass.peak_rss_kb;
    }
    fprintf(stderr, "%s: %s %.0f rows/s\n", e.name.c_str(), again ? "again" : "import",
            rows / pass.seconds);
  }
}

// The read calls, in `rounds` rounds that alternate between the engines,
// so that other work on the machine weighs on both alike.
void ReadBoth(std::vector<Engine>& engines, int rows, int rounds) {
  std::mt19937_64 rng(7);
  std::vector<std::string> names;
  for (int i = 0; i < 4096; ++i) {
    names.push_back(
        absl::StrCat("events/gdelt-2-0-", 1000000000 + static_cast<int64_t>(rng() % rows)));
  }
  const int calls = std::max(rounds, absl::GetFlag(FLAGS_calls)) / rounds;
  const int query_calls = std::max(rounds, absl::GetFlag(FLAGS_query_calls)) / rounds;
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  for (int round = 0; round < rounds + 1; ++round) {
    const bool warm_up = round == 0;
    for (Engine& e : engines) {
      if (!e.error.empty()) continue;
      Samples scratch;
      Samples* get = warm_up ? &scratch : &e.get;
      Measure(calls, get, [&](int i, int64_t* answer) {
        GetEventRequest req;
        req.set_name(names[i % names.size()]);
        grpc::ClientContext ctx;
        Event ev;
        grpc::Status s = e.stub->GetEvent(&ctx, req, &ev);
        *answer = ev.date().year();
        return s;
      });
      {
        std::atomic<int64_t> done{0};
        std::vector<std::thread> pool;
        const absl::Time start = absl::Now();
        for (int t = 0; t < threads; ++t) {
          pool.emplace_back([&, t] {
            for (int i = 0; i < calls / threads; ++i) {
              GetEventRequest req;
              req.set_name(names[(round * 131 + t * 997 + i) % names.size()]);
              grpc::ClientContext ctx;
              Event ev;
              if (e.stub->GetEvent(&ctx, req, &ev).ok()) ++done;
            }
          });
        }
        for (auto& t : pool) t.join();
        if (!warm_up) {
          e.get_parallel.seconds += absl::ToDoubleSeconds(absl::Now() - start);
          e.get_parallel.ms.resize(e.get_parallel.ms.size() + done.load());
        }
      }
      Measure(query_calls, warm_up ? &scratch : &e.list, [&](int, int64_t* answer) {
        ListEventsRequest req;
        req.add_countries("AZE");
        req.add_countries("GEO");
        req.mutable_period()->mutable_start()->set_year(2015);
        req.mutable_period()->mutable_end()->set_year(2024);
        req.set_page_size(50);
        grpc::ClientContext ctx;
        ListEventsResponse resp;
        grpc::Status s = e.stub->ListEvents(&ctx, req, &resp);
        *answer = resp.total_size();
        return s;
      });
      for (bool by_kind : {false, true}) {
        Samples* out = warm_up ? &scratch : by_kind ? &e.count_kind : &e.count_month;
        Measure(query_calls, out, [&](int, int64_t* answer) {
          CountEventsRequest req;
          req.add_countries("AZE");
          req.add_countries("GEO");
          req.mutable_period()->mutable_start()->set_year(2015);
          req.mutable_period()->mutable_end()->set_year(2024);
          req.set_granularity(GRANULARITY_MONTH);
          if (by_kind) req.set_group_by(COUNT_GROUP_KIND);
          grpc::ClientContext ctx;
          CountEventsResponse resp;
          grpc::Status s = e.stub->CountEvents(&ctx, req, &resp);
          *answer = resp.total();
          return s;
        });
      }
      if (!scratch.error.empty()) e.error = scratch.error;
      for (Samples* x : {&e.get, &e.list, &e.count_month, &e.count_kind}) {
        if (!x->error.empty()) e.error = x->error;
      }
    }
  }
  for (Engine& e : engines) e.rss_after_kb = RssKb(e.server.pid);
}

void Row(const char* what, double sqlite, double pg, const char* unit, int precision = 0) {
  printf("| %s | %.*f %s | %.*f %s | %.2f× |\n", what, precision, sqlite, unit, precision, pg,
         unit, sqlite > 0 ? pg / sqlite : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string pg = absl::GetFlag(FLAGS_pg);
  if (pg.empty()) {
    fprintf(stderr, "usage: dyad-store-bench --pg=postgresql://... [--sqlite=FILE] [--rows=N]\n"
                    "(bench/store_bench.sh starts a throw-away PostgreSQL)\n");
    return 2;
  }
  std::string sqlite = absl::GetFlag(FLAGS_sqlite);
  if (sqlite.empty()) sqlite = absl::StrCat("/tmp/dyad-store-bench-", getpid(), ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((sqlite + suffix).c_str());
  const int rows = std::max(1, absl::GetFlag(FLAGS_rows));
  const int batch = std::clamp(absl::GetFlag(FLAGS_batch), 1, 10000);
  const int pool_size = std::max(1, absl::GetFlag(FLAGS_pool_size));

  // Both servers are forked before any gRPC state exists in this process.
  const auto lite = dyad::bench::StartEventsServer(sqlite, 0);
  const auto pgs = dyad::bench::StartEventsServer(pg, 0, pool_size);
  if (lite.pid < 0 || pgs.pid < 0) {
    dyad::bench::StopEventsServer(lite);
    dyad::bench::StopEventsServer(pgs);
    return 1;
  }
  dyad::bench::GdeltGenerator gen(absl::GetFlag(FLAGS_seed), absl::GetFlag(FLAGS_rows_per_day));
  std::vector<ImportEventsRequest> messages;
  for (int i = 0; i < rows; i += batch) {
    messages.emplace_back();
    gen.Fill(std::min(batch, rows - i), &messages.back());
  }
  std::vector<Engine> engines(2);
  engines[0].name = "SQLite";
  engines[0].server = lite;
  engines[1].name = "PostgreSQL";
  engines[1].server = pgs;
  engines[1].db_server = absl::GetFlag(FLAGS_pg_pid);
  for (Engine& e : engines) Connect(e);
  ImportBoth(engines, messages, rows, /*again=*/false);
  ImportBoth(engines, messages, rows, /*again=*/true);
  // What autovacuum would do after a bulk load, done now rather than in
  // the middle of the timed reads (SQLite has nothing of the kind).
  double vacuum_seconds = 0;
  {
    const absl::Time start = absl::Now();
    auto conn = dyad::pg::Connection::Open(pg, "", absl::Seconds(10));
    if (conn.ok()) {
      if (auto s = (*conn)->Execute("VACUUM ANALYZE"); !s.ok()) {
        fprintf(stderr, "VACUUM ANALYZE: %s\n", std::string(s.message()).c_str());
      }
    }
    vacuum_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  }
  ReadBoth(engines, rows, /*rounds=*/10);
  dyad::bench::StopEventsServer(lite);
  dyad::bench::StopEventsServer(pgs);
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((sqlite + suffix).c_str());
  for (const Engine& e : engines) {
    if (!e.error.empty()) {
      fprintf(stderr, "%s: %s\n", e.name.c_str(), e.error.c_str());
      return 1;
    }
  }
  Engine& a = engines[0];
  Engine& b = engines[1];
  printf("dyad-store-bench: %d GDELT-shaped rows in messages of %d (rows_per_day %d); "
         "PostgreSQL pool_size %d; ListEvents cache off; %d GetEvent calls, %d per query, "
         "in 10 rounds alternating between the engines, after VACUUM ANALYZE on PostgreSQL "
         "(%.1f s)\n\n",
         rows, batch, absl::GetFlag(FLAGS_rows_per_day), pool_size, absl::GetFlag(FLAGS_calls),
         absl::GetFlag(FLAGS_query_calls), vacuum_seconds);
  printf("| | SQLite | PostgreSQL | PG / SQLite |\n|---|---|---|---|\n");
  Row("import, rows/s", a.import_rows_per_s, b.import_rows_per_s, "");
  Row("import, dyad-events CPU per row", a.import_cpu_us_per_row, b.import_cpu_us_per_row, "µs",
      1);
  if (b.db_server > 0) {
    Row("import, dyad-events + PostgreSQL server CPU per row", a.import_cpu_us_per_row,
        b.import_cpu_us_per_row + b.db_cpu_us_per_row, "µs", 1);
  }
  Row("same rows again (all unchanged), rows/s", a.again_rows_per_s, b.again_rows_per_s, "");
  Row("GetEvent p50", a.get.p(50), b.get.p(50), "ms", 3);
  Row("GetEvent p95", a.get.p(95), b.get.p(95), "ms", 3);
  Row("GetEvent, one client, calls/s", a.get.per_second(), b.get.per_second(), "");
  Row("GetEvent, clients at once, calls/s", a.get_parallel.per_second(),
      b.get_parallel.per_second(), "");
  Row("ListEvents dyad ten years p50", a.list.p(50), b.list.p(50), "ms", 2);
  Row("ListEvents dyad ten years p95", a.list.p(95), b.list.p(95), "ms", 2);
  Row("CountEvents ten years by month p50", a.count_month.p(50), b.count_month.p(50), "ms", 2);
  Row("CountEvents ten years by month and kind p50", a.count_kind.p(50), b.count_kind.p(50), "ms",
      2);
  Row("server RSS at start", a.rss_before_kb / 1024.0, b.rss_before_kb / 1024.0, "MiB", 1);
  Row("server peak RSS while importing", a.peak_rss_kb / 1024.0, b.peak_rss_kb / 1024.0, "MiB",
      1);
  Row("server RSS at the end", a.rss_after_kb / 1024.0, b.rss_after_kb / 1024.0, "MiB", 1);
  printf("\nanswers (must agree): created %lld / %lld, unchanged on the second pass %lld / %lld, "
         "ListEvents total %lld / %lld, CountEvents total %lld / %lld (by kind %lld / %lld)\n",
         static_cast<long long>(a.created), static_cast<long long>(b.created),
         static_cast<long long>(a.unchanged), static_cast<long long>(b.unchanged),
         static_cast<long long>(a.list.answer), static_cast<long long>(b.list.answer),
         static_cast<long long>(a.count_month.answer), static_cast<long long>(b.count_month.answer),
         static_cast<long long>(a.count_kind.answer), static_cast<long long>(b.count_kind.answer));
  const bool agree = a.created == b.created && a.unchanged == b.unchanged &&
                     a.list.answer == b.list.answer && a.count_month.answer == b.count_month.answer &&
                     a.count_kind.answer == b.count_kind.answer;
  if (!agree) {
    fprintf(stderr, "the engines' answers differ\n");
    return 1;
  }
  return 0;
}
