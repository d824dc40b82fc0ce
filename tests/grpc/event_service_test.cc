// The real EventService over a real server on a free loopback port: status
// codes at the edge, auth metadata, health and reflection.
#include "event_service.h"

#include <grpcpp/grpcpp.h>

#include "common/server.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT

class EventServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/good/fixture_good.so")};
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteEventStore(":memory:");
    ASSERT_OK(store);
    core_ = std::make_unique<EventCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    service_ = std::make_unique<EventServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.events.v1.EventService"}));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner_.port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = EventService::NewStub(channel_);
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  CreateEventRequest ValidCreate() {
    CreateEventRequest req;
    Event* e = req.mutable_event();
    e->set_kind("test.meeting");
    e->set_title("Written through the API");
    e->mutable_date()->set_year(2020);
    e->add_countries("AZE");
    e->add_countries("CHN");
    auto* c = e->add_citations();
    c->set_source_id("fixture");
    c->set_locator("p1");
    return req;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EventCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EventServiceImpl> service_;
  ServerRunner runner_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(EventServiceTest, ListEventsFor2015) {
  ListEventsRequest req;
  req.add_countries("AZE");
  req.add_countries("CHN");
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_end()->set_year(2015);
  ListEventsResponse resp;
  grpc::Status s = stub_->ListEvents(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.events_size(), 3);
  EXPECT_EQ(resp.total_size(), 3);
  for (const auto& e : resp.events()) EXPECT_GE(e.citations_size(), 1);
}

TEST_F(EventServiceTest, ErrorsMapToGrpcCodes) {
  ListEventsRequest bad;
  bad.set_page_size(-3);
  ListEventsResponse resp;
  grpc::Status s = stub_->ListEvents(Ctx().get(), bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page_size"));

  GetEventRequest get;
  get.set_name("events/missing");
  Event e;
  s = stub_->GetEvent(Ctx().get(), get, &e);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("events/missing"));
}

TEST_F(EventServiceTest, WritesNeedTheToken) {
  Event out;
  grpc::Status s = stub_->CreateEvent(Ctx().get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->CreateEvent(Ctx("wrong").get(), ValidCreate(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  s = stub_->CreateEvent(Ctx("test-token").get(), ValidCreate(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.domain(), "testing");
  GetEventRequest get;
  get.set_name(out.name());
  Event back;
  ASSERT_TRUE(stub_->GetEvent(Ctx().get(), get, &back).ok());
  EXPECT_EQ(back.title(), "Written through the API");
}

TEST_F(EventServiceTest, KindsAndSources) {
  ListEventKindsResponse kinds;
  ASSERT_TRUE(stub_->ListEventKinds(Ctx().get(), ListEventKindsRequest(), &kinds).ok());
  EXPECT_EQ(kinds.kinds_size(), 3);
  ListSourcesResponse sources;
  ASSERT_TRUE(stub_->ListSources(Ctx().get(), ListSourcesRequest(), &sources).ok());
  ASSERT_EQ(sources.sources_size(), 1);
}

TEST_F(EventServiceTest, ClosedReadsNeedAToken) {
  auth_.set_read_token("read-token");
  ListEventKindsResponse kinds;
  grpc::Status s = stub_->ListEventKinds(Ctx().get(), ListEventKindsRequest(), &kinds);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ListEventsResponse list;
  s = stub_->ListEvents(Ctx("wrong").get(), ListEventsRequest(), &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->ListEventKinds(Ctx("read-token").get(), ListEventKindsRequest(), &kinds).ok());
  EXPECT_TRUE(stub_->ListEvents(Ctx("test-token").get(), ListEventsRequest(), &list).ok());
  GetEventRequest get;
  get.set_name("events/trade-deal-2015");
  Event e;
  EXPECT_EQ(stub_->GetEvent(Ctx().get(), get, &e).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->GetEvent(Ctx("read-token").get(), get, &e).ok());
}

TEST_F(EventServiceTest, OversizedRequestIsRefused) {
  ListEventsRequest req;
  req.set_query(std::string(5 << 20, 'a'));  // over the 4 MiB receive limit
  ListEventsResponse resp;
  grpc::Status s = stub_->ListEvents(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace dyad::events
