// dyad-institutions started as a user would, over the curated plugins.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include <grpcpp/grpcpp.h>

#include "dyad/institutions/v1/institutions.grpc.pb.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::testing::BuildPath;
using dyad::testing::ChildProcess;
using namespace dyad::institutions::v1;  // NOLINT

class InstitutionsE2eTest : public ::testing::Test {
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
    EXPECT_TRUE(code.ok() && *code == 0);
    delete server_;
    delete channel_;
  }
  std::unique_ptr<InstitutionService::Stub> Stub() { return InstitutionService::NewStub(*channel_); }
  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }
  static ChildProcess* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
};
ChildProcess* InstitutionsE2eTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* InstitutionsE2eTest::channel_ = nullptr;

TEST_F(InstitutionsE2eTest, ServingAndHealthy) {
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(
                                       *channel_, "dyad.institutions.v1.InstitutionService"));
  EXPECT_EQ(health, 1);
  EXPECT_THAT(server_->Output(), ::testing::HasSubstr("diplomacy@"));
}

TEST_F(InstitutionsE2eTest, ConfuciusInstitutesWithFoundingDates) {
  // Every kind whose id names a Confucius institute, centre or branch.
  ListInstitutionKindsResponse kinds;
  ASSERT_TRUE(Stub()->ListInstitutionKinds(Ctx().get(), ListInstitutionKindsRequest(), &kinds).ok());
  ListInstitutionsRequest req;
  for (const auto& k : kinds.kinds()) {
    if (k.id().find("confucius") != std::string::npos) req.add_kinds(k.id());
  }
  if (req.kinds().empty()) {
    GTEST_SKIP() << "no Confucius institution kind among the loaded plugins";
  }
  ListInstitutionsResponse resp;
  grpc::Status s = Stub()->ListInstitutions(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(resp.institutions_size(), 3);
  std::set<int> years;
  for (const auto& i : resp.institutions()) {
    EXPECT_GE(i.citations_size(), 1) << i.name();
    if (i.founded().year() > 0) years.insert(i.founded().year());
  }
  // BSU (April 2011), Khazar branch (April 2013), AUL (June 2016), centre (March 2018).
  for (int y : {2011, 2013, 2016, 2018}) EXPECT_TRUE(years.count(y)) << y;
}

TEST_F(InstitutionsE2eTest, MembershipsOfAzerbaijan) {
  ListMembershipsRequest req;
  req.set_country("AZE");
  ListMembershipsResponse resp;
  grpc::Status s = Stub()->ListMemberships(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::set<std::string> orgs;
  for (const auto& m : resp.memberships()) {
    orgs.insert(m.organization());
    EXPECT_FALSE(m.organization_display_name().empty());
    EXPECT_GE(m.citations_size(), 1);
  }
  EXPECT_TRUE(orgs.count("institutions/aiib"));
  EXPECT_TRUE(orgs.count("institutions/shanghai-cooperation-organization"));
}

TEST_F(InstitutionsE2eTest, FiltersByHostAndCity) {
  ListInstitutionsRequest req;
  req.set_host_country("CHN");
  ListInstitutionsResponse resp;
  ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
  for (const auto& i : resp.institutions()) EXPECT_EQ(i.host_country(), "CHN") << i.name();
  req.Clear();
  req.set_city("baku");
  ASSERT_TRUE(Stub()->ListInstitutions(Ctx().get(), req, &resp).ok());
  EXPECT_GT(resp.total_size(), 0);
  for (const auto& i : resp.institutions()) EXPECT_EQ(i.city(), "Baku") << i.name();
}

}  // namespace
}  // namespace dyad
