// Nothing acknowledged is lost: a client writes through the API while the
// server is killed with SIGKILL at random moments, again and again; every
// write the server acknowledged must be in the database afterwards, and the
// database must pass PRAGMA integrity_check.
//
// DYAD_CRASH_CYCLES sets the number of kill/restart cycles (default 50).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "common/sqlite/database.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "event_store.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::events::v1;  // NOLINT

TEST(CrashSafetyTest, AcknowledgedWritesSurviveKillNine) {
  int cycles = 50;
  if (const char* c = std::getenv("DYAD_CRASH_CYCLES")) cycles = std::max(1, std::atoi(c));
  const std::string dir = ::testing::TempDir() + "/crash_" + std::to_string(getpid());
  ASSERT_EQ(system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
  std::ofstream(dir + "/token") << "crash-token\n";
  const std::string db = dir + "/events.db";

  std::mt19937 rng(12345);
  std::mutex mu;
  std::set<std::string> acknowledged;
  int64_t failed_calls = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    auto p = ChildProcess::Start({BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                  "--db=" + db, "--plugins=" + BuildPath("fixtures/good"),
                                  "--write_token_file=" + dir + "/token"});
    ASSERT_OK(p);
    ASSERT_OK(p->WaitForOutput("serving ", absl::Seconds(30)));
    const int port = dyad::testing::ParseServingPort(p->Output());
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        auto stub = EventService::NewStub(channel);
        for (int i = 0; !stop; ++i) {
          CreateEventRequest req;
          req.set_event_id("c" + std::to_string(cycle) + "-w" + std::to_string(w) + "-" +
                           std::to_string(i));
          Event* e = req.mutable_event();
          e->set_kind("test.meeting");
          e->set_title("Written while the server may die");
          e->mutable_date()->set_year(2000 + i % 20);
          e->add_countries("AZE");
          e->add_countries("CHN");
          auto* c = e->add_citations();
          c->set_source_id("fixture");
          c->set_locator("p1");
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
          ctx.AddMetadata("authorization", "Bearer crash-token");
          Event out;
          grpc::Status s = stub->CreateEvent(&ctx, req, &out);
          std::lock_guard<std::mutex> lock(mu);
          if (s.ok()) {
            acknowledged.insert(out.name());
          } else {
            ++failed_calls;
            if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
                s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
                s.error_code() != grpc::StatusCode::CANCELLED) {
              ADD_FAILURE() << "unexpected error: " << s.error_code() << " " << s.error_message();
            }
            break;
          }
        }
      });
    }
    std::uniform_int_distribution<int> ms(30, 250);
    absl::SleepFor(absl::Milliseconds(ms(rng)));
    ASSERT_OK_AND_ASSIGN(int code, p->Stop(SIGKILL, absl::Seconds(10)));
    EXPECT_EQ(code, 128 + SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GT(acknowledged.size(), 0u);

  // Integrity first, on the database exactly as the last kill left it.
  {
    ASSERT_OK_AND_ASSIGN(auto database, sql::Database::Open(db));
    ASSERT_OK_AND_ASSIGN(std::string integrity, database->IntegrityCheck());
    EXPECT_EQ(integrity, "ok");
  }
  ASSERT_OK_AND_ASSIGN(auto store, events::OpenSqliteEventStore(db));
  int missing = 0;
  for (const auto& name : acknowledged) {
    if (!store->Get(name).ok()) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged writes";
  std::printf("%d kill -9 cycles: %zu acknowledged writes, %d missing, %lld calls cut off\n",
              cycles, acknowledged.size(), missing, static_cast<long long>(failed_calls));
  (void)system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace dyad
