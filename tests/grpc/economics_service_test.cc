// The real EconomicsService over a real server on a free loopback port:
// status codes at the edge, auth metadata, health.
#include "economics_service.h"

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "testing/health.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::economics {
namespace {

using namespace dyad::economics::v1;  // NOLINT
using ::testing::HasSubstr;

constexpr char kService[] = "dyad.economics.v1.EconomicsService";

class EconomicsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/economics/fixture_economics.so")};
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteObservationStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EconomicsCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    service_ = std::make_unique<EconomicsServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {kService}));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_.port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = EconomicsService::NewStub(channel_);
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  static RecordObservationRequest ValidRecord() {
    RecordObservationRequest req;
    Observation* o = req.mutable_observation();
    o->set_indicator("test.flow");
    o->set_reporter("AZE");
    o->set_partner("CHN");
    o->mutable_period()->set_year(2020);
    o->mutable_value()->set_value(123000000);
    o->mutable_value()->set_unit("USD");
    o->mutable_value()->set_precision(1000000);
    auto* c = o->add_citations();
    c->set_source_id("econ-fixture");
    c->set_locator("p1");
    return req;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EconomicsCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EconomicsServiceImpl> service_;
  ServerRunner runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EconomicsService::Stub> stub_;
};

TEST_F(EconomicsServiceTest, HealthIsServing) {
  ASSERT_OK_AND_ASSIGN(int health, dyad::testing::HealthStatus(channel_, kService));
  EXPECT_EQ(health, 1);
}

TEST_F(EconomicsServiceTest, IndicatorsSeriesAndSources) {
  ListIndicatorsResponse indicators;
  ASSERT_TRUE(stub_->ListIndicators(Ctx().get(), ListIndicatorsRequest(), &indicators).ok());
  EXPECT_EQ(indicators.indicators_size(), 5);

  GetSeriesRequest req;
  req.set_indicator("test.flow");
  req.set_reporter("CHN");
  req.set_partner("AZE");
  Series series;
  grpc::Status s = stub_->GetSeries(Ctx().get(), req, &series);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(series.points_size(), 5);
  EXPECT_EQ(series.points(1).rule(), "most-precise-consistent");
  EXPECT_TRUE(series.points(2).disputed());
  EXPECT_TRUE(series.points(1).has_change_percent());

  ListSourcesResponse sources;
  ASSERT_TRUE(stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  ASSERT_EQ(sources.sources_size(), 1);
  EXPECT_EQ(sources.sources(0).id(), "econ-fixture");
}

TEST_F(EconomicsServiceTest, ListObservationsPages) {
  ListObservationsRequest req;
  req.set_page_size(10);
  ListObservationsResponse p1;
  ASSERT_TRUE(stub_->ListObservations(Ctx().get(), req, &p1).ok());
  EXPECT_EQ(p1.observations_size(), 10);
  EXPECT_EQ(p1.total_size(), 15);
  ASSERT_FALSE(p1.next_page_token().empty());
  req.set_page_token(p1.next_page_token());
  ListObservationsResponse p2;
  ASSERT_TRUE(stub_->ListObservations(Ctx().get(), req, &p2).ok());
  EXPECT_EQ(p2.observations_size(), 5);
  EXPECT_TRUE(p2.next_page_token().empty());
}

TEST_F(EconomicsServiceTest, ErrorsMapToGrpcCodes) {
  GetSeriesRequest req;
  req.set_indicator("no.such.indicator");
  req.set_reporter("AZE");
  Series series;
  grpc::Status s = stub_->GetSeries(Ctx().get(), req, &series);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("no.such.indicator"));

  req.set_indicator("test.flow");
  req.set_reporter("AZ");
  s = stub_->GetSeries(Ctx().get(), req, &series);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("reporter"));

  req.set_indicator("test.derived");
  req.set_reporter("AZE");
  s = stub_->GetSeries(Ctx().get(), req, &series);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("fixture_economics"));

  ListObservationsRequest list;
  list.set_page_size(-5);
  ListObservationsResponse resp;
  s = stub_->ListObservations(Ctx().get(), list, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_size"));
  list = ListObservationsRequest();
  list.set_page_token("not a token");
  s = stub_->ListObservations(Ctx().get(), list, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

TEST_F(EconomicsServiceTest, WritesNeedTheToken) {
  Observation out;
  grpc::Status s = stub_->RecordObservation(Ctx().get(), ValidRecord(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->RecordObservation(Ctx("wrong").get(), ValidRecord(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The token is checked before the request: a bad record without it is
  // still UNAUTHENTICATED.
  s = stub_->RecordObservation(Ctx().get(), RecordObservationRequest(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  RecordObservationRequest req = ValidRecord();
  req.set_observation_id("api-2020");
  s = stub_->RecordObservation(Ctx("test-token").get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.name(), "observations/api-2020");
  EXPECT_EQ(out.plugin(), "");
  s = stub_->RecordObservation(Ctx("test-token").get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  req = ValidRecord();
  req.mutable_observation()->mutable_value()->set_unit("EUR");
  s = stub_->RecordObservation(Ctx("test-token").get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("observation.value.unit"));

  GetSeriesRequest get;
  get.set_indicator("test.flow");
  get.set_reporter("AZE");
  get.set_partner("CHN");
  get.mutable_period()->mutable_start()->set_year(2020);
  Series series;
  ASSERT_TRUE(stub_->GetSeries(Ctx().get(), get, &series).ok());
  ASSERT_EQ(series.points_size(), 1);
  EXPECT_EQ(series.points(0).observations(0).name(), "observations/api-2020");
}

TEST_F(EconomicsServiceTest, WritesAreRefusedWhenTheServerHasNoToken) {
  WriteAuthorizer none;
  EconomicsServiceImpl service(core_.get(), &none);
  ServerRunner runner;
  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.shutdown_grace = absl::Seconds(1);
  ASSERT_OK(runner.Start(config, {&service}, {kService}));
  auto stub = EconomicsService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", runner.port()), grpc::InsecureChannelCredentials()));
  Observation out;
  grpc::Status s = stub->RecordObservation(Ctx("anything").get(), ValidRecord(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  runner.Shutdown();
}

}  // namespace
}  // namespace dyad::economics
