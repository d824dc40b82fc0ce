// EventService.ExportEvents over a real server on a free loopback port:
// the stream equals ListEvents' pages concatenated, for several filters;
// a resume token continues exactly after its message; tokens of other
// filters (and page tokens) are INVALID_ARGUMENT naming resume_token; bad
// filters are refused as ListEvents refuses them; reads need the read token
// when the server has one.
#include <set>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/server.h"
#include "event_service.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT

constexpr int kEvents = 2345;

class ExportServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PluginHostOptions o;
    o.paths = {dyad::testing::BuildPath("fixtures/good/fixture_good.so")};
    auto set = PluginSet::Load(o);
    ASSERT_OK(set);
    plugins_ = std::move(*set);
    auto store = OpenSqliteEventStore(":memory:");
    ASSERT_OK(store);
    // Many events on one day and many on a month or a year, so pages split
    // inside runs of equal sort keys (the name breaks ties).
    std::vector<Event> events;
    for (int i = 0; i < kEvents; ++i) {
      Event e;
      e.set_name(absl::StrCat("events/bulk-", i));
      e.set_kind("test.meeting");
      e.set_domain("testing");
      e.set_title(absl::StrCat("Meeting ", i));
      e.mutable_date()->set_year(2000 + i % 20);
      if (i % 3 != 0) e.mutable_date()->set_month(1 + i % 12);
      if (i % 3 == 2) e.mutable_date()->set_day(1 + i % 28);
      e.add_countries(i % 5 == 0 ? "GEO" : "AZE");
      e.add_countries(i % 5 == 0 ? "TUR" : "CHN");
      auto* c = e.add_citations();
      c->set_source_id("fixture");
      c->set_locator(absl::StrCat("p", i));
      events.push_back(std::move(e));
    }
    ASSERT_OK((*store)->InsertBatch(events));
    core_ = std::make_unique<EventCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
    auth_ = WriteAuthorizer("test-token");
    StartServer();
  }
  void StartServer() {
    service_ = std::make_unique<EventServiceImpl>(core_.get(), &auth_);
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.shutdown_grace = absl::Seconds(1);
    ASSERT_OK(runner_.Start(config, {service_.get()}, {"dyad.events.v1.EventService"}));
    stub_ = EventService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { runner_.Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = "") {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    return ctx;
  }

  // Every name ListEvents gives for the filters, page after page.
  std::vector<std::string> Listed(ListEventsRequest req, int32_t* total) {
    std::vector<std::string> names;
    req.set_page_size(500);
    for (;;) {
      ListEventsResponse resp;
      grpc::Status s = stub_->ListEvents(Ctx().get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      *total = resp.total_size();
      for (const auto& e : resp.events()) names.push_back(e.name());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return names;
  }

  // Reads up to `max_messages` messages (-1: all); returns the names, the
  // messages' tokens and the estimated total, and the final status when the
  // stream was read to its end.
  struct Read {
    std::vector<std::string> names;
    std::vector<std::string> tokens;
    std::vector<int> sizes;
    int64_t estimated_total = -1;
    grpc::Status status;
  };
  Read Export(const ExportEventsRequest& req, int max_messages = -1,
              const std::string& auth = "") {
    Read r;
    auto ctx = Ctx(auth);
    auto reader = stub_->ExportEvents(ctx.get(), req);
    ExportEventsResponse m;
    while ((max_messages < 0 || static_cast<int>(r.tokens.size()) < max_messages) &&
           reader->Read(&m)) {
      if (r.tokens.empty()) r.estimated_total = m.estimated_total();
      for (const auto& e : m.events()) r.names.push_back(e.name());
      r.tokens.push_back(m.resume_token());
      r.sizes.push_back(m.events_size());
    }
    if (max_messages >= 0) ctx->TryCancel();  // the connection "breaks" here
    r.status = reader->Finish();
    return r;
  }

  static ExportEventsRequest ExportOf(const ListEventsRequest& l) {
    ExportEventsRequest e;
    *e.mutable_countries() = l.countries();
    if (l.has_period()) *e.mutable_period() = l.period();
    *e.mutable_kinds() = l.kinds();
    *e.mutable_domains() = l.domains();
    e.set_query(l.query());
    e.set_origin(l.origin());
    return e;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EventCore> core_;
  WriteAuthorizer auth_;
  std::unique_ptr<EventServiceImpl> service_;
  ServerRunner runner_;
  std::unique_ptr<EventService::Stub> stub_;
};

TEST_F(ExportServiceTest, ExportEqualsListPagesConcatenated) {
  std::vector<ListEventsRequest> filters(5);
  filters[1].add_countries("AZE");
  filters[1].add_countries("CHN");
  filters[2].add_countries("CHN");
  filters[2].mutable_period()->mutable_start()->set_year(2004);
  filters[2].mutable_period()->mutable_end()->set_year(2011);
  filters[2].mutable_period()->mutable_end()->set_month(6);
  filters[3].add_kinds("test");
  filters[3].set_query("meeting");
  filters[4].add_countries("GEO");
  filters[4].set_origin(dyad::type::v1::ORIGIN_CURATED);
  for (const auto& f : filters) {
    SCOPED_TRACE(f.ShortDebugString());
    int32_t total = 0;
    const std::vector<std::string> listed = Listed(f, &total);
    const Read exported = Export(ExportOf(f));
    ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
    EXPECT_EQ(exported.names, listed);
    EXPECT_EQ(exported.estimated_total, total);
    for (int n : exported.sizes) EXPECT_LE(n, 1000);
    EXPECT_FALSE(exported.tokens.empty());  // at least the first message
  }
  // The unfiltered export spans several messages of the full batch.
  const Read all = Export(ExportEventsRequest());
  ASSERT_GE(all.sizes.size(), 3u);
  EXPECT_EQ(all.sizes[0], 1000);
  EXPECT_GE(all.names.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(std::set<std::string>(all.names.begin(), all.names.end()).size(), all.names.size());
}

TEST_F(ExportServiceTest, ResumeContinuesAfterTheLastMessageRead) {
  ExportEventsRequest req;
  req.add_countries("AZE");
  const Read full = Export(req);
  ASSERT_TRUE(full.status.ok());
  ASSERT_GT(full.names.size(), 1500u);
  for (int cut : {1, 2}) {
    const Read first = Export(req, cut);
    EXPECT_EQ(first.status.error_code(), grpc::StatusCode::CANCELLED);
    ASSERT_EQ(static_cast<int>(first.tokens.size()), cut);
    ExportEventsRequest again = req;
    again.set_resume_token(first.tokens.back());
    const Read rest = Export(again);
    ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
    std::vector<std::string> joined = first.names;
    joined.insert(joined.end(), rest.names.begin(), rest.names.end());
    EXPECT_EQ(joined, full.names) << "cut after " << cut << " messages";
    EXPECT_EQ(rest.estimated_total, full.estimated_total);
  }
  // The last message's token: nothing follows.
  ExportEventsRequest after_end = req;
  after_end.set_resume_token(full.tokens.back());
  const Read none = Export(after_end);
  ASSERT_TRUE(none.status.ok());
  EXPECT_TRUE(none.names.empty());
  EXPECT_EQ(none.tokens, std::vector<std::string>{full.tokens.back()});
}

TEST_F(ExportServiceTest, ResumeTokenOfOtherFiltersIsInvalid) {
  ExportEventsRequest a;
  a.add_countries("AZE");
  const Read first = Export(a, 1);
  ASSERT_EQ(first.tokens.size(), 1u);
  ExportEventsRequest b;
  b.add_countries("CHN");
  b.set_resume_token(first.tokens[0]);
  Read r = Export(b);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("resume_token"));
  EXPECT_TRUE(r.names.empty());

  b.set_resume_token("not a token");
  r = Export(b);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("resume_token"));

  // A ListEvents page token of the same filters is not a resume token.
  ListEventsRequest list;
  list.add_countries("AZE");
  ListEventsResponse page;
  ASSERT_TRUE(stub_->ListEvents(Ctx().get(), list, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  a.set_resume_token(page.next_page_token());
  r = Export(a);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("resume_token"));
}

TEST_F(ExportServiceTest, BadFiltersAreRefusedAsListEventsRefusesThem) {
  ExportEventsRequest req;
  req.add_countries("azerbaijan");
  Read r = Export(req);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("countries"));
  ExportEventsRequest period;
  period.mutable_period()->mutable_start()->set_year(2015);
  period.mutable_period()->mutable_end()->set_year(2014);
  r = Export(period);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(r.status.error_message(), ::testing::HasSubstr("period"));
}

TEST_F(ExportServiceTest, NeedsTheReadTokenWhenTheServerHasOne) {
  auth_.set_read_token("read-secret");  // no call in flight: the service reads it per call
  Read r = Export(ExportEventsRequest());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(r.names.empty());
  r = Export(ExportEventsRequest(), -1, "read-secret");
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_GE(r.names.size(), static_cast<size_t>(kEvents));
}

}  // namespace
}  // namespace dyad::events
