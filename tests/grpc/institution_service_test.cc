// The real InstitutionService over a real server on a free loopback port,
// with the fixture plugin: every method, status codes as clients see them,
// and the write and read tokens.
#include "institution_service.h"

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::institutions {
namespace {

using namespace dyad::institutions::v1;  // NOLINT
using ::testing::HasSubstr;

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

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  static CreateInstitutionRequest ValidCreate() {
    CreateInstitutionRequest req;
    Institution* i = req.mutable_institution();
    i->set_display_name("Written through the API");
    i->set_kind("edu.university");
    i->set_host_country("AZE");
    i->add_partners("institutions/city-university");
    auto* c = i->add_citations();
    c->set_source_id("inst-fixture");
    c->set_locator("p1");
    return req;
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
  req.add_countries("CHN");
  req.set_page_size(2);
  ListInstitutionsResponse resp;
  grpc::Status s = stub_->ListInstitutions(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.total_size(), 5);
  ASSERT_EQ(resp.institutions_size(), 2);
  EXPECT_EQ(resp.institutions(0).name(), "institutions/closed-centre");
  EXPECT_EQ(resp.institutions(1).name(), "institutions/language-institute");
  req.set_page_token(resp.next_page_token());
  s = stub_->ListInstitutions(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.institutions(0).name(), "institutions/institute-branch");

  GetInstitutionRequest get;
  get.set_name("institutions/language-institute");
  Institution i;
  s = stub_->GetInstitution(Ctx().get(), get, &i);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(i.founded().year(), 2011);
  EXPECT_EQ(i.founded().month(), 4);
  EXPECT_EQ(i.partners(0), "institutions/city-university");
  ASSERT_EQ(i.external_ids_size(), 1);
  EXPECT_EQ(i.external_ids(0).scheme(), "wikidata");
}

TEST_F(InstitutionServiceTest, ErrorsMapToCodesNamingTheField) {
  GetInstitutionRequest get;
  get.set_name("institutions/nope");
  Institution i;
  grpc::Status s = stub_->GetInstitution(Ctx().get(), get, &i);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("institutions/nope"));
  get.set_name("nope");
  s = stub_->GetInstitution(Ctx().get(), get, &i);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("name"));

  struct Case {
    std::function<void(ListInstitutionsRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_page_size(-5); }, "page_size"},
      {[](auto& r) { r.set_page_token("garbage"); }, "page_token"},
      {[](auto& r) { r.add_countries("ZZZ"); }, "countries[0]"},
      {[](auto& r) { r.set_host_country("az"); }, "host_country"},
      {[](auto& r) { r.mutable_founded()->mutable_end()->set_year(2010);
                     r.mutable_founded()->mutable_end()->set_month(13); }, "founded.end.month"},
      {[](auto& r) { r.mutable_founded()->mutable_start()->set_year(2012);
                     r.mutable_founded()->mutable_end()->set_year(2010); }, "founded.end"},
      {[](auto& r) { r.set_query(std::string(600, 'w')); }, "query"},
  };
  for (const auto& c : cases) {
    ListInstitutionsRequest req;
    c.mutate(req);
    ListInstitutionsResponse resp;
    s = stub_->ListInstitutions(Ctx().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }

  ListMembershipsRequest m;
  m.set_country("XYZ");
  ListMembershipsResponse mr;
  s = stub_->ListMemberships(Ctx().get(), m, &mr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("country"));
  m.Clear();
  m.set_organization("asia-forum");
  s = stub_->ListMemberships(Ctx().get(), m, &mr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("organization"));
}

TEST_F(InstitutionServiceTest, WritesNeedTheToken) {
  Institution out;
  grpc::Status s = stub_->CreateInstitution(Ctx().get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->CreateInstitution(Ctx("bad").get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->CreateInstitution(Ctx("inst-token").get(), ValidCreate(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(out.plugin().empty());
  GetInstitutionRequest get;
  get.set_name(out.name());
  Institution back;
  ASSERT_TRUE(stub_->GetInstitution(Ctx().get(), get, &back).ok());
  EXPECT_EQ(back.display_name(), "Written through the API");

  CreateInstitutionRequest req = ValidCreate();
  req.set_institution_id("api-one");
  ASSERT_TRUE(stub_->CreateInstitution(Ctx("inst-token").get(), req, &out).ok());
  s = stub_->CreateInstitution(Ctx("inst-token").get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("institutions/api-one"));
  req = ValidCreate();
  req.mutable_institution()->set_kind("edu.nothing");
  s = stub_->CreateInstitution(Ctx("inst-token").get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("institution.kind"));
  // A refused token is refused before validation: no hint about the body.
  s = stub_->CreateInstitution(Ctx().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(InstitutionServiceTest, WritesAreRefusedWhenTheServerHasNoToken) {
  auth_ = WriteAuthorizer();  // no token configured: writes disabled
  Institution out;
  grpc::Status s = stub_->CreateInstitution(Ctx("inst-token").get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("no write token configured"));
  // A call without credentials is still told to authenticate first.
  s = stub_->CreateInstitution(Ctx().get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Reads stay open.
  ListInstitutionsResponse list;
  EXPECT_TRUE(stub_->ListInstitutions(Ctx().get(), ListInstitutionsRequest(), &list).ok());
  EXPECT_EQ(list.total_size(), 8);
}

TEST_F(InstitutionServiceTest, ClosedReadsNeedAToken) {
  auth_.set_read_token("read-token");
  ListInstitutionsResponse list;
  grpc::Status s = stub_->ListInstitutions(Ctx().get(), ListInstitutionsRequest(), &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ListMembershipsResponse m;
  s = stub_->ListMemberships(Ctx("wrong").get(), ListMembershipsRequest(), &m);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ListInstitutionKindsResponse kinds;
  s = stub_->ListInstitutionKinds(Ctx().get(), ListInstitutionKindsRequest(), &kinds);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ListSourcesResponse sources;
  s = stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  GetInstitutionRequest get;
  get.set_name("institutions/city-university");
  Institution i;
  EXPECT_EQ(stub_->GetInstitution(Ctx().get(), get, &i).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->GetInstitution(Ctx("read-token").get(), get, &i).ok());
  EXPECT_TRUE(stub_->ListMemberships(Ctx("inst-token").get(), ListMembershipsRequest(), &m).ok());
  EXPECT_TRUE(stub_->ListSources(Ctx("read-token").get(), ListSourcesRequest(), &sources).ok());
}

TEST_F(InstitutionServiceTest, KindsMembershipsSources) {
  ListInstitutionKindsResponse kinds;
  ASSERT_TRUE(stub_->ListInstitutionKinds(Ctx().get(), ListInstitutionKindsRequest(), &kinds).ok());
  ASSERT_EQ(kinds.kinds_size(), 6);
  EXPECT_EQ(kinds.kinds(0).id(), "edu.institute");
  ListInstitutionKindsRequest domain;
  domain.set_domain("diplomacy");
  ASSERT_TRUE(stub_->ListInstitutionKinds(Ctx().get(), domain, &kinds).ok());
  ASSERT_EQ(kinds.kinds_size(), 1);
  EXPECT_EQ(kinds.kinds(0).id(), "org.forum");

  ListMembershipsRequest mreq;
  mreq.set_country("AZE");
  ListMembershipsResponse m;
  ASSERT_TRUE(stub_->ListMemberships(Ctx().get(), mreq, &m).ok());
  ASSERT_EQ(m.memberships_size(), 2);
  EXPECT_EQ(m.memberships(0).organization(), "institutions/asia-forum");
  EXPECT_EQ(m.memberships(0).organization_display_name(), "Asian Dialogue Forum");
  EXPECT_EQ(m.memberships(1).organization(), "institutions/regional-bank");
  ASSERT_TRUE(stub_->ListMemberships(Ctx().get(), ListMembershipsRequest(), &m).ok());
  EXPECT_EQ(m.memberships_size(), 5);

  ListSourcesResponse sources;
  ASSERT_TRUE(stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  ASSERT_EQ(sources.sources_size(), 1);
  EXPECT_EQ(sources.sources(0).id(), "inst-fixture");
}

TEST_F(InstitutionServiceTest, OversizedRequestIsRefused) {
  ListInstitutionsRequest req;
  req.set_query(std::string(5 << 20, 'a'));  // over the 4 MiB receive limit
  ListInstitutionsResponse resp;
  EXPECT_EQ(stub_->ListInstitutions(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace dyad::institutions
