// dyad-institutions on a real PostgreSQL 15 (tests/testing/pg_server.h;
// skipped, naming why, when PostgreSQL is not installed): two replicas
// started together on one database load the plugin once and each sees the
// other's acknowledged writes; the password (from --db_password_file) is
// never logged; stopping PostgreSQL gives UNAVAILABLE and NOT_SERVING, not a
// crash or a hang, and both replicas serve again once it is back.
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "testing/health.h"
#include "testing/pg_server.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::institutions::v1;  // NOLINT
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kService[] = "dyad.institutions.v1.InstitutionService";

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "", int seconds = 10) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

struct Replica {
  ChildProcess process;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<InstitutionService::Stub> stub;
};

class InstitutionsOnPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DYAD_PG_OR_SKIP(pg);
    pg_ = pg;
    ASSERT_OK_AND_ASSIGN(std::string socket_uri, pg->CreateDatabase());
    // Over TCP with a password, as a deployment would connect.
    uri_ = pg->TcpUri(socket_uri);
    dir_ = ::testing::TempDir() + "/institutions_pg_e2e_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/plugins'").c_str()), 0);
    ASSERT_EQ(system(("cp " + BuildPath("fixtures/institutions/fixture_institutions.so") + " '" +
                      dir_ + "/plugins/'").c_str()),
              0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  // Starts `n` replicas at once (they migrate and load plugins together).
  std::vector<Replica> StartReplicas(int n) {
    std::vector<Replica> out;
    for (int i = 0; i < n; ++i) {
      auto p = ChildProcess::Start(
          {BuildPath("bin/dyad-institutions"), "--port=0", "--host=127.0.0.1",
           "--plugins=" + dir_ + "/plugins", "--db=" + uri_,
           "--db_password_file=" + pg_->password_file(), "--db_pool_size=3",
           "--db_check_interval=1s", "--result_cache_entries=0",
           "--write_token_file=" + dir_ + "/token", "--shutdown_grace=5s"});
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
      r.stub = InstitutionService::NewStub(r.channel);
    }
    return out;
  }

  static grpc::Status Create(Replica& r, const std::string& display_name, Institution* out) {
    CreateInstitutionRequest req;
    Institution* i = req.mutable_institution();
    i->set_display_name(display_name);
    i->set_kind("edu.university");
    i->set_host_country("AZE");
    i->mutable_founded()->set_year(2022);
    auto* c = i->add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p1");
    return r.stub->CreateInstitution(Ctx("e2e-token").get(), req, out);
  }

  static grpc::StatusCode Get(Replica& r, const std::string& name, int seconds = 10) {
    GetInstitutionRequest req;
    req.set_name(name);
    Institution i;
    return r.stub->GetInstitution(Ctx("", seconds).get(), req, &i).error_code();
  }

  static int64_t Total(Replica& r) {
    ListInstitutionsRequest req;
    req.set_page_size(1);
    ListInstitutionsResponse resp;
    grpc::Status s = r.stub->ListInstitutions(Ctx().get(), req, &resp);
    return s.ok() ? resp.total_size() : -1;
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

TEST_F(InstitutionsOnPostgresTest, TwoReplicasShareOneDatabase) {
  auto replicas = StartReplicas(2);
  ASSERT_EQ(replicas.size(), 2u);
  // Started together, one loaded the plugin's records and the other found
  // them loaded (never twice, never a conflict).
  const std::string logs = replicas[0].process.Output() + replicas[1].process.Output();
  EXPECT_THAT(logs, HasSubstr("records=loaded"));
  EXPECT_THAT(logs, HasSubstr("records=unchanged"));
  EXPECT_THAT(logs, HasSubstr("store PostgreSQL postgresql://dyad@127.0.0.1"));
  EXPECT_THAT(logs, Not(HasSubstr(pg_->password())));
  const int64_t before = Total(replicas[0]);
  ASSERT_GT(before, 0);
  EXPECT_EQ(Total(replicas[1]), before);

  // Every acknowledged write, through either replica, is visible through both.
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    Institution out;
    grpc::Status s = Create(replicas[i % 2], absl::StrCat("Shared Write ", i), &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    names.push_back(out.name());
  }
  for (auto& r : replicas) {
    for (const auto& n : names) EXPECT_EQ(Get(r, n), grpc::StatusCode::OK) << n;
    EXPECT_EQ(Total(r), before + 10);
  }
  // The same id through the other replica is taken.
  CreateInstitutionRequest dup;
  dup.set_institution_id(names[0].substr(names[0].find('/') + 1));
  *dup.mutable_institution() = Institution();
  Institution ignored;
  ASSERT_TRUE(replicas[1].stub->GetInstitution(Ctx().get(), [&] {
    GetInstitutionRequest g;
    g.set_name(names[0]);
    return g;
  }(), dup.mutable_institution()).ok());
  dup.mutable_institution()->clear_name();
  EXPECT_EQ(replicas[1].stub->CreateInstitution(Ctx("e2e-token").get(), dup, &ignored).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  // kill -9 of one replica right after an acknowledged write loses nothing.
  Institution last;
  ASSERT_TRUE(Create(replicas[0], "Before The Kill", &last).ok());
  ASSERT_OK(replicas[0].process.Stop(SIGKILL, absl::Seconds(20)));
  EXPECT_EQ(Get(replicas[1], last.name()), grpc::StatusCode::OK);
  auto code = replicas[1].process.Stop(SIGTERM, absl::Seconds(20));
  EXPECT_TRUE(code.ok() && *code == 0) << replicas[1].process.Output();
}

TEST_F(InstitutionsOnPostgresTest, OutageGivesUnavailableAndNotServingThenRecovers) {
  auto replicas = StartReplicas(2);
  ASSERT_EQ(replicas.size(), 2u);
  Institution written;
  ASSERT_TRUE(Create(replicas[0], "Written Before The Outage", &written).ok());
  for (auto& r : replicas) ASSERT_TRUE(WaitHealth(r, 1, absl::Seconds(10)));

  ASSERT_OK(pg_->Halt());
  for (auto& r : replicas) {
    // Fails promptly (well within the call's deadline), and the process lives.
    const absl::Time start = absl::Now();
    EXPECT_EQ(Get(r, written.name(), 8), grpc::StatusCode::UNAVAILABLE);
    EXPECT_LT(absl::Now() - start, absl::Seconds(8));
    EXPECT_TRUE(WaitHealth(r, 2, absl::Seconds(10))) << r.process.Output();
    Institution out;
    EXPECT_EQ(Create(r, "During The Outage", &out).error_code(), grpc::StatusCode::UNAVAILABLE);
  }

  ASSERT_OK(pg_->Resume());
  for (auto& r : replicas) {
    // The periodic probe notices the database is back; no restart needed.
    EXPECT_TRUE(WaitHealth(r, 1, absl::Seconds(15))) << r.process.Output();
    EXPECT_EQ(Get(r, written.name()), grpc::StatusCode::OK);
  }
  Institution after;
  grpc::Status s = Create(replicas[1], "After The Outage", &after);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Get(replicas[0], after.name()), grpc::StatusCode::OK);
  for (auto& r : replicas) {
    auto code = r.process.Stop(SIGTERM, absl::Seconds(20));
    EXPECT_TRUE(code.ok() && *code == 0) << r.process.Output();
  }
}

}  // namespace
}  // namespace dyad
