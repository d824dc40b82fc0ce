// dyad-events started as a user would: flags, plugins directory, health,
// the serving line, graceful shutdown, durable writes, plugin upgrades, and
// one-line start-up failures.
#include <signal.h>
#include <unistd.h>

#include <fstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"

#include "dyad/events/v1/event_service.grpc.pb.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::events::v1;  // NOLINT

constexpr char kService[] = "dyad.events.v1.EventService";

class EventsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/events_e2e_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'").c_str()), 0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  // Starts dyad-events and waits for its serving line.
  absl::StatusOr<ChildProcess> Start(const std::string& plugins, const std::string& db,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-events"), "--port=0", "--host=127.0.0.1",
                                     "--plugins=" + plugins, "--db=" + db,
                                     "--write_token_file=" + dir_ + "/token",
                                     "--shutdown_grace=5s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = ChildProcess::Start(argv);
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    port_ = dyad::testing::ParseServingPort(*out);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = EventService::NewStub(channel_);
    return p;
  }

  std::unique_ptr<grpc::ClientContext> Ctx(bool with_token = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (with_token) ctx->AddMetadata("authorization", "Bearer e2e-token");
    return ctx;
  }

  std::string dir_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(EventsE2eTest, ServesCuratedDataWithHealthAndStopsGracefully) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), ":memory:"));
  const std::string log = p.Output();
  EXPECT_THAT(log, ::testing::HasSubstr("diplomacy@"));
  EXPECT_THAT(log, ::testing::HasSubstr("address=127.0.0.1:"));
  EXPECT_GT(port_, 0);
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, 1);  // SERVING

  ListEventsRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_end()->set_year(2015);
  ListEventsResponse resp;
  grpc::Status s = stub_->ListEvents(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GT(resp.events_size(), 0);
  for (const auto& e : resp.events()) {
    EXPECT_GE(e.citations_size(), 1) << e.name();
    EXPECT_TRUE(e.date().year() == 2015 || e.end_date().year() >= 2015) << e.name();
  }

  // The cameo plugin's taxonomy is served next to the curated kinds.
  ListEventKindsRequest kreq;
  kreq.set_domain("cameo");
  ListEventKindsResponse kinds;
  s = stub_->ListEventKinds(Ctx().get(), kreq, &kinds);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_GE(kinds.kinds_size(), 300);
  bool visit = false;
  for (const auto& k : kinds.kinds()) {
    EXPECT_EQ(k.taxonomy(), "cameo") << k.id();
    EXPECT_EQ(k.plugin(), "cameo") << k.id();
    if (k.id() == "cameo.04.042") {
      visit = true;
      EXPECT_EQ(k.cameo_code(), "042");
      EXPECT_EQ(k.quad_class(), 1);
    }
  }
  EXPECT_TRUE(visit);

  ASSERT_OK_AND_ASSIGN(int code, p.Stop(SIGTERM, absl::Seconds(20)));
  EXPECT_EQ(code, 0) << p.Output();
  EXPECT_THAT(p.Output(), ::testing::HasSubstr("shutting down signal=SIGTERM"));
}

TEST_F(EventsE2eTest, WritesSurviveRestartAndPluginUpgrade) {
  const std::string db = dir_ + "/events.db";
  const std::string plugins = dir_ + "/plugins";
  ASSERT_EQ(system(("mkdir -p " + plugins + " && cp " + BuildPath("fixtures/good/fixture_good.so") +
                    " " + plugins + "/").c_str()),
            0);
  std::string name;
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
    CreateEventRequest req;
    Event* e = req.mutable_event();
    e->set_kind("test.meeting");
    e->set_title("Kept across restarts");
    e->mutable_date()->set_year(2021);
    e->add_countries("AZE");
    auto* c = e->add_citations();
    c->set_source_id("fixture");
    c->set_locator("p1");
    Event out;
    grpc::Status s = stub_->CreateEvent(Ctx().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    s = stub_->CreateEvent(Ctx(true).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    name = out.name();
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  // Upgrade the plugin: version 2 renames one record and drops others.
  ASSERT_EQ(system(("cp " + BuildPath("fixtures/good_v2/fixture_good.so") + " " + plugins + "/")
                       .c_str()),
            0);
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(plugins, db));
  EXPECT_THAT(p.Output(), ::testing::HasSubstr("records=replaced"));
  GetEventRequest get;
  get.set_name(name);
  Event back;
  grpc::Status s = stub_->GetEvent(Ctx().get(), get, &back);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(back.title(), "Kept across restarts");
  get.set_name("events/first-contact-1991-v2");
  EXPECT_TRUE(stub_->GetEvent(Ctx().get(), get, &back).ok());
  get.set_name("events/trade-deal-2015");
  EXPECT_EQ(stub_->GetEvent(Ctx().get(), get, &back).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(EventsE2eTest, RestartWithSamePluginsChangesNothing) {
  const std::string db = dir_ + "/events.db";
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), db));
    EXPECT_THAT(p.Output(), ::testing::HasSubstr("records=loaded"));
    ASSERT_OK(p.Stop(SIGINT, absl::Seconds(20)));
  }
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), db));
  EXPECT_THAT(p.Output(), ::testing::HasSubstr("records=unchanged"));
}

TEST_F(EventsE2eTest, StartupFailuresAreOneLineAndExitNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{"--plugins=" + dir_ + "/missing", "--db=:memory:"}, "cannot open plugin directory"},
      {{"--plugins=" + BuildPath("fixtures/nosym"), "--db=:memory:"}, "plugin nosym: missing symbol"},
      {{"--plugins=" + BuildPath("fixtures/abi"), "--db=:memory:"}, "plugin fixture_abi: ABI version"},
      {{"--plugins=" + BuildPath("fixtures/nocite"), "--db=:memory:"}, "record without a citation"},
      {{"--plugins=" + BuildPath("plugins")}, "--db is required"},
      {{"--plugins=" + BuildPath("plugins"), "--db=" + dir_ + "/no/such/dir/x.db"}, "x.db"},
      {{"--plugins=" + BuildPath("plugins"), "--db=:memory:", "--port=70000"}, "port"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-events"), "--host=127.0.0.1"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ASSERT_OK_AND_ASSIGN(ChildProcess p, ChildProcess::Start(argv));
    ASSERT_OK_AND_ASSIGN(int code, p.Wait(absl::Seconds(20)));
    const std::string out = p.Output();
    EXPECT_EQ(code, 1) << out;
    EXPECT_THAT(out, ::testing::HasSubstr(c.expect));
    EXPECT_THAT(out, ::testing::HasSubstr("startup failed"));
  }
}

TEST_F(EventsE2eTest, FlagsComeFromTheEnvironmentToo) {
  std::vector<std::string> argv = {BuildPath("bin/dyad-events")};
  ASSERT_OK_AND_ASSIGN(ChildProcess p,
                       ChildProcess::Start(argv, {"DYAD_PORT=0", "DYAD_HOST=127.0.0.1",
                                                  "DYAD_DB=:memory:",
                                                  "DYAD_PLUGINS=" + BuildPath("plugins")}));
  ASSERT_OK(p.WaitForOutput("serving ", absl::Seconds(30)));
  EXPECT_GT(dyad::testing::ParseServingPort(p.Output()), 0);
  ASSERT_OK_AND_ASSIGN(int code, p.Stop(SIGTERM, absl::Seconds(20)));
  EXPECT_EQ(code, 0);
}

TEST_F(EventsE2eTest, HelpListsTheFlags) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, ChildProcess::Start({BuildPath("bin/dyad-events"), "--help"}));
  ASSERT_OK_AND_ASSIGN(int code, p.Wait(absl::Seconds(10)));
  const std::string out = p.Output();
  // absl (20220623) ends --help with exit status 1 after printing the usage:
  // neither a crash (128 + signal) nor a start-up (it serves nothing).
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("--plugins"));
  EXPECT_THAT(out, ::testing::HasSubstr("--db"));
  EXPECT_THAT(out, ::testing::HasSubstr("--port"));
  EXPECT_THAT(out, ::testing::HasSubstr("--max_receive_bytes"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("serving ")));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("startup failed")));
}

// --max_receive_bytes set below gRPC's own 4 MiB default, so the limit seen
// is the flag's: a 100 KiB request is refused RESOURCE_EXHAUSTED before any
// handler runs, a 32 KiB one reaches the handler.
TEST_F(EventsE2eTest, MaxReceiveBytesRefusesLargerRequests) {
  ASSERT_OK_AND_ASSIGN(ChildProcess p, Start(BuildPath("plugins"), ":memory:",
                                             {"--max_receive_bytes=65536"}));
  auto call = [&](size_t bytes) {
    ListEventsRequest req;
    req.add_countries("AZE");
    req.set_query(std::string(bytes, 'a'));
    ListEventsResponse resp;
    return stub_->ListEvents(Ctx().get(), req, &resp);
  };
  grpc::Status big = call(100 << 10);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << big.error_message();
  // Reached the handler: answered, or refused by its own validation of the
  // query (which names the field), never by the size limit.
  grpc::Status small = call(32 << 10);
  EXPECT_TRUE(small.ok() || (small.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
                             absl::StrContains(small.error_message(), "query")))
      << small.error_code() << " " << small.error_message();
  // The server is still up and serving.
  ListEventKindsResponse kinds;
  EXPECT_TRUE(stub_->ListEventKinds(Ctx().get(), ListEventKindsRequest(), &kinds).ok());
  EXPECT_GT(kinds.kinds_size(), 0);
}

}  // namespace
}  // namespace dyad
