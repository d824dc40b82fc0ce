// EventCore without gRPC: validation, filters, ordering, pagination, writes.
#include "event_core.h"

#include "absl/strings/match.h"
#include "testing/process.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using dyad::events::v1::CreateEventRequest;
using dyad::events::v1::Event;
using dyad::events::v1::ListEventsRequest;
using dyad::events::v1::ListEventsResponse;
using ::testing::ElementsAre;

std::vector<std::string> Names(const ListEventsResponse& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events()) out.push_back(e.name());
  return out;
}

class EventCoreTest : public ::testing::Test {
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
  }

  ListEventsRequest Dyad2015() {
    ListEventsRequest r;
    r.add_countries("AZE");
    r.add_countries("CHN");
    r.mutable_period()->mutable_start()->set_year(2015);
    r.mutable_period()->mutable_end()->set_year(2015);
    return r;
  }

  Event NewEvent() {
    Event e;
    e.set_kind("test.meeting");
    e.set_title("Talks on cargo");
    e.mutable_date()->set_year(2016);
    e.add_countries("AZE");
    e.add_countries("CHN");
    auto* c = e.add_citations();
    c->set_source_id("fixture");
    c->set_locator("p9");
    return e;
  }

  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EventCore> core_;
};

TEST_F(EventCoreTest, GetReturnsThePluginRecordWithDomainAndPlugin) {
  dyad::events::v1::GetEventRequest req;
  req.set_name("events/trade-deal-2015");
  ASSERT_OK_AND_ASSIGN(Event e, core_->GetEvent(req));
  EXPECT_EQ(e.title(), "Trade deal signed");
  EXPECT_EQ(e.domain(), "trade");
  EXPECT_EQ(e.plugin(), "fixture_good");
  ASSERT_EQ(e.citations_size(), 1);
  EXPECT_EQ(e.citations(0).locator(), "p3");
}

TEST_F(EventCoreTest, GetUnknownIsNotFoundNamingIt) {
  dyad::events::v1::GetEventRequest req;
  req.set_name("events/nope");
  EXPECT_STATUS(core_->GetEvent(req), absl::StatusCode::kNotFound, "events/nope");
  req.set_name("nope");
  EXPECT_STATUS(core_->GetEvent(req), absl::StatusCode::kInvalidArgument, "name:");
}

TEST_F(EventCoreTest, PeriodMatchesByOverlapLessPreciseFirst) {
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(Dyad2015()));
  EXPECT_THAT(Names(r), ElementsAre("events/year-2015", "events/month-2015",
                                    "events/trade-deal-2015"));
  EXPECT_EQ(r.total_size(), 3);
  EXPECT_TRUE(r.next_page_token().empty());
}

TEST_F(EventCoreTest, YearOnlyEventOverlapsAPeriodInsideIt) {
  ListEventsRequest req;
  req.mutable_period()->mutable_start()->set_year(1994);
  req.mutable_period()->mutable_start()->set_month(3);
  req.mutable_period()->mutable_end()->set_year(1994);
  req.mutable_period()->mutable_end()->set_month(6);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/year-only-1994"));
}

TEST_F(EventCoreTest, MultiDayEventMatchesByItsEndDate) {
  ListEventsRequest req;
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_start()->set_month(12);
  req.mutable_period()->mutable_start()->set_day(10);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/year-2015", "events/month-2015",
                                    "events/trade-deal-2015", "events/armenia-2017"));
}

TEST_F(EventCoreTest, EveryListedCountryMustTakePart) {
  ListEventsRequest req;
  req.add_countries("KAZ");
  req.add_countries("AZE");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/year-2015"));
  req.clear_countries();
  req.add_countries("ARM");
  ASSERT_OK_AND_ASSIGN(r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/armenia-2017"));
}

TEST_F(EventCoreTest, KindsMatchSubKindsAndDomainsFilter) {
  ListEventsRequest req;
  req.add_kinds("test.meeting");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_EQ(r.total_size(), 4);  // three meetings and one summit (a sub-kind)
  req.clear_kinds();
  req.add_domains("trade");
  ASSERT_OK_AND_ASSIGN(r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/trade-deal-2015", "events/armenia-2017"));
}

TEST_F(EventCoreTest, FullTextQueryMatchesTitleAndSummaryPrefixes) {
  ListEventsRequest req;
  req.set_query("railw carg");
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_THAT(Names(r), ElementsAre("events/trade-deal-2015"));
  req.set_query("\"; DROP TABLE events; --");
  ASSERT_OK_AND_ASSIGN(r, core_->ListEvents(req));
  EXPECT_EQ(r.total_size(), 0);
  req.set_query("");
  ASSERT_OK_AND_ASSIGN(r, core_->ListEvents(req));
  EXPECT_EQ(r.total_size(), 6);
}

TEST_F(EventCoreTest, PagesAreStableAcrossConcurrentInserts) {
  ListEventsRequest req;
  req.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(auto p1, core_->ListEvents(req));
  EXPECT_THAT(Names(p1), ElementsAre("events/first-contact-1991", "events/year-only-1994"));
  EXPECT_EQ(p1.total_size(), 6);
  ASSERT_FALSE(p1.next_page_token().empty());
  // An insert before the cursor must not shift the next page.
  CreateEventRequest create;
  *create.mutable_event() = NewEvent();
  create.mutable_event()->mutable_date()->set_year(1992);
  create.set_event_id("inserted-1992");
  ASSERT_OK(core_->CreateEvent(create));
  req.set_page_token(p1.next_page_token());
  ASSERT_OK_AND_ASSIGN(auto p2, core_->ListEvents(req));
  EXPECT_THAT(Names(p2), ElementsAre("events/year-2015", "events/month-2015"));
  req.set_page_token(p2.next_page_token());
  ASSERT_OK_AND_ASSIGN(auto p3, core_->ListEvents(req));
  EXPECT_THAT(Names(p3), ElementsAre("events/trade-deal-2015", "events/armenia-2017"));
  EXPECT_TRUE(p3.next_page_token().empty());
}

TEST_F(EventCoreTest, CachedListsSeeEveryWrite) {
  ListEventsRequest req = Dyad2015();
  ASSERT_OK_AND_ASSIGN(auto before, core_->ListEvents(req));
  ASSERT_OK_AND_ASSIGN(auto again, core_->ListEvents(req));  // served from the cache
  EXPECT_EQ(again.SerializeAsString(), before.SerializeAsString());
  CreateEventRequest create;
  *create.mutable_event() = NewEvent();
  create.mutable_event()->mutable_date()->set_year(2015);
  ASSERT_OK(core_->CreateEvent(create));
  ASSERT_OK_AND_ASSIGN(auto after, core_->ListEvents(req));
  EXPECT_EQ(after.total_size(), before.total_size() + 1);
}

TEST_F(EventCoreTest, BadInputIsInvalidArgumentNamingTheField) {
  ListEventsRequest req;
  req.set_page_size(-1);
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "page_size");
  req = ListEventsRequest();
  req.add_countries("AZE");
  req.add_countries("ZZZ");
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "countries[1]");
  req = ListEventsRequest();
  req.set_page_token("garbage");
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "page_token");
  req = ListEventsRequest();
  req.mutable_period()->mutable_start()->set_year(2015);
  req.mutable_period()->mutable_start()->set_month(13);
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "period.start.month");
  req = Dyad2015();
  req.mutable_period()->mutable_end()->set_year(2014);
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "period.end");
  req = ListEventsRequest();
  req.set_query(std::string(600, 'x'));
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "query");
}

TEST_F(EventCoreTest, PageTokenOnlyWorksWithItsFilters) {
  ListEventsRequest req;
  req.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(auto p1, core_->ListEvents(req));
  req.add_countries("AZE");
  req.set_page_token(p1.next_page_token());
  EXPECT_STATUS(core_->ListEvents(req), absl::StatusCode::kInvalidArgument, "other filters");
}

TEST_F(EventCoreTest, LargePageSizeIsClamped) {
  ListEventsRequest req;
  req.set_page_size(1 << 30);
  ASSERT_OK_AND_ASSIGN(auto r, core_->ListEvents(req));
  EXPECT_EQ(r.events_size(), 6);
}

TEST_F(EventCoreTest, CreateValidatesStoresAndSetsOutputFields) {
  CreateEventRequest req;
  *req.mutable_event() = NewEvent();
  req.mutable_event()->set_plugin("forged");
  req.mutable_event()->set_domain("forged");
  ASSERT_OK_AND_ASSIGN(Event e, core_->CreateEvent(req));
  EXPECT_TRUE(absl::StartsWith(e.name(), "events/talks-on-cargo-")) << e.name();
  EXPECT_EQ(e.plugin(), "");
  EXPECT_EQ(e.domain(), "testing");
  dyad::events::v1::GetEventRequest get;
  get.set_name(e.name());
  ASSERT_OK_AND_ASSIGN(Event back, core_->GetEvent(get));
  EXPECT_EQ(back.title(), "Talks on cargo");

  req.set_event_id("chosen-id");
  ASSERT_OK_AND_ASSIGN(e, core_->CreateEvent(req));
  EXPECT_EQ(e.name(), "events/chosen-id");
  EXPECT_STATUS(core_->CreateEvent(req), absl::StatusCode::kAlreadyExists, "events/chosen-id");
}

TEST_F(EventCoreTest, CreateRefusesMisleadingData) {
  auto Req = [](const Event& e) {
    CreateEventRequest r;
    *r.mutable_event() = e;
    return r;
  };
  Event e = NewEvent();
  e.set_title("Talks\x1b[2J on cargo");
  EXPECT_STATUS(core_->CreateEvent(Req(e)), absl::StatusCode::kInvalidArgument,
                "event.title: must not hold control characters");
  e = NewEvent();
  e.set_summary("First line.\nSecond line.");
  EXPECT_OK(core_->CreateEvent(Req(e)));
  e = NewEvent();
  e.clear_countries();
  e.add_countries("AZE");
  e.add_countries("AZE");
  EXPECT_STATUS(core_->CreateEvent(Req(e)), absl::StatusCode::kInvalidArgument,
                "event.countries[1]: duplicates event.countries[0]");
  e = NewEvent();
  e.mutable_citations(0)->set_source_id("no-such-source");
  EXPECT_STATUS(core_->CreateEvent(Req(e)), absl::StatusCode::kInvalidArgument,
                "event.citations[0].source_id: unknown source \"no-such-source\"");
}

TEST_F(EventCoreTest, CreateRejectsBadEventsNamingTheField) {
  struct Case {
    std::function<void(Event&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](Event& e) { e.clear_kind(); }, "event.kind"},
      {[](Event& e) { e.set_kind("no.such.kind"); }, "event.kind"},
      {[](Event& e) { e.clear_title(); }, "event.title"},
      {[](Event& e) { e.set_title(std::string(300, 'x')); }, "event.title"},
      {[](Event& e) { e.clear_date(); }, "event.date.year"},
      {[](Event& e) { e.mutable_date()->set_month(13); }, "event.date.month"},
      {[](Event& e) { e.mutable_end_date()->set_year(2000); }, "event.end_date"},
      {[](Event& e) { e.clear_countries(); }, "event.countries"},
      {[](Event& e) { e.add_countries("XYZ"); }, "event.countries[2]"},
      {[](Event& e) { e.add_participants()->set_role("x"); }, "event.participants[0].name"},
      {[](Event& e) { e.clear_citations(); }, "event.citations"},
      {[](Event& e) { e.mutable_citations(0)->clear_locator(); }, "event.citations[0].locator"},
      {[](Event& e) { e.mutable_amount()->set_value(5); }, "event.amount.unit"},
      {[](Event& e) { e.set_summary("bad \xff utf8"); }, "event.summary"},
  };
  for (const auto& c : cases) {
    CreateEventRequest req;
    *req.mutable_event() = NewEvent();
    c.mutate(*req.mutable_event());
    EXPECT_STATUS(core_->CreateEvent(req), absl::StatusCode::kInvalidArgument, c.field);
  }
  CreateEventRequest req;
  EXPECT_STATUS(core_->CreateEvent(req), absl::StatusCode::kInvalidArgument, "event:");
  *req.mutable_event() = NewEvent();
  req.set_event_id("Bad Id");
  EXPECT_STATUS(core_->CreateEvent(req), absl::StatusCode::kInvalidArgument, "event_id");
}

TEST_F(EventCoreTest, ListsKindsAndSources) {
  dyad::events::v1::ListEventKindsRequest req;
  ASSERT_OK_AND_ASSIGN(auto kinds, core_->ListEventKinds(req));
  ASSERT_EQ(kinds.kinds_size(), 3);
  EXPECT_EQ(kinds.kinds(0).id(), "test.meeting");
  EXPECT_EQ(kinds.kinds(0).plugin(), "fixture_good");
  req.set_domain("trade");
  ASSERT_OK_AND_ASSIGN(kinds, core_->ListEventKinds(req));
  ASSERT_EQ(kinds.kinds_size(), 1);
  EXPECT_EQ(core_->ListSources().sources(0).id(), "fixture");
}

}  // namespace
}  // namespace dyad::events
