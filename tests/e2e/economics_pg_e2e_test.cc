// dyad-economics on a real PostgreSQL 15 (tests/testing/pg_server.h; skipped,
// naming why, when PostgreSQL is not installed). Two replicas on one
// database:
//   - started together, they load the plugin once;
//   - RecordObservation and ImportObservations run through both at once
//     (the imports overlap, so both replicas write the same upstream rows):
//     every acknowledged write is visible through both, and each upstream
//     row was created exactly once;
//   - kill -9 of one replica in the middle of writes and an import stream
//     loses no acknowledged write, and the interrupted stream left whole
//     messages only;
//   - stopping PostgreSQL gives UNAVAILABLE and NOT_SERVING (no crash, no
//     hang), and both replicas serve again once it is back.
// The counts are printed ("[counts] ...") for the record.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "dyad/economics/v1/economics.grpc.pb.h"
#include "testing/health.h"
#include "testing/pg_server.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::economics::v1;  // NOLINT
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kService[] = "dyad.economics.v1.EconomicsService";
constexpr char kToken[] = "e2e-token";

std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = false, int seconds = 20) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  if (with_token) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  return ctx;
}

struct Replica {
  ChildProcess process;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<EconomicsService::Stub> stub;
};

// A figure as an importer sends it: the fixture's exports, one dataset row.
Observation ImportRow(const std::string& upstream_id, int year, double value) {
  Observation o;
  o.set_indicator("test.exports");
  o.set_reporter("AZE");
  o.set_partner("CHN");
  o.mutable_period()->set_year(year);
  o.mutable_value()->set_value(value);
  auto* c = o.add_citations();
  c->set_source_id("econ-fixture");
  c->mutable_row()->set_upstream_id(upstream_id);
  return o;
}

class EconomicsOnPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DYAD_PG_OR_SKIP(pg);
    pg_ = pg;
    ASSERT_OK_AND_ASSIGN(std::string socket_uri, pg->CreateDatabase());
    // Over TCP with a password, as a deployment would connect.
    uri_ = pg->TcpUri(socket_uri);
    dir_ = ::testing::TempDir() + "/economics_pg_e2e_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/plugins'").c_str()), 0);
    ASSERT_EQ(system(("cp " + BuildPath("fixtures/economics/fixture_economics.so") + " '" + dir_ +
                      "/plugins/'").c_str()),
              0);
    std::ofstream(dir_ + "/token") << kToken << "\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  // Starts `n` replicas at once (they migrate and load plugins together).
  std::vector<Replica> StartReplicas(int n) {
    std::vector<Replica> out;
    for (int i = 0; i < n; ++i) {
      auto p = ChildProcess::Start(
          {BuildPath("bin/dyad-economics"), "--port=0", "--host=127.0.0.1",
           "--plugins=" + dir_ + "/plugins", "--db=" + uri_,
           "--db_password_file=" + pg_->password_file(), "--db_pool_size=3",
           "--db_check_interval=1s", "--write_token_file=" + dir_ + "/token",
           "--shutdown_grace=5s"});
      EXPECT_OK(p);
      if (!p.ok()) return {};
      out.push_back(Replica{std::move(*p), nullptr, nullptr});
    }
    for (auto& r : out) {
      auto log = r.process.WaitForOutput("serving ", absl::Seconds(60));
      EXPECT_OK(log);
      if (!log.ok()) return {};
      r.channel = grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", dyad::testing::ParseServingPort(*log)),
          grpc::InsecureChannelCredentials());
      r.stub = EconomicsService::NewStub(r.channel);
    }
    return out;
  }

  static grpc::Status Record(Replica& r, int i, Observation* out, int seconds = 20) {
    RecordObservationRequest req;
    Observation* o = req.mutable_observation();
    o->set_indicator("test.flow");
    o->set_reporter("AZE");
    o->set_partner("KAZ");
    o->mutable_period()->set_year(1900 + i % 120);
    o->mutable_value()->set_value(1000 + i);
    o->mutable_value()->set_unit("USD");
    auto* c = o->add_citations();
    c->set_source_id("econ-fixture");
    c->set_locator(absl::StrCat("p", i));
    return r.stub->RecordObservation(Ctx(true, seconds).get(), req, out);
  }

  // One ImportObservations stream of `messages`; the summary when it ends.
  static grpc::Status Import(Replica& r, const std::vector<ImportObservationsRequest>& messages,
                             ImportObservationsResponse* summary) {
    auto ctx = Ctx(true, 60);
    auto writer = r.stub->ImportObservations(ctx.get(), summary);
    for (const auto& m : messages) {
      if (!writer->Write(m)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Every name ListObservations gives for `req`, all pages; -1 total on error.
  static std::set<std::string> ListAll(Replica& r, ListObservationsRequest req,
                                       int64_t* total = nullptr) {
    std::set<std::string> names;
    req.set_page_size(1000);
    for (int guard = 0; guard < 10000; ++guard) {
      ListObservationsResponse resp;
      grpc::Status s = r.stub->ListObservations(Ctx().get(), req, &resp);
      if (!s.ok()) {
        ADD_FAILURE() << s.error_message();
        if (total) *total = -1;
        return names;
      }
      if (total) *total = resp.total_size();
      for (const auto& o : resp.observations()) names.insert(o.name());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return names;
  }

  static ListObservationsRequest Imported() {
    ListObservationsRequest req;
    req.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
    return req;
  }
  static ListObservationsRequest Recorded() {
    ListObservationsRequest req;
    req.set_indicator("test.flow");
    req.add_countries("KAZ");
    return req;
  }

  // Waits (up to `timeout`) until the replica's health is `want`.
  static bool WaitHealth(Replica& r, int want, absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      auto h = dyad::testing::HealthStatus(r.channel, kService);
      if (h.ok() && *h == want) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  dyad::testing::PgServer* pg_ = nullptr;
  std::string uri_;
  std::string dir_;
};

TEST_F(EconomicsOnPostgresTest, TwoReplicasWriteAndImportConcurrentlyAndSurviveKill9) {
  auto replicas = StartReplicas(2);
  ASSERT_EQ(replicas.size(), 2u);
  const std::string logs = replicas[0].process.Output() + replicas[1].process.Output();
  EXPECT_THAT(logs, HasSubstr("records=loaded"));
  EXPECT_THAT(logs, HasSubstr("records=unchanged"));
  EXPECT_THAT(logs, HasSubstr("store PostgreSQL postgresql://dyad@127.0.0.1"));
  EXPECT_THAT(logs, Not(HasSubstr(pg_->password())));
  int64_t plugin_total[2] = {0, 0};
  ListAll(replicas[0], ListObservationsRequest(), &plugin_total[0]);
  ListAll(replicas[1], ListObservationsRequest(), &plugin_total[1]);
  ASSERT_GT(plugin_total[0], 0);
  EXPECT_EQ(plugin_total[1], plugin_total[0]);  // loaded once, not twice
  int64_t recorded_before = 0;  // the plugin's own figures matching Recorded()
  ListAll(replicas[0], Recorded(), &recorded_before);

  // Phase 1: both replicas at once, each recording figures and importing
  // streams; replica 1 imports the same upstream rows in reverse order.
  constexpr int kRecords = 40, kStreams = 3, kMessages = 4, kRows = 500;
  const int distinct_rows = kStreams * kMessages * kRows;
  std::vector<std::vector<ImportObservationsRequest>> streams(kStreams);
  for (int s = 0; s < kStreams; ++s) {
    for (int m = 0; m < kMessages; ++m) {
      ImportObservationsRequest req;
      for (int r = 0; r < kRows; ++r) {
        const int row = (s * kMessages + m) * kRows + r;
        *req.add_observations() = ImportRow(absl::StrCat("U", row), 1990 + row % 30, row);
      }
      streams[s].push_back(std::move(req));
    }
  }
  std::mutex mu;
  std::set<std::string> acknowledged;  // names of acknowledged RecordObservation writes
  int64_t created = 0, unchanged = 0, updated = 0, rejected = 0;
  std::vector<std::string> failures;
  auto work = [&](int who) {
    Replica& r = replicas[who];
    std::thread imports([&] {
      for (int k = 0; k < kStreams; ++k) {
        const int s = who == 0 ? k : kStreams - 1 - k;
        ImportObservationsResponse summary;
        grpc::Status st = Import(r, streams[s], &summary);
        std::lock_guard<std::mutex> lock(mu);
        if (!st.ok()) {
          failures.push_back(absl::StrCat("import: ", st.error_message()));
          continue;
        }
        created += summary.created();
        unchanged += summary.unchanged();
        updated += summary.updated();
        rejected += summary.rejected();
      }
    });
    for (int i = 0; i < kRecords; ++i) {
      Observation out;
      grpc::Status st = Record(r, who * kRecords + i, &out);
      std::lock_guard<std::mutex> lock(mu);
      if (!st.ok()) {
        failures.push_back(absl::StrCat("record: ", st.error_message()));
      } else {
        acknowledged.insert(out.name());
      }
    }
    imports.join();
  };
  const absl::Time start = absl::Now();
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(acknowledged.size(), 2u * kRecords);
  // Each upstream row created once across both replicas; the other
  // replica's pass over it found it unchanged.
  EXPECT_EQ(created, distinct_rows);
  EXPECT_EQ(unchanged, distinct_rows);
  EXPECT_EQ(updated + rejected, 0);
  for (auto& r : replicas) {
    int64_t total = 0;
    std::set<std::string> recorded = ListAll(r, Recorded(), &total);
    for (const auto& n : acknowledged) EXPECT_TRUE(recorded.count(n)) << n;
    EXPECT_EQ(total, recorded_before + 2 * kRecords);
    ListAll(r, Imported(), &total);
    EXPECT_EQ(total, distinct_rows);
  }
  std::printf(
      "[counts] phase 1 (two replicas at once, %.1f s): %zu RecordObservation acknowledged, "
      "imports received %d rows twice: created %lld, unchanged %lld; imported visible through "
      "each replica: %d\n",
      seconds, acknowledged.size(), distinct_rows, static_cast<long long>(created),
      static_cast<long long>(unchanged), distinct_rows);

  // Phase 2: replica 0 is killed (-9) while it records figures and imports a
  // long stream of new rows.
  constexpr int kKillMessages = 400, kKillRows = 100;
  std::vector<ImportObservationsRequest> long_stream;
  for (int m = 0; m < kKillMessages; ++m) {
    ImportObservationsRequest req;
    for (int r = 0; r < kKillRows; ++r) {
      *req.add_observations() =
          ImportRow(absl::StrCat("K", m, "-", r), 1990 + r % 30, m * kKillRows + r);
    }
    long_stream.push_back(std::move(req));
  }
  std::atomic<bool> stop{false};
  std::set<std::string> acknowledged_before_kill;
  grpc::Status stream_status;
  ImportObservationsResponse stream_summary;
  std::thread recorder([&] {
    for (int i = 0; !stop.load(); ++i) {
      Observation out;
      if (!Record(replicas[0], 1000 + i, &out, 5).ok()) break;
      std::lock_guard<std::mutex> lock(mu);
      acknowledged_before_kill.insert(out.name());
    }
  });
  std::thread importer([&] { stream_status = Import(replicas[0], long_stream, &stream_summary); });
  absl::SleepFor(absl::Milliseconds(1500));
  ASSERT_OK(replicas[0].process.Stop(SIGKILL, absl::Seconds(20)));
  stop.store(true);
  recorder.join();
  importer.join();
  EXPECT_FALSE(stream_status.ok()) << "the stream should have been cut by the kill";
  std::set<std::string> recorded = ListAll(replicas[1], Recorded());
  size_t lost = 0;
  for (const auto& n : acknowledged_before_kill) lost += !recorded.count(n);
  EXPECT_EQ(lost, 0u);
  EXPECT_GT(acknowledged_before_kill.size(), 0u);
  int64_t imported_total = 0;
  ListAll(replicas[1], Imported(), &imported_total);
  const int64_t kill_rows = imported_total - distinct_rows;
  // Each message is one transaction: only whole messages are there.
  EXPECT_EQ(kill_rows % kKillRows, 0) << kill_rows;
  EXPECT_LT(kill_rows, int64_t{kKillMessages} * kKillRows);
  std::printf(
      "[counts] phase 2 (kill -9 mid-write): %zu RecordObservation acknowledged before the kill, "
      "%zu lost; the cut stream left %lld rows = %lld whole messages of %d\n",
      acknowledged_before_kill.size(), lost, static_cast<long long>(kill_rows),
      static_cast<long long>(kill_rows / kKillRows), kKillRows);
  // The survivor still writes.
  Observation after;
  EXPECT_TRUE(Record(replicas[1], 5000, &after).ok());
  auto code = replicas[1].process.Stop(SIGTERM, absl::Seconds(20));
  EXPECT_TRUE(code.ok() && *code == 0) << replicas[1].process.Output();
}

TEST_F(EconomicsOnPostgresTest, OutageGivesUnavailableAndNotServingThenRecovers) {
  auto replicas = StartReplicas(2);
  ASSERT_EQ(replicas.size(), 2u);
  Observation written;
  ASSERT_TRUE(Record(replicas[0], 1, &written).ok());
  for (auto& r : replicas) ASSERT_TRUE(WaitHealth(r, 1, absl::Seconds(10)));

  ASSERT_OK(pg_->Halt());
  const absl::Time halted = absl::Now();
  int unavailable = 0;
  for (auto& r : replicas) {
    // Fails promptly (well within the call's deadline), and the process lives.
    const absl::Time start = absl::Now();
    ListObservationsRequest req;
    ListObservationsResponse resp;
    grpc::Status s = r.stub->ListObservations(Ctx(false, 8).get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    unavailable += s.error_code() == grpc::StatusCode::UNAVAILABLE;
    EXPECT_LT(absl::Now() - start, absl::Seconds(8));
    EXPECT_TRUE(WaitHealth(r, 2, absl::Seconds(10))) << r.process.Output();
    Observation out;
    s = Record(r, 2, &out, 8);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    unavailable += s.error_code() == grpc::StatusCode::UNAVAILABLE;
    ImportObservationsRequest m;
    *m.add_observations() = ImportRow("outage", 2000, 1);
    ImportObservationsResponse summary;
    s = Import(r, {m}, &summary);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
    unavailable += s.error_code() == grpc::StatusCode::UNAVAILABLE;
  }
  absl::SleepFor(absl::Seconds(3) - (absl::Now() - halted));  // down a few seconds at least

  ASSERT_OK(pg_->Resume());
  for (auto& r : replicas) {
    // The periodic probe notices the database is back; no restart needed.
    EXPECT_TRUE(WaitHealth(r, 1, absl::Seconds(15))) << r.process.Output();
    EXPECT_TRUE(ListAll(r, Recorded()).count(written.name()));
  }
  Observation after;
  grpc::Status s = Record(replicas[1], 3, &after);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(ListAll(replicas[0], Recorded()).count(after.name()));
  ImportObservationsRequest m;
  *m.add_observations() = ImportRow("after-outage", 2000, 1);
  ImportObservationsResponse summary;
  s = Import(replicas[0], {m}, &summary);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(summary.created(), 1);
  std::printf("[counts] outage: %d calls answered UNAVAILABLE while PostgreSQL was down; both "
              "replicas SERVING again after it returned\n",
              unavailable);
  for (auto& r : replicas) {
    auto code = r.process.Stop(SIGTERM, absl::Seconds(20));
    EXPECT_TRUE(code.ok() && *code == 0) << r.process.Output();
  }
}

}  // namespace
}  // namespace dyad
