// dyad-events started as a user would, on databases it must not serve as
// healthy (damaged, read-only, empty), with blank tokens, and stopped by
// SIGTERM while its start-up is held.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "common/sqlite/database.h"
#include "dyad/events/v1/event_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using ::testing::HasSubstr;
using namespace dyad::events::v1;  // NOLINT

constexpr char kService[] = "dyad.events.v1.EventService";
constexpr int kServing = 1;
constexpr int kNotServing = 2;

class StoreHealthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/store_health_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/plugins'").c_str()), 0);
    ASSERT_EQ(system(("cp " + BuildPath("fixtures/good/fixture_good.so") + " " + dir_ +
                      "/plugins/").c_str()),
              0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
    db_ = dir_ + "/events.db";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  std::vector<std::string> Argv(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                     "--plugins=" + dir_ + "/plugins", "--db=" + db_,
                                     "--write_token_file=" + dir_ + "/token",
                                     "--shutdown_grace=2s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  absl::StatusOr<ChildProcess> Start(std::vector<std::string> extra = {}) {
    auto p = ChildProcess::Start(Argv(std::move(extra)));
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", testing::ParseServingPort(*out)),
                                   grpc::InsecureChannelCredentials());
    stub_ = EventService::NewStub(channel_);
    return p;
  }

  // Runs the binary expecting a failed start-up; returns its output.
  std::string ExpectStartupFailure(std::vector<std::string> extra = {},
                                   std::vector<std::string> env = {}) {
    auto p = ChildProcess::Start(Argv(std::move(extra)), env);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return "";
    absl::StatusOr<int> code = p->Wait(absl::Seconds(30));
    EXPECT_TRUE(code.ok()) << code.status();
    if (code.ok()) EXPECT_EQ(*code, 1);
    const std::string out = p->Output();
    EXPECT_THAT(out, HasSubstr("startup failed: "));
    EXPECT_THAT(out, ::testing::Not(HasSubstr("serving ")));
    return out;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (with_token) ctx->AddMetadata("authorization", "Bearer e2e-token");
    return ctx;
  }

  grpc::Status CreateOne(const std::string& title) {
    CreateEventRequest req;
    Event* e = req.mutable_event();
    e->set_kind("test.meeting");
    e->set_title(title);
    e->mutable_date()->set_year(2021);
    e->add_countries("AZE");
    auto* c = e->add_citations();
    c->set_source_id("fixture");
    c->set_locator("p1");
    Event out;
    return stub_->CreateEvent(Ctx(true).get(), req, &out);
  }

  // A database with data, checkpointed so that every page is in the file.
  void MakeDatabase() {
    {
      ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
      for (int i = 0; i < 200; ++i) {
        grpc::Status s = CreateOne(absl::StrCat("Event number ", i, " ", std::string(150, 'x')));
        ASSERT_TRUE(s.ok()) << s.error_message();
      }
      ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
    }
    ASSERT_OK_AND_ASSIGN(auto db, sql::Database::Open(db_));
    ASSERT_OK(db->Execute("PRAGMA wal_checkpoint(TRUNCATE)"));
  }

  // Overwrites pages in the middle of the file with 0xFF bytes.
  void DamageMiddle() {
    struct stat st;
    ASSERT_EQ(stat(db_.c_str(), &st), 0);
    const off_t pages = st.st_size / 4096;
    ASSERT_GE(pages, 4) << "database too small to damage its middle";
    std::fstream f(db_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((pages / 2) * 4096);
    const std::string garbage(2 * 4096, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    f.close();
    ASSERT_TRUE(f.good() || !f.fail());
  }

  std::string dir_;
  std::string db_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(StoreHealthE2eTest, DamageWhileServingMeansNotServingAndWritesRefused) {
  MakeDatabase();
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start({"--db_check_interval=200ms"}));
  ASSERT_OK_AND_ASSIGN(int health, testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, kServing);
  DamageMiddle();
  // A read may be the first to meet the damage; the periodic check finds it
  // either way.
  ListEventsRequest list;
  list.set_page_size(1000);
  ListEventsResponse listed;
  (void)stub_->ListEvents(Ctx().get(), list, &listed);
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    auto h = testing::HealthStatus(channel_, kService);
    if (h.ok() && *h == kNotServing) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_OK_AND_ASSIGN(health, testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, kNotServing);
  ASSERT_OK_AND_ASSIGN(int overall, testing::HealthStatus(channel_, ""));
  EXPECT_EQ(overall, kNotServing);
  // Writes are refused instead of acknowledged into the damaged file.
  grpc::Status s = CreateOne("After the damage");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("database is unhealthy"));
  const std::string out = p.Output();
  EXPECT_THAT(out, HasSubstr("store unhealthy: NOT_SERVING"));
  ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));

  // And a restart on the damaged file is refused by the start-up check.
  EXPECT_THAT(ExpectStartupFailure(), HasSubstr("integrity check failed"));
}

TEST_F(StoreHealthE2eTest, DamagedFileIsRefusedAtStartup) {
  MakeDatabase();
  DamageMiddle();
  const std::string out = ExpectStartupFailure();
  EXPECT_THAT(out, HasSubstr("restore the file from a backup"));
}

TEST_F(StoreHealthE2eTest, ReadOnlyFileIsRefusedAtStartup) {
  MakeDatabase();
  ASSERT_EQ(chmod(db_.c_str(), 0444), 0);
  const std::string out = ExpectStartupFailure();
  EXPECT_THAT(out, HasSubstr("read-only"));
  EXPECT_THAT(out, HasSubstr("chmod u+w"));
}

TEST_F(StoreHealthE2eTest, ZeroByteFileIsRefusedAtStartup) {
  std::ofstream(db_).close();
  const std::string out = ExpectStartupFailure();
  EXPECT_THAT(out, HasSubstr("empty (0 bytes)"));
  EXPECT_THAT(out, HasSubstr("To start fresh, remove the file"));
  struct stat st;
  ASSERT_EQ(stat(db_.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0) << "the refused file must be left as it was";
}

TEST_F(StoreHealthE2eTest, MissingFileIsCreatedAndServed) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start({"--db_check_interval=100ms"}));
  grpc::Status s = CreateOne("Fresh database");
  EXPECT_TRUE(s.ok()) << s.error_message();
  absl::SleepFor(absl::Milliseconds(400));  // a few periodic checks pass
  ASSERT_OK_AND_ASSIGN(int health, testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, kServing);
  EXPECT_THAT(p.Output(), ::testing::Not(HasSubstr("store unhealthy")));
  ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
}

TEST_F(StoreHealthE2eTest, BlankWriteTokenInTheEnvironmentIsAStartupError) {
  std::vector<std::string> argv = Argv();
  argv.erase(std::remove_if(argv.begin(), argv.end(),
                            [](const std::string& a) {
                              return a.rfind("--write_token_file=", 0) == 0;
                            }),
             argv.end());
  auto p = ChildProcess::Start(argv, {"DYAD_WRITE_TOKEN=   "});
  ASSERT_OK(p.status());
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(absl::Seconds(30)));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(p->Output(), HasSubstr("DYAD_WRITE_TOKEN is set but holds only whitespace"));
}

TEST_F(StoreHealthE2eTest, SigtermDuringAHeldStartupEndsPromptly) {
  // Reading the allowlist from a FIFO (as with --plugin_allowlist=<(...))
  // holds start-up until a writer comes; before the fix SIGTERM was blocked
  // then and the process could only be killed.
  const std::string fifo = dir_ + "/allowlist.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto p = ChildProcess::Start(Argv({"--plugin_allowlist=" + fifo}));
  ASSERT_OK(p.status());
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(int code, p->Stop(SIGTERM, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_NE(code, 0);
  EXPECT_THAT(p->Output(), HasSubstr("startup interrupted by SIGTERM"));
}

}  // namespace
}  // namespace dyad
