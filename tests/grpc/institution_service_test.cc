// The real InstitutionService over a real server on a free loopback port.
#include "institution_service.h"

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using namespace dyad::institutions::v1;  // NOLINT

class InstitutionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/institutions/fixture_institutions.so")};
    ASSERT_OK_AND_ASSIGN(plugins_, PluginSet::Load(o));
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteInstitutionStore(":memory:"));
    core_ = std::make_unique<InstitutionCore>(std::move(store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("inst-token");
    service_ = std::make_unique<InstitutionServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.institutions.v1.InstitutionService"}));
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(runner_.port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = InstitutionService::NewStub(channel_);
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<InstitutionCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<InstitutionServiceImpl> service_;
  ServerRunner runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<InstitutionService::Stub> stub_;
};

TEST_F(InstitutionServiceTest, HealthListAndGet) {
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(
                                       channel_, "dyad.institutions.v1.InstitutionService"));
  EXPECT_EQ(health, 1);
  ListInstitutionsRequest req;
  req.add_kinds("edu");
  ListInstitutionsResponse resp;
  grpc::Status s = stub_->ListInstitutions(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.total_size(), 4);
  GetInstitutionRequest get;
  get.set_name("institutions/nope");
  Institution i;
  EXPECT_EQ(stub_->GetInstitution(Ctx().get(), get, &i).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(InstitutionServiceTest, ErrorsMapToCodes) {
  ListInstitutionsRequest req;
  req.set_page_size(-5);
  ListInstitutionsResponse resp;
  grpc::Status s = stub_->ListInstitutions(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page_size"));
  ListMembershipsRequest m;
  m.set_country("XYZ");
  ListMembershipsResponse mr;
  EXPECT_EQ(stub_->ListMemberships(Ctx().get(), m, &mr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(InstitutionServiceTest, WritesNeedTheToken) {
  CreateInstitutionRequest req;
  Institution* i = req.mutable_institution();
  i->set_display_name("Written through the API");
  i->set_kind("edu.university");
  auto* c = i->add_citations();
  c->set_source_id("inst-fixture");
  c->set_locator("p1");
  Institution out;
  EXPECT_EQ(stub_->CreateInstitution(Ctx().get(), req, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->CreateInstitution(Ctx("bad").get(), req, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status s = stub_->CreateInstitution(Ctx("inst-token").get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  GetInstitutionRequest get;
  get.set_name(out.name());
  Institution back;
  ASSERT_TRUE(stub_->GetInstitution(Ctx().get(), get, &back).ok());
  EXPECT_EQ(back.display_name(), "Written through the API");
}

TEST_F(InstitutionServiceTest, KindsMembershipsSources) {
  ListInstitutionKindsResponse kinds;
  ASSERT_TRUE(stub_->ListInstitutionKinds(Ctx().get(), ListInstitutionKindsRequest(), &kinds).ok());
  EXPECT_EQ(kinds.kinds_size(), 4);
  ListMembershipsResponse m;
  ASSERT_TRUE(stub_->ListMemberships(Ctx().get(), ListMembershipsRequest(), &m).ok());
  EXPECT_EQ(m.memberships_size(), 2);
  ListSourcesResponse sources;
  ASSERT_TRUE(stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  EXPECT_EQ(sources.sources_size(), 1);
}

}  // namespace
}  // namespace dyad::institutions
