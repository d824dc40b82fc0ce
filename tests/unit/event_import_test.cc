// The machine-coded import path and CountEvents, without gRPC: idempotent
// upserts, corrected rows, all-or-nothing batches, kind mapping through the
// plugins' CAMEO taxonomy, count grouping, directed counts, partial dates,
// and the origin filter of ListEvents.
#include <unistd.h>

#include "common/records.h"
#include "common/sqlite/database.h"
#include "common/validation.h"
#include "event_core.h"
#include "testing/cameo_fixture.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using namespace dyad::events::v1;  // NOLINT
using dyad::testing::GdeltEvent;

class EventImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(plugins_, dyad::testing::CameoFixturePlugins());
    Open();
  }
  void TearDown() override {
    core_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }
  void Open() {
    core_.reset();
    auto store = OpenSqliteEventStore(path_);
    ASSERT_OK(store);
    core_ = std::make_unique<EventCore>(std::move(*store), plugins_.get());
    ASSERT_OK(core_->LoadPluginRecords());
  }

  ImportEventsResponse Import(const std::vector<Event>& events) {
    ImportEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    ImportEventsResponse summary;
    int64_t index = 0;
    absl::Status s = core_->ImportEvents(req, &index, &summary);
    EXPECT_TRUE(s.ok()) << s;
    return summary;
  }

  std::vector<Event> Rows() {
    return {GdeltEvent("1001", "AZE", "GEO", "042", 2020, 5, 3, 1.9, 2.5),
            GdeltEvent("1002", "GEO", "AZE", "19", 2020, 5, 20, -10, -6.0),
            GdeltEvent("1003", "AZE", "GEO", "04", 2021, 1, 7, 1.0, 0.5)};
  }

  CountEventsRequest Dyad() {
    CountEventsRequest r;
    r.add_countries("AZE");
    r.add_countries("GEO");
    return r;
  }

  std::string path_ = ::testing::TempDir() + "/event_import_test_" + std::to_string(getpid()) + ".db";
  std::unique_ptr<PluginSet> plugins_;
  std::unique_ptr<EventCore> core_;
};

TEST_F(EventImportTest, SameRowsTwiceChangeNothing) {
  ImportEventsResponse first = Import(Rows());
  EXPECT_EQ(first.received(), 3);
  EXPECT_EQ(first.created(), 3);
  EXPECT_EQ(first.rejected(), 0);
  ImportEventsResponse again = Import(Rows());
  EXPECT_EQ(again.received(), 3);
  EXPECT_EQ(again.created(), 0);
  EXPECT_EQ(again.updated(), 0);
  EXPECT_EQ(again.unchanged(), 3);
  ListEventsRequest all;
  all.add_countries("AZE");
  all.add_countries("GEO");
  ASSERT_OK_AND_ASSIGN(auto page, core_->ListEvents(all));
  EXPECT_EQ(page.total_size(), 4);  // three imported, one curated
}

TEST_F(EventImportTest, ImportedEventTakesKindNameAndOrigin) {
  Import(Rows());
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-1001");
  ASSERT_OK_AND_ASSIGN(Event e, core_->GetEvent(get));
  EXPECT_EQ(e.kind(), "cameo.consult.visit");  // the "cameo" kind, not the curated test.meeting
  EXPECT_EQ(e.domain(), "diplomacy");
  EXPECT_EQ(e.origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
  EXPECT_EQ(e.title(), "Make a visit (AZE → GEO)");
  EXPECT_THAT(e.countries(), ::testing::ElementsAre("AZE", "GEO"));
  EXPECT_DOUBLE_EQ(e.coded().goldstein(), 1.9);
  EXPECT_EQ(e.citations(0).row().file(), "20240101.export.CSV");
}

// GDELT codes many events whose actors carry no country: they are imported,
// not rejected (the real files must import with zero rejected rows).
TEST_F(EventImportTest, EventNamingNoCountryIsImported) {
  Event no_country = GdeltEvent("1009", "", "", "042", 2020, 6, 1, 1.9, 0.0);
  ImportEventsResponse s = Import({no_country});
  EXPECT_EQ(s.created(), 1);
  EXPECT_EQ(s.rejected(), 0);
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-1009");
  ASSERT_OK_AND_ASSIGN(Event e, core_->GetEvent(get));
  EXPECT_TRUE(e.countries().empty());
}

TEST_F(EventImportTest, CorrectedRowUpdatesItsRecord) {
  Import(Rows());
  std::vector<Event> corrected = Rows();
  corrected[1].mutable_coded()->set_goldstein(-9.5);
  corrected[1].mutable_date()->set_year(2019);
  ImportEventsResponse s = Import(corrected);
  EXPECT_EQ(s.updated(), 1);
  EXPECT_EQ(s.unchanged(), 2);
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-1002");
  ASSERT_OK_AND_ASSIGN(Event e, core_->GetEvent(get));
  EXPECT_DOUBLE_EQ(e.coded().goldstein(), -9.5);
  // The old version's index rows went with it: the dyad counts once, in 2019.
  CountEventsRequest r = Dyad();
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  ASSERT_OK_AND_ASSIGN(auto c, core_->CountEvents(r));
  EXPECT_EQ(c.total(), 3);
  ASSERT_EQ(c.buckets_size(), 3);
  EXPECT_EQ(c.buckets(0).year(), 2019);
  EXPECT_DOUBLE_EQ(c.buckets(0).goldstein_sum(), -9.5);
}

TEST_F(EventImportTest, BadRecordsAreRejectedWithTheirRowAndTheRestWritten) {
  std::vector<Event> rows = Rows();
  rows.push_back(GdeltEvent("1004", "AZE", "GEO", "999", 2020, 1, 1, 0, 0));  // unknown code
  rows.push_back(GdeltEvent("1005", "AZX", "GEO", "042", 2020, 1, 1, 0, 0));  // bad country
  Event unknown_source = GdeltEvent("1006", "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
  unknown_source.mutable_citations(0)->set_source_id("gdelt-9");
  unknown_source.mutable_coded()->clear_dataset();
  rows.push_back(unknown_source);
  Event bad_date = GdeltEvent("1007", "AZE", "GEO", "042", 2021, 2, 30, 0, 0);
  rows.push_back(bad_date);
  Event bad_actor = GdeltEvent("1008", "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
  bad_actor.mutable_coded()->set_target_actor("GEO\nGOVERNMENT");
  rows.push_back(bad_actor);
  Event bad_url = GdeltEvent("1010", "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
  bad_url.mutable_citations(0)->set_url(std::string(2001, 'u'));
  rows.push_back(bad_url);
  ImportEventsResponse s = Import(rows);
  EXPECT_EQ(s.received(), 9);
  EXPECT_EQ(s.created(), 3);
  EXPECT_EQ(s.rejected(), 6);
  ASSERT_EQ(s.rejections_size(), 6);
  EXPECT_EQ(s.rejections(0).index(), 3);
  EXPECT_EQ(s.rejections(0).row().upstream_id(), "1004");
  EXPECT_EQ(s.rejections(0).row().file(), "20240101.export.CSV");
  EXPECT_EQ(s.rejections(0).row().line(), 1004);
  EXPECT_THAT(s.rejections(0).reason(), ::testing::HasSubstr("coded.cameo_code"));
  EXPECT_THAT(s.rejections(0).reason(), ::testing::HasSubstr("\"999\""));
  EXPECT_THAT(s.rejections(1).reason(), ::testing::HasSubstr("coded.source_country"));
  EXPECT_THAT(s.rejections(2).reason(), ::testing::HasSubstr("unknown source \"gdelt-9\""));
  EXPECT_THAT(s.rejections(3).reason(), ::testing::HasSubstr("date.day"));
  EXPECT_THAT(s.rejections(4).reason(), ::testing::HasSubstr("coded.target_actor"));
  EXPECT_THAT(s.rejections(5).reason(), ::testing::HasSubstr("citations[0].url: at most 2000"));
}

TEST_F(EventImportTest, TooManyEventsInOneMessageIsInvalid) {
  ImportEventsRequest req;
  for (int i = 0; i < 10001; ++i) req.add_events();
  ImportEventsResponse summary;
  int64_t index = 0;
  EXPECT_STATUS(core_->ImportEvents(req, &index, &summary), absl::StatusCode::kInvalidArgument,
                "events: at most 10000");
}

TEST_F(EventImportTest, BatchFailingInStorageLeavesNothingWritten) {
  {
    // A trigger that fails the third row's dyad index insert, after the
    // first two rows of the same message were written.
    ASSERT_OK_AND_ASSIGN(auto db, sql::Database::Open(path_));
    ASSERT_OK(db->Execute(
        "CREATE TRIGGER fail_one BEFORE INSERT ON event_dyads WHEN new.kind = 'cameo.consult' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"));
  }
  ImportEventsRequest req;
  for (const auto& e : Rows()) *req.add_events() = e;
  ImportEventsResponse summary;
  int64_t index = 0;
  EXPECT_STATUS(core_->ImportEvents(req, &index, &summary), absl::StatusCode::kFailedPrecondition,
                "injected failure");
  EXPECT_EQ(summary.received(), 0);
  CountEventsRequest r = Dyad();
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  ASSERT_OK_AND_ASSIGN(auto c, core_->CountEvents(r));
  EXPECT_EQ(c.total(), 0);
  GetEventRequest get;
  get.set_name("events/gdelt-2-0-1001");
  EXPECT_STATUS(core_->GetEvent(get), absl::StatusCode::kNotFound, "gdelt-2-0-1001");
}

TEST_F(EventImportTest, LongUpstreamIdsGetDistinctValidNames) {
  std::string long_a(80, 'a');
  Event a = GdeltEvent("1", "AZE", "GEO", "042", 2020, 1, 1, 0, 0);
  a.mutable_citations(0)->mutable_row()->set_upstream_id(long_a + "1");
  Event b = a;
  b.mutable_citations(0)->mutable_row()->set_upstream_id(long_a + "2");
  ImportEventsResponse s = Import({a, b});
  EXPECT_EQ(s.created(), 2);
  ListEventsRequest l;
  l.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  ASSERT_OK_AND_ASSIGN(auto page, core_->ListEvents(l));
  ASSERT_EQ(page.events_size(), 2);
  EXPECT_NE(page.events(0).name(), page.events(1).name());
  for (const auto& e : page.events()) EXPECT_LE(e.name().size(), 7u + 63u) << e.name();
}

TEST_F(EventImportTest, ListEventsFiltersByOrigin) {
  Import(Rows());
  ListEventsRequest r;
  r.add_countries("AZE");
  r.add_countries("GEO");
  r.set_origin(dyad::type::v1::ORIGIN_CURATED);
  ASSERT_OK_AND_ASSIGN(auto curated, core_->ListEvents(r));
  ASSERT_EQ(curated.events_size(), 1);
  EXPECT_EQ(curated.events(0).name(), "events/curated-visit-2015");
  EXPECT_EQ(curated.total_size(), 1);
  r.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  r.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(auto coded, core_->ListEvents(r));
  EXPECT_EQ(coded.total_size(), 3);
  ASSERT_FALSE(coded.next_page_token().empty());
  // The origin is part of the token's filter fingerprint.
  ListEventsRequest other = r;
  other.set_origin(dyad::type::v1::ORIGIN_CURATED);
  other.set_page_token(coded.next_page_token());
  EXPECT_STATUS(core_->ListEvents(other), absl::StatusCode::kInvalidArgument, "page_token");
  r.set_page_token(coded.next_page_token());
  ASSERT_OK_AND_ASSIGN(auto next, core_->ListEvents(r));
  EXPECT_EQ(next.events_size(), 1);
  r.set_origin(static_cast<dyad::type::v1::Origin>(7));
  EXPECT_STATUS(core_->ListEvents(r), absl::StatusCode::kInvalidArgument, "origin");
}

TEST_F(EventImportTest, CountsByMonthWithMeasures) {
  Import(Rows());
  CountEventsRequest r = Dyad();
  r.set_granularity(GRANULARITY_MONTH);
  ASSERT_OK_AND_ASSIGN(auto c, core_->CountEvents(r));
  EXPECT_EQ(c.total(), 4);
  ASSERT_EQ(c.buckets_size(), 3);
  // 2015-03: the curated event, no coded measures: absent, not zero.
  EXPECT_EQ(c.buckets(0).year(), 2015);
  EXPECT_EQ(c.buckets(0).month(), 3);
  EXPECT_EQ(c.buckets(0).count(), 1);
  EXPECT_FALSE(c.buckets(0).has_goldstein_sum());
  EXPECT_FALSE(c.buckets(0).has_goldstein_mean());
  EXPECT_FALSE(c.buckets(0).has_mean_tone());
  // 2020-05: a visit (+1.9, tone 2.5) and a fight (-10, tone -6).
  EXPECT_EQ(c.buckets(1).year(), 2020);
  EXPECT_EQ(c.buckets(1).month(), 5);
  EXPECT_EQ(c.buckets(1).count(), 2);
  EXPECT_DOUBLE_EQ(c.buckets(1).goldstein_sum(), -8.1);
  EXPECT_DOUBLE_EQ(c.buckets(1).goldstein_mean(), -4.05);
  EXPECT_DOUBLE_EQ(c.buckets(1).mean_tone(), -1.75);
  EXPECT_EQ(c.buckets(2).month(), 1);
}

TEST_F(EventImportTest, CountsGroupedByKindPloverAndQuadClass) {
  Import(Rows());
  CountEventsRequest r = Dyad();
  r.set_group_by(COUNT_GROUP_PLOVER_TYPE);
  r.mutable_period()->mutable_start()->set_year(2020);
  ASSERT_OK_AND_ASSIGN(auto plover, core_->CountEvents(r));
  ASSERT_EQ(plover.buckets_size(), 3);
  EXPECT_EQ(plover.buckets(0).year(), 2020);
  EXPECT_EQ(plover.buckets(0).group(), "CONSULT");
  EXPECT_EQ(plover.buckets(1).group(), "FIGHT");
  EXPECT_EQ(plover.buckets(2).year(), 2021);
  r.set_group_by(COUNT_GROUP_QUAD_CLASS);
  r.clear_period();
  ASSERT_OK_AND_ASSIGN(auto quad, core_->CountEvents(r));
  // The curated kind has no QuadClass: "0"; coded rows carry none either,
  // so the kind's QuadClass is used.
  ASSERT_EQ(quad.buckets_size(), 4);
  EXPECT_EQ(quad.buckets(0).group(), "0");
  EXPECT_EQ(quad.buckets(1).group(), "1");
  EXPECT_EQ(quad.buckets(2).group(), "4");
  r.set_group_by(COUNT_GROUP_KIND);
  r.add_kinds("cameo.consult");  // and its sub-kind cameo.consult.visit
  ASSERT_OK_AND_ASSIGN(auto kinds, core_->CountEvents(r));
  EXPECT_EQ(kinds.total(), 2);
  ASSERT_EQ(kinds.buckets_size(), 2);
  EXPECT_EQ(kinds.buckets(0).group(), "cameo.consult.visit");
  EXPECT_EQ(kinds.buckets(1).group(), "cameo.consult");
}

TEST_F(EventImportTest, DirectedCountsUseCodedSourceAndTarget) {
  Import(Rows());
  CountEventsRequest r = Dyad();  // [AZE, GEO]
  r.set_direction(DIRECTION_A_TO_B);
  ASSERT_OK_AND_ASSIGN(auto ab, core_->CountEvents(r));
  EXPECT_EQ(ab.total(), 2);  // 1001 and 1003; the curated event is undirected
  r.set_direction(DIRECTION_B_TO_A);
  ASSERT_OK_AND_ASSIGN(auto ba, core_->CountEvents(r));
  EXPECT_EQ(ba.total(), 1);
  // The same questions asked with the countries the other way round.
  CountEventsRequest swapped;
  swapped.add_countries("GEO");
  swapped.add_countries("AZE");
  swapped.set_direction(DIRECTION_A_TO_B);
  ASSERT_OK_AND_ASSIGN(auto ga, core_->CountEvents(swapped));
  EXPECT_EQ(ga.total(), 1);
  EXPECT_DOUBLE_EQ(ga.buckets(0).goldstein_sum(), -10);
  r.set_direction(DIRECTION_BOTH);
  ASSERT_OK_AND_ASSIGN(auto both, core_->CountEvents(r));
  EXPECT_EQ(both.total(), 4);
  // One country: every event it takes part in.
  CountEventsRequest one;
  one.add_countries("GEO");
  ASSERT_OK_AND_ASSIGN(auto geo, core_->CountEvents(one));
  EXPECT_EQ(geo.total(), 4);
}

TEST_F(EventImportTest, YearOnlyEventsCountInTheirYearNotInAMonth) {
  Event year_only = GdeltEvent("2001", "AZE", "GEO", "042", 2020, 0, 0, 2.0, 1.0);
  Event month_only = GdeltEvent("2002", "AZE", "GEO", "042", 2020, 8, 0, 2.0, 1.0);
  std::vector<Event> rows = Rows();
  rows.push_back(year_only);
  rows.push_back(month_only);
  ImportEventsResponse s = Import(rows);
  ASSERT_EQ(s.created(), 5);
  CountEventsRequest r = Dyad();
  r.set_granularity(GRANULARITY_QUARTER);
  r.mutable_period()->mutable_start()->set_year(2020);
  r.mutable_period()->mutable_end()->set_year(2020);
  ASSERT_OK_AND_ASSIGN(auto c, core_->CountEvents(r));
  ASSERT_EQ(c.buckets_size(), 3);
  EXPECT_EQ(c.buckets(0).quarter(), 0);  // the year-only event, in its year
  EXPECT_EQ(c.buckets(0).count(), 1);
  EXPECT_EQ(c.buckets(1).quarter(), 2);  // May, day precision
  EXPECT_EQ(c.buckets(1).count(), 2);
  EXPECT_EQ(c.buckets(2).quarter(), 3);  // August, month precision
  EXPECT_EQ(c.buckets(2).count(), 1);
  // A period narrower than the year does not count the year-only event.
  r.mutable_period()->mutable_start()->set_month(5);
  r.mutable_period()->mutable_end()->set_month(5);
  ASSERT_OK_AND_ASSIGN(auto may, core_->CountEvents(r));
  EXPECT_EQ(may.total(), 2);  // 1001 and 1002, day precision, in May
  for (const auto& b : may.buckets()) EXPECT_EQ(b.quarter(), 2);
}

TEST_F(EventImportTest, CountRequestsAreValidated) {
  CountEventsRequest r;
  EXPECT_STATUS(core_->CountEvents(r), absl::StatusCode::kInvalidArgument, "countries");
  r.add_countries("AZE");
  r.set_direction(DIRECTION_A_TO_B);
  EXPECT_STATUS(core_->CountEvents(r), absl::StatusCode::kInvalidArgument,
                "direction: a directed count needs two countries");
  r = Dyad();
  r.add_countries("ARM");
  EXPECT_STATUS(core_->CountEvents(r), absl::StatusCode::kInvalidArgument, "countries: at most 2");
  r = Dyad();
  for (int i = 0; i < 101; ++i) r.add_kinds("k");
  EXPECT_STATUS(core_->CountEvents(r), absl::StatusCode::kInvalidArgument, "kinds: at most 100");
  r = Dyad();
  r.set_granularity(static_cast<Granularity>(9));
  EXPECT_STATUS(core_->CountEvents(r), absl::StatusCode::kInvalidArgument, "granularity");
}

TEST_F(EventImportTest, ImportedRecordsSurviveReopen) {
  Import(Rows());
  Open();
  ImportEventsResponse again = Import(Rows());
  EXPECT_EQ(again.unchanged(), 3);
  ASSERT_OK_AND_ASSIGN(auto c, core_->CountEvents(Dyad()));
  EXPECT_EQ(c.total(), 4);
}

}  // namespace
}  // namespace dyad::events

namespace dyad {
namespace {

TEST(ImportedRecordIdTest, DeterministicKebabCaseAndBounded) {
  EXPECT_EQ(ImportedRecordId("gdelt-2.0", "882239871"), "gdelt-2-0-882239871");
  EXPECT_EQ(ImportedRecordId("comtrade", "H4|2016|M|4|0|01"), "comtrade-h4-2016-m-4-0-01");
  const std::string a = ImportedRecordId("icews", std::string(100, 'x') + "1");
  const std::string b = ImportedRecordId("icews", std::string(100, 'x') + "2");
  EXPECT_LE(a.size(), 63u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, ImportedRecordId("icews", std::string(100, 'x') + "1"));
  EXPECT_OK(ValidateId(a, "id"));
}

}  // namespace
}  // namespace dyad
