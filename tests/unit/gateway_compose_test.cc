// The gateway's other composition rules (compose.h) and its deadline and
// fan-out helpers (backends.h), without a network.
#include "absl/strings/str_cat.h"
#include "backends.h"
#include "compose.h"
#include "google/protobuf/text_format.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

namespace ec = dyad::economics::v1;
using dyad::events::v1::Event;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

std::map<std::string, ec::Indicator> Indicators() {
  std::map<std::string, ec::Indicator> m;
  for (const char* text : {
           R"pb(id: "trade.turnover" unit: "USD")pb",
           R"pb(id: "trade.exports" unit: "USD" directed: true)pb",
           R"pb(id: "trade.imports" unit: "USD" directed: true)pb",
           R"pb(id: "trade.balance" unit: "USD" directed: true derived: true
                inputs: "trade.exports" inputs: "trade.imports")pb",
           R"pb(id: "trade.turnover_growth" unit: "percent")pb",
       }) {
    auto i = Parse<ec::Indicator>(text);
    m[i.id()] = i;
  }
  return m;
}

ec::Observation Obs(const std::string& indicator, const std::string& reporter,
                    const std::string& partner) {
  ec::Observation o;
  o.set_indicator(indicator);
  o.set_reporter(reporter);
  o.set_partner(partner);
  return o;
}

TEST(SeriesKeysTest, UndirectedOncePerPairAndDerivedWhenTheirInputsAreThere) {
  auto keys = SeriesKeys({Obs("trade.turnover", "CHN", "AZE"), Obs("trade.turnover", "AZE", "CHN"),
                          Obs("trade.exports", "AZE", "CHN"), Obs("trade.imports", "AZE", "CHN")},
                         Indicators(), true);
  std::vector<std::string> ids;
  for (const auto& k : keys) ids.push_back(absl::StrCat(k.indicator, " ", k.reporter, ">", k.partner));
  EXPECT_EQ(ids, (std::vector<std::string>{"trade.balance AZE>CHN", "trade.exports AZE>CHN",
                                           "trade.imports AZE>CHN", "trade.turnover AZE>CHN"}));
  // Without imports there is no balance; without `with_derived` never.
  EXPECT_EQ(SeriesKeys({Obs("trade.exports", "AZE", "CHN")}, Indicators(), true).size(), 1u);
  EXPECT_EQ(SeriesKeys({Obs("trade.exports", "AZE", "CHN"), Obs("trade.imports", "AZE", "CHN")},
                       Indicators(), false)
                .size(),
            2u);
  auto r = SeriesRequest({"trade.turnover", "AZE", "CHN"}, 2018, 2019);
  EXPECT_EQ(r.period().start().year(), 2018);
  EXPECT_EQ(r.period().end().year(), 2019);
  EXPECT_FALSE(SeriesRequest({"trade.turnover", "AZE", "CHN"}).has_period());
}

ec::Series TurnoverSeries() {
  return Parse<ec::Series>(R"pb(
    indicator: "trade.turnover" reporter: "AZE" partner: "CHN" unit: "USD"
    points { period { year: 2017 } value { value: 1298e6 } }
    points { period { year: 2018 } value { value: 1310e6 } change_percent: 0.92 }
    points { period { year: 2019 } value { value: 2184e6 } change_percent: 66.72
             observations { name: "observations/t" citations { source_id: "s" } } }
    points { as_of { year: 2021 month: 6 day: 7 } value { value: 2.2e9 } })pb");
}

TEST(ValueForYearTest, ChangeOnlyAgainstTheYearBefore) {
  const auto ind = Indicators()["trade.turnover"];
  auto v = ValueForYear(ind, TurnoverSeries(), 2019);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->point().value().value(), 2184e6);
  EXPECT_EQ(v->previous().period().year(), 2018);
  EXPECT_DOUBLE_EQ(v->point().change_percent(), 66.72);
  EXPECT_EQ(v->point().observations(0).citations(0).source_id(), "s");
  EXPECT_FALSE(ValueForYear(ind, TurnoverSeries(), 2020).has_value());
  // 2017's point has no 2016 before it.
  ec::Series gap = TurnoverSeries();
  gap.mutable_points()->erase(gap.mutable_points()->begin() + 1);  // drop 2018
  v = ValueForYear(ind, gap, 2019);
  ASSERT_TRUE(v.has_value());
  EXPECT_FALSE(v->has_previous());
  EXPECT_FALSE(v->point().has_change_percent());
  // A rate's change is in points, not percent.
  ec::Series rate = TurnoverSeries();
  rate.set_unit("percent");
  EXPECT_FALSE(ValueForYear(Indicators()["trade.turnover_growth"], rate, 2019)
                   ->point()
                   .has_change_percent());
}

TEST(HeadlineTest, TheLatestPointDatedOrToDate) {
  ec::Series s = TurnoverSeries();
  auto h = Headline(Indicators()["trade.turnover"], s);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->point().as_of().month(), 6);  // June 2021 is after 2019
  EXPECT_EQ(h->reporter(), "AZE");
  s.mutable_points()->RemoveLast();
  EXPECT_EQ(Headline(Indicators()["trade.turnover"], s)->point().period().year(), 2019);
  EXPECT_FALSE(Headline(Indicators()["trade.turnover"], ec::Series()).has_value());
}

TEST(ComposeOverviewTest, MilestonesOldestFirstAndCounts) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/p" kind: "diplomacy.partnership.raised" domain: "diplomacy"
                       date { year: 2024 month: 7 })pb"),
      Parse<Event>(R"pb(name: "events/r" kind: "diplomacy.recognition" domain: "diplomacy"
                       date { year: 1991 month: 12 day: 27 })pb"),
      Parse<Event>(R"pb(name: "events/d" kind: "economy.deal.signed" domain: "economy"
                       date { year: 2019 })pb"),
      Parse<Event>(R"pb(name: "events/e" kind: "diplomacy.relations.established"
                       domain: "diplomacy" date { year: 1992 month: 4 day: 2 })pb"),
  };
  std::vector<dyad::institutions::v1::Institution> inst(2);
  inst[0].set_kind("education.university");
  inst[1].set_kind("education.university");
  dyad::gateway::v1::GetOverviewResponse out;
  ComposeOverview(events, inst, {}, &out);
  ASSERT_EQ(out.milestones_size(), 3);
  EXPECT_EQ(out.milestones(0).name(), "events/r");
  EXPECT_EQ(out.milestones(1).name(), "events/e");
  EXPECT_EQ(out.milestones(2).name(), "events/p");
  ASSERT_EQ(out.events_by_domain_size(), 2);
  EXPECT_EQ(out.events_by_domain(0).key(), "diplomacy");
  EXPECT_EQ(out.events_by_domain(0).count(), 3);
  EXPECT_EQ(out.events_by_kind_size(), 4);
  ASSERT_EQ(out.institutions_by_kind_size(), 1);
  EXPECT_EQ(out.institutions_by_kind(0).count(), 2);
  EXPECT_TRUE(IsMilestoneKind("diplomacy.recognition"));
  EXPECT_FALSE(IsMilestoneKind("diplomacy.visit.state"));
}

TEST(ComposeYearInReviewTest, EventsByDateAndValuesByIndicator) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/b" date { year: 2019 month: 4 day: 24 })pb"),
      Parse<Event>(R"pb(name: "events/a" date { year: 2019 month: 4 })pb"),
      Parse<Event>(R"pb(name: "events/c" date { year: 2019 })pb")};
  std::vector<dyad::gateway::v1::IndicatorValue> values(2);
  values[0].mutable_indicator()->set_id("trade.turnover");
  values[1].mutable_indicator()->set_id("trade.exports");
  dyad::gateway::v1::GetYearInReviewResponse out;
  ComposeYearInReview(2019, events, {}, values, &out);
  EXPECT_EQ(out.year(), 2019);
  EXPECT_EQ(out.events(0).name(), "events/c");  // "2019" before "April 2019"
  EXPECT_EQ(out.events(1).name(), "events/a");
  EXPECT_EQ(out.events(2).name(), "events/b");
  EXPECT_EQ(out.indicators(0).indicator().id(), "trade.exports");
}

TEST(ComposeExplainChangeTest, TheChangeAndTheWindow) {
  dyad::gateway::v1::ExplainChangeResponse out;
  ComposeExplainChange(Indicators()["trade.turnover"], TurnoverSeries(), 2019, {}, &out);
  EXPECT_DOUBLE_EQ(out.change_percent(), 66.72);
  EXPECT_EQ(out.current().period().year(), 2019);
  EXPECT_EQ(out.previous().period().year(), 2018);
  EXPECT_EQ(out.window().start().year(), 2018);
  EXPECT_EQ(out.window().end().year(), 2019);
  // No point before: no change.
  dyad::gateway::v1::ExplainChangeResponse none;
  ComposeExplainChange(Indicators()["trade.turnover"], TurnoverSeries(), 2017, {}, &none);
  EXPECT_FALSE(none.has_change_percent());
  EXPECT_TRUE(none.has_current());
}

TEST(SearchTest, OneScoringRuleAcrossBackends) {
  const auto words = SearchWords("Belt-and-Road forum");
  EXPECT_EQ(words, (std::vector<std::string>{"belt", "and", "road", "forum"}));
  EXPECT_TRUE(MatchesAllWords(SearchWords("turn"), "Trade turnover"));  // word prefixes
  EXPECT_FALSE(MatchesAllWords(SearchWords("over"), "Trade turnover"));
  EXPECT_FALSE(MatchesAllWords({}, "anything"));
  std::vector<SearchCandidate> c(3);
  c[0].hit.set_name("institutions/x");
  c[0].hit.set_title("A bank");
  c[0].text = "Founded for the Belt and Road forum";
  c[1].hit.set_name("events/y");
  c[1].hit.set_title("The Belt and Road Forum opens");
  c[1].rank = 4;
  c[2].hit.set_name("events/z");
  c[2].hit.set_title("The Belt and Road Forum, second time");
  c[2].hit.mutable_date()->set_year(2019);
  c[2].rank = 4;
  auto hits = RankSearchHits(words, c, 10);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].name(), "events/z");  // tie with y: the newer first
  EXPECT_EQ(hits[1].name(), "events/y");
  EXPECT_EQ(hits[2].name(), "institutions/x");
  EXPECT_GT(hits[1].score(), hits[2].score());
  EXPECT_EQ(RankSearchHits(words, c, 1).size(), 1u);
}

TEST(MergeSourcesTest, ByIdOnce) {
  std::vector<dyad::type::v1::Source> a(2), b(1);
  a[0].set_id("z");
  a[1].set_id("a");
  b[0].set_id("a");
  b[0].set_title("second copy");
  auto merged = MergeSources({a, {}, b});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].id(), "a");
  EXPECT_TRUE(merged[0].title().empty());  // the first seen
  EXPECT_EQ(merged[1].id(), "z");
}

TEST(FormatTest, AmountsAndFigureTitles) {
  EXPECT_EQ(FormatAmount(821e6, "USD"), "821 million USD");
  EXPECT_EQ(FormatAmount(2.184e9, "USD"), "2.184 billion USD");
  EXPECT_EQ(FormatAmount(2500, "containers"), "2500 containers");
  auto o = Parse<ec::Observation>(R"pb(indicator: "trade.turnover" reporter: "AZE" partner: "CHN"
                                      period { year: 2019 } value { value: 2184e6 unit: "USD"
                                      as_written: "2,184 million" })pb");
  EXPECT_EQ(FigureTitle(o, "Trade turnover"), "Trade turnover AZE–CHN 2019: 2,184 million");
  EXPECT_EQ(InstitutionDomain("education.university", {{"education.university", "education_culture"}}),
            "education_culture");
  EXPECT_EQ(InstitutionDomain("economy.bank", {}), "economy");
}

TEST(BackendDeadlineTest, TheClientsLessAMarginAndNeverPastTheBackendTimeout) {
  const absl::Time now = absl::FromUnixSeconds(1000000);
  // No client deadline: the backend timeout.
  EXPECT_EQ(BackendDeadline(absl::InfiniteFuture(), absl::Seconds(5), now), now + absl::Seconds(5));
  // A later client deadline: still the backend timeout.
  EXPECT_EQ(BackendDeadline(now + absl::Seconds(30), absl::Seconds(5), now), now + absl::Seconds(5));
  // An earlier one: less a margin of 10%, at most 50 ms.
  EXPECT_EQ(BackendDeadline(now + absl::Seconds(2), absl::Seconds(5), now),
            now + absl::Seconds(2) - absl::Milliseconds(50));
  EXPECT_EQ(BackendDeadline(now + absl::Milliseconds(200), absl::Seconds(5), now),
            now + absl::Milliseconds(180));
  // Already past: nothing to wait for.
  EXPECT_LE(BackendDeadline(now - absl::Seconds(1), absl::Seconds(5), now), now);
}

TEST(JoinAfterTest, RunsOnceAfterTheLastOfN) {
  int runs = 0;
  auto join = JoinAfter(3, [&] { ++runs; });
  join();
  join();
  EXPECT_EQ(runs, 0);
  join();
  EXPECT_EQ(runs, 1);
  JoinAfter(0, [&] { ++runs; });
  EXPECT_EQ(runs, 2);
}

TEST(PartOfTest, CanonicalCodeNames) {
  auto p = PartOf("economics", grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"));
  EXPECT_EQ(p.part(), "economics");
  EXPECT_EQ(p.code(), "DEADLINE_EXCEEDED");
  // In the gateway's words, never the backend's (which may name its address).
  EXPECT_EQ(p.message(), "economics backend did not answer in time (deadline exceeded)");
  EXPECT_EQ(PartOf("events", grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "failed to connect: ipv4:10.1.2.3:50051"))
                .message(),
            "events backend unavailable");
  EXPECT_EQ(PartOf("events", grpc::Status::OK).code(), "OK");
  EXPECT_TRUE(PartOf("events", grpc::Status::OK).message().empty());
}

}  // namespace
}  // namespace dyad::gateway
