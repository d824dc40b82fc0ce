// dyad-institutions started as a user would: over the curated plugins in
// ${build}/plugins (Confucius institutes, Azerbaijan's memberships, the
// filters), and over the fixture plugin for durable writes across restarts,
// plugin upgrades and removal, and one-line start-up failures.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::institutions::v1;  // NOLINT
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kService[] = "dyad.institutions.v1.InstitutionService";

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

// One server over the curated plugins, shared by the read-only tests.
class CuratedInstitutionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = ChildProcess::Start({BuildPath("bin/dyad-institutions"), "--port=0",
                                  "--host=127.0.0.1", "--db=:memory:",
                                  "--plugins=" + BuildPath("plugins")});
    ASSERT_OK(p);
    server_ = new ChildProcess(std::move(*p));
    ASSERT_OK(server_->WaitForOutput("serving ", absl::Seconds(30)));
    channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(dyad::testing::ParseServingPort(server_->Output())),
        grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    auto code = server_->Stop(SIGTERM, absl::Seconds(20));
    EXPECT_TRUE(code.ok() && *code == 0) << server_->Output();
    delete server_;
    delete channel_;
  }
  static std::unique_ptr<InstitutionService::Stub> Stub() {
    return InstitutionService::NewStub(*channel_);
  }
  static ChildProcess* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
};
ChildProcess* CuratedInstitutionsTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* CuratedInstitutionsTest::channel_ = nullptr;

TEST_F(CuratedInstitutionsTest, ServingAndHealthy) {
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(*channel_, kService));
  EXPECT_EQ(health, 1);
  const std::string log = server_->Output();
  EXPECT_THAT(log, HasSubstr("service=dyad.institutions.v1.InstitutionService"));
  EXPECT_THAT(log, HasSubstr("education_culture@"));
  EXPECT_THAT(log, HasSubstr("plugin=education_culture version="));
  EXPECT_THAT(log, HasSubstr("records=loaded"));
}

TEST_F(CuratedInstitutionsTest, ConfuciusInstitutesTheDocumentsName) {
  // The seed documents name four: the institute at Baku State University
  // (April 2011), its branch at Khazar University (April 2013), the institute
  // at the Azerbaijan University of Languages (June 2016) and the centre at
  // the University of Azerbaijan (March 2018).
  ListInstitutionsRequest req;
  req.add_kinds("education.confucius_institute");
  req.add_kinds("education.confucius_branch");
  req.add_kinds("education.confucius_center");
  ListInstitutionsResponse resp;
  grpc::Status s = Stub()->ListInstitutions(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> got;
  for (const auto& i : resp.institutions()) {
    got.push_back(absl::StrCat(i.name(), " ", i.founded().year(), "-", i.founded().month()));
    EXPECT_GE(i.citations_size(), 1) << i.name();
    EXPECT_EQ(i.host_country(), "AZE") << i.name();
    EXPECT_EQ(i.plugin(), "education_culture") << i.name();
    EXPECT_THAT(i.display_name(), HasSubstr("Confucius")) << i.name();
  }
  EXPECT_THAT(got, ElementsAre("institutions/confucius-institute-bsu 2011-4",
                               "institutions/confucius-institute-bsu-khazar-branch 2013-4",
                               "institutions/confucius-institute-aul 2016-6",
                               "institutions/confucius-center-university-of-azerbaijan 2018-3"));
  EXPECT_EQ(resp.total_size(), 4);
  // The branch belongs to the BSU institute.
  GetInstitutionRequest get;
  get.set_name("institutions/confucius-institute-bsu-khazar-branch");
  Institution branch;
  ASSERT_TRUE(Stub()->GetInstitution(Ctx().get(), get, &branch).ok());
  EXPECT_EQ(branch.parent(), "institutions/confucius-institute-bsu");
  // The same four through the "education" prefix with a founded range, and
  // through full text.
  req.Clear();
  req.add_kinds("education");
  req.mutable_founded()->mutable_start()->set_year(2011);
  req.set_query("Confucius");
  ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
  std::set<std::string> names;
  for (const auto& i : resp.institutions()) names.insert(i.name());
  for (const char* n : {"institutions/confucius-institute-bsu",
                        "institutions/confucius-institute-bsu-khazar-branch",
                        "institutions/confucius-institute-aul",
                        "institutions/confucius-center-university-of-azerbaijan"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

TEST_F(CuratedInstitutionsTest, MembershipsOfAzerbaijan) {
  ListMembershipsRequest req;
  req.set_country("AZE");
  ListMembershipsResponse resp;
  grpc::Status s = Stub()->ListMemberships(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> orgs;
  for (const auto& m : resp.memberships()) {
    orgs.push_back(m.organization());
    EXPECT_EQ(m.country(), "AZE");
    EXPECT_FALSE(m.organization_display_name().empty()) << m.organization();
    EXPECT_FALSE(m.role().empty()) << m.organization();
    EXPECT_GE(m.citations_size(), 1) << m.organization();
  }
  EXPECT_TRUE(std::is_sorted(orgs.begin(), orgs.end()));
  EXPECT_THAT(orgs, ::testing::Contains("institutions/aiib"));
  EXPECT_THAT(orgs, ::testing::Contains("institutions/shanghai-cooperation-organization"));
  // Filtering by the organization gives both sides of the AIIB.
  req.Clear();
  req.set_organization("institutions/aiib");
  ASSERT_TRUE(Stub()->ListMemberships(Ctx().get(), req, &resp).ok());
  std::vector<std::string> countries;
  for (const auto& m : resp.memberships()) countries.push_back(m.country());
  EXPECT_THAT(countries, ElementsAre("AZE", "CHN"));
  EXPECT_THAT(resp.memberships(0).organization_display_name(), HasSubstr("AIIB"));
}

TEST_F(CuratedInstitutionsTest, FiltersByCountriesHostAndCity) {
  ListInstitutionsRequest req;
  req.set_host_country("CHN");
  ListInstitutionsResponse resp;
  ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
  EXPECT_GT(resp.total_size(), 0);
  for (const auto& i : resp.institutions()) EXPECT_EQ(i.host_country(), "CHN") << i.name();
  req.Clear();
  req.set_city("baku");
  ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
  EXPECT_GT(resp.total_size(), 0);
  for (const auto& i : resp.institutions()) EXPECT_EQ(i.city(), "Baku") << i.name();
  // Both countries of the dyad, every page, in founding order (undated last).
  req.Clear();
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.set_page_size(5);
  int64_t previous_year = 0;
  bool undated = false;
  int seen = 0;
  for (int pages = 0; pages < 100; ++pages) {
    ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
    for (const auto& i : resp.institutions()) {
      ++seen;
      std::set<std::string> c(i.countries().begin(), i.countries().end());
      c.insert(i.host_country());
      EXPECT_TRUE(c.count("AZE") && c.count("CHN")) << i.name();
      if (i.founded().year() == 0) {
        undated = true;
      } else {
        EXPECT_FALSE(undated) << i.name() << " dated after an undated one";
        EXPECT_GE(i.founded().year(), previous_year) << i.name();
        previous_year = i.founded().year();
      }
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(seen, resp.total_size());
  EXPECT_GT(seen, 5);
}

// Servers of its own, over the fixture plugin in a directory of the test's.
class InstitutionsLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/institutions_e2e_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(system(("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/plugins'").c_str()), 0);
    std::ofstream(dir_ + "/token") << "e2e-token\n";
  }
  void TearDown() override { (void)system(("rm -rf '" + dir_ + "'").c_str()); }

  void UsePlugin(const std::string& relative) {
    ASSERT_EQ(system(("cp " + BuildPath(relative) + " '" + dir_ + "/plugins/'").c_str()), 0);
  }

  absl::StatusOr<ChildProcess> Start() {
    auto p = ChildProcess::Start({BuildPath("bin/dyad-institutions"), "--port=0",
                                  "--host=127.0.0.1", "--plugins=" + dir_ + "/plugins",
                                  "--db=" + dir_ + "/institutions.db",
                                  "--write_token_file=" + dir_ + "/token", "--shutdown_grace=5s"});
    if (!p.ok()) return p.status();
    auto out = p->WaitForOutput("serving ", absl::Seconds(30));
    if (!out.ok()) return out.status();
    channel_ = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", dyad::testing::ParseServingPort(*out)),
        grpc::InsecureChannelCredentials());
    stub_ = InstitutionService::NewStub(channel_);
    return p;
  }

  grpc::StatusCode Get(const std::string& name, Institution* out = nullptr) {
    GetInstitutionRequest req;
    req.set_name(name);
    Institution i;
    grpc::Status s = stub_->GetInstitution(Ctx().get(), req, &i);
    if (out != nullptr) *out = i;
    return s.error_code();
  }

  std::string dir_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<InstitutionService::Stub> stub_;
};

TEST_F(InstitutionsLifecycleTest, WritesSurviveRestartsUpgradesAndPluginRemoval) {
  UsePlugin("fixtures/institutions/fixture_institutions.so");
  std::string name;
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
    EXPECT_THAT(p.Output(), HasSubstr("records=loaded"));
    CreateInstitutionRequest req;
    Institution* i = req.mutable_institution();
    i->set_display_name("Kept Across Restarts");
    i->set_kind("edu.university");
    i->set_host_country("AZE");
    i->mutable_founded()->set_year(2022);
    i->set_parent("institutions/city-university");
    auto* c = i->add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p1");
    Institution out;
    EXPECT_EQ(stub_->CreateInstitution(Ctx().get(), req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    grpc::Status s = stub_->CreateInstitution(Ctx("e2e-token").get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    name = out.name();
    // Acknowledged means durable: a kill -9 right now loses nothing.
    ASSERT_OK(p.Stop(SIGKILL, absl::Seconds(20)));
  }
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
    EXPECT_THAT(p.Output(), HasSubstr("records=unchanged"));
    Institution back;
    EXPECT_EQ(Get(name, &back), grpc::StatusCode::OK);
    EXPECT_EQ(back.display_name(), "Kept Across Restarts");
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  UsePlugin("fixtures/institutions_v2/fixture_institutions.so");  // replaces version 1
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
    EXPECT_THAT(p.Output(), HasSubstr("version=2.0.0 institutions=3 memberships=1 records=replaced"));
    EXPECT_EQ(Get(name), grpc::StatusCode::OK);
    EXPECT_EQ(Get("institutions/new-college"), grpc::StatusCode::OK);
    EXPECT_EQ(Get("institutions/planned-university"), grpc::StatusCode::NOT_FOUND);
    ASSERT_OK(p.Stop(SIGTERM, absl::Seconds(20)));
  }
  ASSERT_EQ(system(("rm '" + dir_ + "/plugins/fixture_institutions.so'").c_str()), 0);
  {
    ASSERT_OK_AND_ASSIGN(ChildProcess p, Start());
    EXPECT_THAT(p.Output(), HasSubstr("plugin=fixture_institutions records=removed"));
    EXPECT_EQ(Get(name), grpc::StatusCode::OK);
    EXPECT_EQ(Get("institutions/city-university"), grpc::StatusCode::NOT_FOUND);
    ListInstitutionsResponse all;
    ASSERT_TRUE(stub_->ListInstitutions(Ctx().get(), ListInstitutionsRequest(), &all).ok());
    ASSERT_EQ(all.total_size(), 1);
    EXPECT_EQ(all.institutions(0).name(), name);
    ASSERT_OK_AND_ASSIGN(int code, p.Stop(SIGTERM, absl::Seconds(20)));
    EXPECT_EQ(code, 0);
  }
}

TEST_F(InstitutionsLifecycleTest, StartupFailuresAreOneLineAndExitNonZero) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  std::vector<Case> cases = {
      {{"--plugins=" + dir_ + "/missing", "--db=:memory:"}, "cannot open plugin directory"},
      {{"--plugins=" + BuildPath("fixtures/nocite"), "--db=:memory:"}, "record without a citation"},
      {{"--plugins=" + BuildPath("plugins")}, "--db is required"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {BuildPath("bin/dyad-institutions"), "--host=127.0.0.1",
                                     "--port=0"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ASSERT_OK_AND_ASSIGN(ChildProcess p, ChildProcess::Start(argv));
    ASSERT_OK_AND_ASSIGN(int code, p.Wait(absl::Seconds(20)));
    const std::string out = p.Output();
    EXPECT_EQ(code, 1) << out;
    EXPECT_THAT(out, HasSubstr(c.expect));
    EXPECT_THAT(out, HasSubstr("startup failed"));
  }
}

}  // namespace
}  // namespace dyad
