// The gateway's rules for machine-coded records (issue 11), without a
// network and with hand-written inputs: intensity series from event counts,
// counts by kind, curated records first wherever answers rank or pick,
// activity spikes as candidate factors, and mirror statistics.
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "compose.h"
#include "google/protobuf/text_format.h"
#include "ranking.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

namespace ec = dyad::economics::v1;
namespace ev = dyad::events::v1;
namespace gw = dyad::gateway::v1;
using ev::Event;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// A machine-coded event of `year`-`month` with `mentions` mentions.
Event Coded(const std::string& name, int year, int month, int mentions) {
  Event e;
  e.set_name("events/" + name);
  e.set_kind("cameo.04.042");
  e.set_domain("cameo");
  e.set_title("Make a visit");
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(month);
  e.add_countries("GEO");
  e.add_countries("TUR");
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  e.mutable_coded()->set_num_mentions(mentions);
  auto* c = e.add_citations();
  c->set_source_id("gdelt-2.0");
  c->mutable_row()->set_upstream_id(name);
  return e;
}

// ---- Intensity series ----

TEST(IntensityTest, AShortSpanStaysMonthlyAsTheBackendCounted) {
  const auto counts = Parse<ev::CountEventsResponse>(R"pb(
    buckets { year: 2019 count: 2 }
    buckets { year: 2019 month: 4 count: 3 goldstein_sum: 5.7 goldstein_mean: 1.9
              goldstein_count: 3 mean_tone: 2 tone_count: 3 }
    buckets { year: 2020 month: 1 count: 1 }
    total: 6)pb");
  const gw::IntensitySeries s = IntensityOf(counts);
  EXPECT_EQ(s.granularity(), ev::GRANULARITY_MONTH);
  EXPECT_EQ(s.total(), 6);
  ASSERT_EQ(s.buckets_size(), 3);
  // Events known only to the year keep a bucket of their own.
  EXPECT_EQ(s.buckets(0).label(), "2019");
  EXPECT_EQ(s.buckets(0).period().month(), 0);
  EXPECT_EQ(s.buckets(0).count(), 2);
  EXPECT_FALSE(s.buckets(0).has_goldstein_mean());
  EXPECT_FALSE(s.buckets(0).has_mean_tone());
  EXPECT_EQ(s.buckets(1).label(), "2019-04");
  EXPECT_EQ(s.buckets(1).period().month(), 4);
  EXPECT_EQ(s.buckets(1).count(), 3);
  EXPECT_DOUBLE_EQ(s.buckets(1).goldstein_sum(), 5.7);
  EXPECT_DOUBLE_EQ(s.buckets(1).goldstein_mean(), 1.9);
  EXPECT_DOUBLE_EQ(s.buckets(1).mean_tone(), 2);
  EXPECT_EQ(s.buckets(1).tone_count(), 3);
  EXPECT_EQ(s.buckets(2).label(), "2020-01");
}

TEST(IntensityTest, ALongSpanIsFoldedIntoYearsWithMeansFromTheSums) {
  const auto counts = Parse<ev::CountEventsResponse>(R"pb(
    buckets { year: 2015 count: 1 }
    buckets { year: 2015 month: 3 count: 4 goldstein_sum: 4 goldstein_mean: 2 goldstein_count: 2
              mean_tone: 1.5 tone_count: 2 }
    buckets { year: 2015 month: 7 count: 2 goldstein_sum: -2 goldstein_mean: -1
              goldstein_count: 2 mean_tone: -0.5 tone_count: 2 }
    buckets { year: 2019 month: 1 count: 5 })pb");
  const gw::IntensitySeries s = IntensityOf(counts);
  EXPECT_EQ(s.granularity(), ev::GRANULARITY_YEAR);  // 2015..2019: five calendar years
  EXPECT_EQ(s.total(), 12);
  ASSERT_EQ(s.buckets_size(), 2);
  const gw::IntensityBucket& y2015 = s.buckets(0);
  EXPECT_EQ(y2015.label(), "2015");
  EXPECT_EQ(y2015.count(), 7);
  EXPECT_DOUBLE_EQ(y2015.goldstein_sum(), 2);
  EXPECT_EQ(y2015.goldstein_count(), 4);
  EXPECT_DOUBLE_EQ(y2015.goldstein_mean(), 0.5);   // 2 / 4
  EXPECT_DOUBLE_EQ(y2015.mean_tone(), 0.5);        // (1.5·2 − 0.5·2) / 4
  EXPECT_EQ(y2015.tone_count(), 4);
  EXPECT_EQ(s.buckets(1).label(), "2019");
  EXPECT_EQ(s.buckets(1).count(), 5);
  EXPECT_FALSE(s.buckets(1).has_goldstein_sum());  // nothing to average: unset, not 0
  EXPECT_FALSE(s.buckets(1).has_mean_tone());
}

TEST(IntensityTest, NothingCountedIsAnEmptySeries) {
  const gw::IntensitySeries s = IntensityOf(ev::CountEventsResponse());
  EXPECT_EQ(s.buckets_size(), 0);
  EXPECT_EQ(s.total(), 0);
}

TEST(IntensityTest, CountsPerKindAndDomainFromKindBuckets) {
  const auto counts = Parse<ev::CountEventsResponse>(R"pb(
    buckets { year: 2019 group: "economy.deal.signed" count: 2 }
    buckets { year: 2020 group: "cameo.04.042" count: 5 }
    buckets { year: 2020 group: "economy.deal.signed" count: 1 })pb");
  const EventCounts c = CountsFromKindBuckets(counts, {{"cameo.04.042", "cameo"}});
  EXPECT_EQ(c.by_kind, (std::map<std::string, int64_t>{{"cameo.04.042", 5},
                                                       {"economy.deal.signed", 3}}));
  // A kind the taxonomy does not list reads its first segment as domain.
  EXPECT_EQ(c.by_domain, (std::map<std::string, int64_t>{{"cameo", 5}, {"economy", 3}}));
}

// ---- Curated first ----

TEST(CuratedFirstTest, YearInReviewShowsCuratedThenTheMostReportedCodedEvents) {
  std::vector<Event> events;
  for (int i = 1; i <= 25; ++i) events.push_back(Coded("c" + std::to_string(i), 2019, i % 12 + 1, i));
  events.push_back(Parse<Event>(R"pb(name: "events/late" date { year: 2019 month: 11 })pb"));
  events.push_back(Parse<Event>(R"pb(name: "events/early" date { year: 2019 month: 2 }
                                     origin: ORIGIN_CURATED)pb"));
  gw::GetYearInReviewResponse out;
  ComposeYearInReview(2019, events, {}, {}, &out);
  EXPECT_EQ(out.machine_coded_events_total(), 25);
  ASSERT_EQ(out.events_size(), 2 + static_cast<int>(kMaxCodedEvents));
  EXPECT_EQ(out.events(0).name(), "events/early");
  EXPECT_EQ(out.events(1).name(), "events/late");  // no origin stored: curated
  std::set<int> mentions;
  int64_t previous = INT64_MIN;
  for (int i = 2; i < out.events_size(); ++i) {
    EXPECT_TRUE(IsMachineCoded(out.events(i)));
    mentions.insert(out.events(i).coded().num_mentions());
    EXPECT_GE(SortKey(out.events(i).date()), previous) << "oldest first";
    previous = SortKey(out.events(i).date());
  }
  EXPECT_EQ(*mentions.begin(), 6);  // the 20 most mentioned of 25: 6..25
  EXPECT_EQ(*mentions.rbegin(), 25);
}

TEST(CuratedFirstTest, OverviewMilestonesPutCuratedOnesFirst) {
  Event coded = Coded("coded-recognition", 1990, 1, 100);
  coded.set_kind("diplomacy.recognition");
  std::vector<Event> events = {
      coded, Parse<Event>(R"pb(name: "events/r" kind: "diplomacy.recognition"
                               domain: "diplomacy" date { year: 1991 month: 12 })pb")};
  gw::GetOverviewResponse out;
  ComposeOverview(events, {}, {}, &out);
  ASSERT_EQ(out.milestones_size(), 2);
  EXPECT_EQ(out.milestones(0).name(), "events/r");
  EXPECT_EQ(out.milestones(1).name(), "events/coded-recognition");
}

TEST(CuratedFirstTest, NoCodedEventOutranksACuratedOneAndFewAreOffered) {
  const Event phone = Parse<Event>(R"pb(
    name: "events/phone" kind: "diplomacy.phone_call" domain: "diplomacy" title: "A call"
    date { year: 2019 month: 9 } citations { source_id: "s" locator: "p1" })pb");
  std::vector<Event> events = {phone};
  // Twelve coded events of the year: 1000 mentions scores 3 + 0.5 + 1 = 4.5,
  // above the call's 3.5, yet it ranks after it.
  for (int i = 0; i < 12; ++i) {
    events.push_back(Coded("c" + std::to_string(i), 2019, 5, i == 0 ? 1000 : 10 + i));
  }
  auto f = RankCandidateFactors({"trade.exports", "economy", 2019}, events, {});
  ASSERT_EQ(f.size(), 1 + kMaxCodedFactors);
  EXPECT_EQ(f[0].event().name(), "events/phone");
  EXPECT_DOUBLE_EQ(f[0].score(), 3.5);
  EXPECT_EQ(f[1].event().name(), "events/c0");
  EXPECT_DOUBLE_EQ(f[1].score(), 4.5);
  EXPECT_THAT(f[1].reason(), HasSubstr("mentioned 1000 times in the news (+1)"));
  // The rest by score (log10 of the mentions), the least mentioned left out.
  EXPECT_EQ(f[2].event().name(), "events/c11");  // 21 mentions: +0.44
  EXPECT_DOUBLE_EQ(f[2].score(), 3.94);
  for (const auto& x : f) EXPECT_NE(x.event().name(), "events/c1");  // 11 mentions, 12th of 12
}

TEST(CuratedFirstTest, SearchPutsCuratedHitsFirstWhateverTheirScores) {
  SearchCandidate coded;
  coded.hit.set_name("events/coded");
  coded.hit.set_title("Make a visit");
  coded.hit.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  SearchCandidate curated;
  curated.hit.set_name("events/curated");
  curated.hit.set_title("Talks");
  curated.text = "a visit to Tbilisi";
  curated.hit.set_origin(dyad::type::v1::ORIGIN_CURATED);
  auto hits = RankSearchHits(SearchWords("visit"), {coded, curated}, 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].name(), "events/curated");
  EXPECT_LT(hits[0].score(), hits[1].score());
}

// ---- Activity spikes ----

ev::CountEventsResponse Yearly(std::vector<std::pair<int, int64_t>> counts) {
  ev::CountEventsResponse r;
  for (const auto& [year, n] : counts) {
    auto* b = r.add_buckets();
    b->set_year(year);
    b->set_count(n);
  }
  return r;
}

TEST(ActivityTest, ASpikeAgainstTheMeanOfTheYearsBefore) {
  EXPECT_EQ(ActivityWindow(2019).start().year(), 2015);
  EXPECT_EQ(ActivityWindow(2019).end().year(), 2019);
  ev::CountEventsResponse counts =
      Yearly({{2015, 10}, {2016, 20}, {2017, 30}, {2018, 20}, {2019, 60}});
  counts.mutable_buckets(4)->set_goldstein_mean(1.5);
  std::vector<Event> events = {Coded("a", 2019, 1, 1), Coded("b", 2019, 2, 1),
                               Coded("c", 2019, 3, 1), Coded("old", 2018, 3, 1)};
  auto* curated = events[0].add_citations();
  curated->set_source_id("s-x");
  curated->set_locator("p4");
  auto f = ActivityFactors({"trade.exports", "economy", 2019}, "GEO–TUR", counts, events,
                           dyad::type::v1::ORIGIN_UNSPECIFIED);
  // 2018: 20 against the mean of 2015–2017 (20): no change.
  ASSERT_EQ(f.size(), 1u);
  const gw::EventActivity& a = f[0].activity();
  EXPECT_EQ(a.year(), 2019);
  EXPECT_EQ(a.count(), 60);
  EXPECT_EQ(a.baseline().start().year(), 2016);
  EXPECT_EQ(a.baseline().end().year(), 2018);
  EXPECT_DOUBLE_EQ(a.baseline_mean(), 70.0 / 3);
  EXPECT_DOUBLE_EQ(a.ratio(), 60 / (70.0 / 3));
  EXPECT_DOUBLE_EQ(a.goldstein_mean(), 1.5);
  EXPECT_DOUBLE_EQ(f[0].score(), 4.36);  // 3 + log2(2.571) = 3 + 1.36
  EXPECT_EQ(f[0].reason(),
            "in 2019, the year of the change (+3); 60 events of GEO–TUR counted in 2019, 2.57 "
            "times the mean of 23.3 a year in 2016–2018: a spike in activity (+1.36)");
  // Each source once, by one of its citations (row or locator kept).
  ASSERT_EQ(f[0].citations_size(), 2);
  EXPECT_EQ(f[0].citations(0).source_id(), "gdelt-2.0");
  EXPECT_EQ(f[0].citations(0).row().upstream_id(), "a");
  EXPECT_EQ(f[0].citations(0).note(),
            "3 events of GEO–TUR in 2019 read here cite this source; this citation is one of them");
  EXPECT_EQ(f[0].citations(1).source_id(), "s-x");
  EXPECT_EQ(f[0].citations(1).locator(), "p4");
  EXPECT_EQ(f[0].citations(1).note(),
            "1 event of GEO–TUR in 2019 read here cites this source; this citation is one of "
            "them");
}

TEST(ActivityTest, ADropInTheYearBeforeWithTheSizeCapped) {
  auto f = ActivityFactors({"trade.exports", "economy", 2020}, "GEO–TUR",
                           Yearly({{2016, 40}, {2017, 40}, {2018, 40}, {2019, 8}, {2020, 8}}), {},
                           dyad::type::v1::ORIGIN_MACHINE_CODED);
  // 2019: 8 against 40 (a fifth); 2020: 8 against (40 + 40 + 8) / 3.
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].activity().year(), 2019);
  EXPECT_DOUBLE_EQ(f[0].activity().ratio(), 0.2);
  EXPECT_DOUBLE_EQ(f[0].score(), 4);  // the year before (+2), |log2 0.2| = 2.32 capped at 2
  EXPECT_THAT(f[0].reason(), HasSubstr("8 machine-coded events of GEO–TUR counted in 2019, 0.2 "
                                       "times the mean of 40 a year in 2016–2018: a drop"));
  EXPECT_EQ(f[1].activity().year(), 2020);
  EXPECT_EQ(f[1].activity().origin(), dyad::type::v1::ORIGIN_MACHINE_CODED);
  EXPECT_DOUBLE_EQ(f[1].score(), 4.87);  // 3 + |log2(8 / 29.33)| = 3 + 1.87
}

TEST(ActivityTest, SmallCountsAndTheStartOfTheDataAreNoSpike) {
  const RankingTarget t{"trade.exports", "economy", 2019};
  // 6 against 2: three times as many, but too few events to speak of.
  EXPECT_TRUE(ActivityFactors(t, "A–B", Yearly({{2018, 2}, {2019, 6}}), {}, {}).empty());
  // The counts begin in 2019: the years before are no baseline of zeros.
  EXPECT_TRUE(ActivityFactors(t, "A–B", Yearly({{2019, 500}}), {}, {}).empty());
  // Nothing counted in 2019 after 120 a year: the data may end in 2018.
  EXPECT_TRUE(ActivityFactors(t, "A–B", Yearly({{2017, 120}, {2018, 120}}), {}, {}).empty());
  // 1.4 times: below the 1.5 threshold.
  EXPECT_TRUE(ActivityFactors(t, "A–B", Yearly({{2018, 100}, {2019, 140}}), {}, {}).empty());
  // Exactly 1.5 times is one.
  EXPECT_EQ(ActivityFactors(t, "A–B", Yearly({{2018, 100}, {2019, 150}}), {}, {}).size(), 1u);
}

TEST(ActivityTest, ASpikeRanksAmongCuratedFactorsAndAboveCodedEvents) {
  const Event visit = Parse<Event>(R"pb(
    name: "events/visit" kind: "diplomacy.visit.state" domain: "diplomacy" title: "A visit"
    date { year: 2019 month: 5 }
    participants { name: "P" role: "President of Georgia" country: "GEO" }
    citations { source_id: "s" locator: "p1" })pb");
  auto spike = ActivityFactors({"trade.exports", "economy", 2019}, "GEO–TUR",
                               Yearly({{2018, 20}, {2019, 80}}), {}, {});
  ASSERT_EQ(spike.size(), 1u);
  EXPECT_DOUBLE_EQ(spike[0].score(), 5);  // 3 + log2(4) = 3 + 2
  auto f = RankCandidateFactors({"trade.exports", "economy", 2019},
                                {Coded("c", 2019, 5, 1000), visit}, {}, {}, spike);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].event().name(), "events/visit");  // 3 + 2 + 1 = 6
  EXPECT_TRUE(f[1].has_activity());
  EXPECT_EQ(f[2].event().name(), "events/c");  // 4.5, but machine-coded
}

// ---- Mirror statistics ----

ec::Series Flow(const std::string& indicator, const std::string& reporter,
                const std::string& partner, std::vector<std::pair<int, double>> points,
                const std::string& commodity = "") {
  ec::Series s;
  s.set_indicator(indicator);
  s.set_reporter(reporter);
  s.set_partner(partner);
  s.set_commodity(commodity);
  for (const auto& [year, value] : points) {
    auto* p = s.add_points();
    p->mutable_period()->set_year(year);
    p->mutable_value()->set_value(value);
    p->mutable_value()->set_unit("USD");
    auto* o = p->add_observations();
    o->set_name(absl::StrCat("observations/", indicator, "-", reporter, "-", partner, "-", year,
                             commodity));
    o->add_citations()->set_source_id("comtrade");
  }
  return s;
}

std::vector<ec::Series> MirrorSeries() {
  return {
      Flow("trade.exports", "GEO", "TUR", {{2019, 180e6}, {2020, 200e6}}),
      Flow("trade.imports", "TUR", "GEO", {{2020, 212e6}}),  // 2019: no mirror figure
      Flow("trade.exports", "TUR", "GEO", {{2020, 1500e6}}),
      Flow("trade.imports", "GEO", "TUR", {{2020, 1200e6}, {2021, 1300e6}}),
      Flow("trade.exports", "GEO", "TUR", {{2020, 50e6}}, "H4:27"),
      Flow("trade.imports", "TUR", "GEO", {{2020, 90e6}}, "H4:27"),
      Flow("trade.imports", "TUR", "GEO", {{2020, 1e6}}, "H4:28"),  // no exports of H4:28
      Flow("trade.exports", "AZE", "CHN", {{2020, 100e6}}),
      Flow("trade.imports", "CHN", "AZE", {{2020, 100e6}}),  // the same figure: no gap
      Flow("trade.exports", "ARM", "GEO", {{2020, 0}}),
      Flow("trade.imports", "GEO", "ARM", {{2020, 5e6}}),
  };
}

TEST(MirrorTest, EachFlowAsItsExporterAndItsImporterReportIt) {
  const auto d = MirrorDiscrepancies(MirrorSeries());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].subject(), "trade ARM→GEO 2020");
  EXPECT_FALSE(d[0].mirror().has_ratio());  // nothing exported by the exporter's account
  EXPECT_FALSE(d[0].mirror().within_usual_margin());
  EXPECT_THAT(d[0].description(), HasSubstr("no ratio"));

  const gw::Discrepancy& within = d[1];
  EXPECT_EQ(within.kind(), gw::Discrepancy::KIND_MIRROR);
  EXPECT_EQ(within.subject(), "trade GEO→TUR 2020");
  EXPECT_EQ(within.mirror().exporter(), "GEO");
  EXPECT_EQ(within.mirror().importer(), "TUR");
  EXPECT_EQ(within.mirror().year(), 2020);
  EXPECT_EQ(within.mirror().commodity(), "");
  EXPECT_DOUBLE_EQ(within.mirror().exports().value(), 200e6);
  EXPECT_DOUBLE_EQ(within.mirror().imports().value(), 212e6);
  EXPECT_DOUBLE_EQ(within.mirror().ratio(), 212e6 / 200e6);
  EXPECT_TRUE(within.mirror().within_usual_margin());
  EXPECT_THAT(within.description(),
              HasSubstr("GEO reports 200 million USD of goods exported to TUR in 2020, TUR "
                        "reports 212 million USD imported from GEO: the importer's figure is "
                        "1.060 times the exporter's, within the usual CIF/FOB margin (0.98 to "
                        "1.15)"));
  EXPECT_THAT(within.description(), HasSubstr("CIF"));
  EXPECT_THAT(within.description(), HasSubstr("re-exported"));
  ASSERT_EQ(within.claims_size(), 2);
  EXPECT_EQ(within.claims(0).statement(), "GEO's exports to TUR: 200 million USD (FOB)");
  EXPECT_EQ(within.claims(0).records(0), "observations/trade.exports-GEO-TUR-2020");
  EXPECT_EQ(within.claims(1).statement(), "TUR's imports from GEO: 212 million USD (CIF)");
  EXPECT_EQ(within.claims(1).citations(0).source_id(), "comtrade");

  // The same commodity only: H4:27 against H4:27, never against the totals.
  EXPECT_EQ(d[2].subject(), "trade GEO→TUR 2020 H4:27");
  EXPECT_EQ(d[2].mirror().commodity(), "H4:27");
  EXPECT_DOUBLE_EQ(d[2].mirror().ratio(), 1.8);
  EXPECT_FALSE(d[2].mirror().within_usual_margin());

  EXPECT_EQ(d[3].subject(), "trade TUR→GEO 2020");
  EXPECT_DOUBLE_EQ(d[3].mirror().ratio(), 0.8);  // the importer reports less: not freight
  EXPECT_FALSE(d[3].mirror().within_usual_margin());
  EXPECT_THAT(d[3].description(), HasSubstr("beyond the usual CIF/FOB margin"));
}

TEST(MirrorTest, TheMarginsBoundsAreInsideIt) {
  for (const auto& [imports, within] : std::vector<std::pair<double, bool>>{
           {97.9, false}, {98, true}, {115, true}, {115.1, false}}) {
    auto d = MirrorDiscrepancies({Flow("trade.exports", "GEO", "TUR", {{2020, 100}}),
                                  Flow("trade.imports", "TUR", "GEO", {{2020, imports}})});
    ASSERT_EQ(d.size(), 1u) << imports;
    EXPECT_EQ(d[0].mirror().within_usual_margin(), within) << imports;
  }
}

TEST(MirrorTest, ListedAfterTheOtherKindsGapsBeyondTheMarginFirst) {
  gw::ListDiscrepanciesResponse out;
  ComposeDiscrepancies({}, {}, MirrorSeries(), &out);
  std::vector<std::string> subjects;
  for (const auto& d : out.discrepancies()) subjects.push_back(d.subject());
  EXPECT_EQ(subjects, (std::vector<std::string>{"trade ARM→GEO 2020", "trade GEO→TUR 2020 H4:27",
                                                "trade TUR→GEO 2020", "trade GEO→TUR 2020"}));
}

}  // namespace
}  // namespace dyad::gateway
