// dyad-query-bench: how the read latency of the events service grows with
// the table. For each database (GDELT-shaped, from dyad-scalegen
// --shape=gdelt), a server is forked with the ListEvents result cache off and
// asked, one call at a time:
//   - CountEvents for one dyad over ten years by month (2015..2024);
//   - CountEvents, the same grouped by kind (the path that reads every
//     event of the dyad rather than the monthly totals);
//   - ListEvents for one dyad-year (2024), first page, with its total.
// It prints p50/p95 per call and database and, for the second and later
// databases, the ratio of each p50 to the first database's. Figures are
// printed, never asserted.
//
//   dyad-query-bench --dbs=/tmp/gdelt-100k.db,/tmp/gdelt-10m.db --calls=200
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "events_server.h"

ABSL_FLAG(std::string, dbs, "", "Comma-separated events databases, the smallest first");
ABSL_FLAG(int, calls, 200, "Timed calls per query and database (after 10% warm-up)");
ABSL_FLAG(std::string, dyad, "AZE,GEO", "The two countries of the dyad");
ABSL_FLAG(int, year, 2024, "The year ListEvents asks for");

namespace {

using namespace dyad::events::v1;  // NOLINT

struct Timing {
  double p50 = 0, p95 = 0;
  int64_t answer = 0;  // total events counted or listed
  std::string error;
};

Timing Measure(int calls, const std::function<grpc::Status(int64_t*)>& call) {
  Timing t;
  std::vector<double> ms;
  for (int i = 0; i < calls + calls / 10; ++i) {
    const absl::Time start = absl::Now();
    grpc::Status s = call(&t.answer);
    const double elapsed = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!s.ok()) {
      t.error = s.error_message();
      return t;
    }
    if (i >= calls / 10) ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  t.p50 = ms[ms.size() / 2];
  t.p95 = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::vector<std::string> dbs = absl::StrSplit(absl::GetFlag(FLAGS_dbs), ',', absl::SkipEmpty());
  const std::vector<std::string> dyad = absl::StrSplit(absl::GetFlag(FLAGS_dyad), ',');
  const int calls = std::max(1, absl::GetFlag(FLAGS_calls));
  if (dbs.empty() || dyad.size() != 2) {
    fprintf(stderr, "usage: dyad-query-bench --dbs=SMALL.db,LARGE.db [--calls=N] [--dyad=AZE,GEO]\n");
    return 2;
  }
  const char* kNames[] = {"CountEvents ten years by month", "CountEvents ten years by month and kind",
                          "ListEvents one year, first page"};
  // All servers are forked before any gRPC state exists in this process
  // (a child forked later inherits it broken), then asked one at a time.
  std::vector<dyad::bench::EventsServer> servers;
  for (const std::string& db : dbs) {
    struct stat st;
    if (stat(db.c_str(), &st) != 0) {
      fprintf(stderr, "%s: no such database\n", db.c_str());
      return 1;
    }
    servers.push_back(dyad::bench::StartEventsServer(db, 0));
    if (servers.back().pid < 0) return 1;
  }
  std::vector<std::vector<Timing>> all;  // [db][query]
  for (size_t d = 0; d < dbs.size(); ++d) {
    const std::string& db = dbs[d];
    const dyad::bench::EventsServer& server = servers[d];
    struct stat st;
    stat(db.c_str(), &st);
    auto stub = EventService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port),
                                                          grpc::InsecureChannelCredentials()));
    auto count = [&](bool by_kind) {
      return [&stub, &dyad, by_kind](int64_t* total) {
        CountEventsRequest req;
        req.add_countries(dyad[0]);
        req.add_countries(dyad[1]);
        req.mutable_period()->mutable_start()->set_year(2015);
        req.mutable_period()->mutable_end()->set_year(2024);
        req.set_granularity(GRANULARITY_MONTH);
        if (by_kind) req.set_group_by(COUNT_GROUP_KIND);
        grpc::ClientContext ctx;
        CountEventsResponse resp;
        grpc::Status s = stub->CountEvents(&ctx, req, &resp);
        *total = resp.total();
        return s;
      };
    };
    auto list = [&](int64_t* total) {
      ListEventsRequest req;
      req.add_countries(dyad[0]);
      req.add_countries(dyad[1]);
      req.mutable_period()->mutable_start()->set_year(absl::GetFlag(FLAGS_year));
      req.mutable_period()->mutable_end()->set_year(absl::GetFlag(FLAGS_year));
      grpc::ClientContext ctx;
      ListEventsResponse resp;
      grpc::Status s = stub->ListEvents(&ctx, req, &resp);
      *total = resp.total_size();
      if (s.ok() && resp.events().empty() && resp.total_size() > 0) {
        return grpc::Status(grpc::StatusCode::INTERNAL, "an empty first page");
      }
      return s;
    };
    std::vector<Timing> timings = {Measure(calls, count(false)), Measure(calls, count(true)),
                                   Measure(calls, list)};
    printf("%s (%.0f MiB on disk), server RSS %.1f MiB after the calls:\n", db.c_str(),
           st.st_size / 1048576.0, dyad::bench::RssKb(server.pid) / 1024.0);
    for (size_t q = 0; q < timings.size(); ++q) {
      const Timing& t = timings[q];
      if (!t.error.empty()) {
        printf("  %-42s ERROR: %s\n", kNames[q], t.error.c_str());
        continue;
      }
      printf("  %-42s p50 %8.2f ms  p95 %8.2f ms  (%lld events)\n", kNames[q], t.p50, t.p95,
             static_cast<long long>(t.answer));
    }
    dyad::bench::StopEventsServer(server);
    all.push_back(std::move(timings));
  }
  bool failed = false;
  for (size_t d = 1; d < all.size(); ++d) {
    printf("p50 ratio %s / %s:\n", dbs[d].c_str(), dbs[0].c_str());
    for (size_t q = 0; q < all[d].size(); ++q) {
      const bool ok = all[0][q].error.empty() && all[d][q].error.empty() && all[0][q].p50 > 0;
      failed = failed || !ok;
      if (ok) printf("  %-42s %.2fx\n", kNames[q], all[d][q].p50 / all[0][q].p50);
    }
  }
  for (const auto& t : all) {
    for (const auto& q : t) failed = failed || !q.error.empty();
  }
  return failed ? 1 : 0;
}
