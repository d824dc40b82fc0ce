// Discrepancy detection and consistency checks (compose.h), without a network.
#include "absl/strings/str_cat.h"
#include "compose.h"
#include "google/protobuf/text_format.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::economics::v1::Series;
using dyad::events::v1::Event;
using dyad::gateway::v1::Discrepancy;
using dyad::institutions::v1::Institution;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// Kinds of the conflicts, by subject.
std::map<std::string, std::set<int>> KindsBySubject(const std::vector<Discrepancy>& d) {
  std::map<std::string, std::set<int>> m;
  for (const auto& x : d) {
    if (x.discrepancy_class() == Discrepancy::CLASS_CONFLICT) m[x.subject()].insert(x.kind());
  }
  return m;
}

// "kind/class/rule" of every discrepancy, by subject.
std::map<std::string, std::set<std::string>> ClassesBySubject(const std::vector<Discrepancy>& d) {
  std::map<std::string, std::set<std::string>> m;
  for (const auto& x : d) {
    m[x.subject()].insert(absl::StrCat(Discrepancy::Kind_Name(x.kind()), "/",
                                       Discrepancy::Class_Name(x.discrepancy_class()), "/",
                                       x.rule()));
  }
  return m;
}

TEST(EventDiscrepanciesTest, OneDiscrepancyPerAspectThatDisagrees) {
  std::vector<Event> events = {
      // Dates at two precisions that meet: not a date dispute; the kinds differ.
      Parse<Event>(R"pb(name: "events/a" kind: "diplomacy.visit.state" fact: "v" title: "A"
                       date { year: 2015 month: 12 day: 8 } end_date { year: 2015 month: 12 day: 11 }
                       citations { source_id: "s1" locator: "p1" })pb"),
      Parse<Event>(R"pb(name: "events/b" kind: "diplomacy.visit.official" fact: "v" title: "B"
                       date { year: 2015 month: 12 } citations { source_id: "s2" locator: "p1" })pb"),
      // Dates that share no day, and amounts whose intervals do not meet.
      Parse<Event>(R"pb(name: "events/c" kind: "k" fact: "w" date { year: 2014 }
                       amount { value: 800e6 unit: "USD" qualifier: QUALIFIER_AT_LEAST }
                       citations { source_id: "s1" locator: "p2" })pb"),
      Parse<Event>(R"pb(name: "events/d" kind: "k" fact: "w" date { year: 2016 }
                       amount { value: 1.7e9 unit: "USD" precision: 1e8 }
                       citations { source_id: "s2" locator: "p2" })pb"),
      // Who lent: a bank or a state.
      Parse<Event>(R"pb(name: "events/e" kind: "loan" fact: "l" date { year: 2016 }
                       participants { name: "AIIB" role: "lender" }
                       amount { value: 600e6 unit: "USD" precision: 1e6 })pb"),
      Parse<Event>(R"pb(name: "events/f" kind: "loan" fact: "l" date { year: 2016 }
                       participants { name: "China" role: "lender" country: "CHN" }
                       amount { value: 600e6 unit: "USD" qualifier: QUALIFIER_APPROXIMATE })pb"),
      // Naming fewer participants, or none, is silence, not disagreement.
      Parse<Event>(R"pb(name: "events/g" kind: "k" fact: "s" date { year: 2019 }
                       participants { name: "X" } participants { name: "Y" })pb"),
      Parse<Event>(R"pb(name: "events/h" kind: "k" fact: "s" date { year: 2019 }
                       participants { name: "X" })pb"),
      Parse<Event>(R"pb(name: "events/i" kind: "k" fact: "s" date { year: 2019 })pb"),
      Parse<Event>(R"pb(name: "events/alone" kind: "k" fact: "x" date { year: 2016 })pb"),
  };
  auto d = EventDiscrepancies(events);
  auto kinds = KindsBySubject(d);
  EXPECT_EQ(kinds["v"], std::set<int>{Discrepancy::KIND_ATTRIBUTION});
  EXPECT_EQ(kinds["w"], (std::set<int>{Discrepancy::KIND_DATE, Discrepancy::KIND_FIGURE}));
  // "$600 million" and "about $600 million" meet: only the lender differs.
  EXPECT_EQ(kinds["l"], std::set<int>{Discrepancy::KIND_ATTRIBUTION});
  EXPECT_FALSE(kinds.count("s"));
  EXPECT_FALSE(kinds.count("x"));
  for (const auto& x : d) {
    if (x.discrepancy_class() != Discrepancy::CLASS_CONFLICT) continue;
    if (x.subject() == "v") {
      EXPECT_THAT(x.description(), HasSubstr("what kind of event"));
      ASSERT_EQ(x.claims_size(), 2);
      EXPECT_EQ(x.claims(0).records(0), "events/a");
      EXPECT_EQ(x.claims(0).citations(0).source_id(), "s1");
      EXPECT_EQ(x.claims(1).citations(0).source_id(), "s2");
    }
    if (x.subject() == "w" && x.kind() == Discrepancy::KIND_FIGURE) {
      EXPECT_THAT(x.claims(0).statement(), HasSubstr("[800000000, 900000000)"));
    }
    if (x.subject() == "l") {
      EXPECT_THAT(x.description(), HasSubstr("who took part or acted"));
    }
  }
}

TEST(InstitutionDiscrepanciesTest, FoundingDatesAndHosts) {
  std::vector<Institution> inst = {
      Parse<Institution>(R"pb(name: "institutions/a" display_name: "A" fact: "c"
                             founded { year: 2016 } host_country: "AZE"
                             citations { source_id: "s1" locator: "p1" })pb"),
      Parse<Institution>(R"pb(name: "institutions/b" display_name: "B" fact: "c"
                             founded { year: 2018 } host_country: "AZE"
                             citations { source_id: "s2" locator: "p1" })pb"),
      Parse<Institution>(R"pb(name: "institutions/c" fact: "h" founded { year: 2011 month: 4 }
                             host_country: "AZE" city: "Baku")pb"),
      Parse<Institution>(R"pb(name: "institutions/d" fact: "h" founded { year: 2011 }
                             host_country: "AZE" city: "Ganja")pb"),
  };
  auto kinds = KindsBySubject(InstitutionDiscrepancies(inst));
  EXPECT_EQ(kinds["c"], std::set<int>{Discrepancy::KIND_DATE});
  EXPECT_EQ(kinds["h"], std::set<int>{Discrepancy::KIND_ATTRIBUTION});
}

Series Points(const std::string& indicator, const std::string& reporter, const std::string& partner,
              std::vector<std::tuple<int, double, double, std::string>> points) {
  Series s;
  s.set_indicator(indicator);
  s.set_reporter(reporter);
  s.set_partner(partner);
  int n = 0;
  for (const auto& [year, value, precision, qualifier] : points) {
    auto* p = s.add_points();
    p->mutable_period()->set_year(year);
    p->mutable_value()->set_value(value);
    p->mutable_value()->set_precision(precision);
    auto* o = p->add_observations();
    o->set_name(absl::StrCat("observations/", indicator, "-", year, "-", n++));
    *o->mutable_value() = p->value();
    if (!qualifier.empty()) {
      dyad::type::v1::Quantity::Qualifier q = dyad::type::v1::Quantity::QUALIFIER_UNSPECIFIED;
      EXPECT_TRUE(dyad::type::v1::Quantity::Qualifier_Parse(qualifier, &q));
      o->mutable_value()->set_qualifier(q);
    }
    auto* c = o->add_citations();
    c->set_source_id("s");
    c->set_locator(o->name());
  }
  return s;
}

TEST(FigureDiscrepanciesTest, DisputedPointsWithEachFigure) {
  Series s = Points("investment.stock", "CHN", "AZE", {{0, 800e6, 1e8, "QUALIFIER_AT_LEAST"}});
  auto* p = s.mutable_points(0);
  p->clear_period();
  p->mutable_as_of()->set_year(2022);
  p->set_disputed(true);
  p->set_rule("most-precise-disputed");
  auto* o = p->add_observations();
  o->set_name("observations/other");
  o->mutable_value()->set_value(1.7e9);
  o->mutable_value()->set_precision(1e8);
  Series calm = Points("trade.turnover", "AZE", "CHN", {{2019, 2184e6, 1e6, ""}});
  auto d = FigureDiscrepancies({s, calm});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind(), Discrepancy::KIND_FIGURE);
  EXPECT_EQ(d[0].subject(), "investment.stock CHN→AZE to 2022");
  ASSERT_EQ(d[0].claims_size(), 2);
  EXPECT_EQ(d[0].claims(1).records(0), "observations/other");
  EXPECT_THAT(d[0].description(), HasSubstr("most-precise-disputed"));
}

TEST(ConsistencyChecksTest, ExportsPlusImportsAgainstTurnover) {
  std::vector<Series> s = {Points("trade.exports", "AZE", "CHN", {{2019, 752e6, 1e6, ""}}),
                           Points("trade.imports", "AZE", "CHN", {{2019, 1432e6, 1e6, ""}}),
                           // Turnover filed under the other order of the pair.
                           Points("trade.turnover", "CHN", "AZE", {{2019, 2184e6, 1e6, ""}})};
  std::vector<Discrepancy> failed;
  auto checks = ConsistencyChecks(s, &failed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(checks[0].consistent()) << checks[0].description();
  EXPECT_EQ(checks[0].subject(), "AZE-CHN 2019");
  EXPECT_EQ(checks[0].claims_size(), 3);
  EXPECT_TRUE(failed.empty());
  // "$2.2 billion" (2.15..2.25 B) still meets 2,184 million.
  s[2] = Points("trade.turnover", "AZE", "CHN", {{2019, 2.2e9, 1e8, ""}});
  EXPECT_TRUE(ConsistencyChecks(s, &failed)[0].consistent());
  s[2] = Points("trade.turnover", "AZE", "CHN", {{2019, 2500e6, 1e6, ""}});
  checks = ConsistencyChecks(s, &failed);
  EXPECT_FALSE(checks[0].consistent());
  EXPECT_THAT(checks[0].description(), HasSubstr("does not meet"));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind(), Discrepancy::KIND_CONSISTENCY);
  EXPECT_EQ(failed[0].claims_size(), 3);
  // Without a turnover for the year nothing is checked.
  s.pop_back();
  EXPECT_TRUE(ConsistencyChecks(s, nullptr).empty());
}

TEST(ConsistencyChecksTest, StatedGrowthAgainstTheSeries) {
  std::vector<Series> s = {
      Points("trade.turnover", "AZE", "CHN", {{2018, 1310e6, 1e6, ""}, {2019, 2184e6, 1e6, ""}}),
      Points("trade.turnover_growth", "AZE", "CHN", {{2019, 66.7, 0.1, ""}})};
  std::vector<Discrepancy> failed;
  auto checks = ConsistencyChecks(s, &failed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(checks[0].consistent()) << checks[0].description();
  EXPECT_EQ(checks[0].claims_size(), 3);
  s[1] = Points("trade.turnover_growth", "AZE", "CHN", {{2019, 50, 1, ""}});
  checks = ConsistencyChecks(s, &failed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_FALSE(checks[0].consistent());
  EXPECT_THAT(checks[0].description(), HasSubstr("inconsistent"));
  EXPECT_EQ(failed.size(), 1u);
  // A stated growth without the year before's turnover cannot be checked:
  // it is not reported as a check.
  s[1] = Points("trade.turnover_growth", "AZE", "CHN", {{2024, 20.7, 0.1, ""}});
  EXPECT_TRUE(ConsistencyChecks(s, nullptr).empty());
}

TEST(ComposeDiscrepanciesTest, FiguresFirstThenDatesAttributionsConsistency) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/c" kind: "k" fact: "w" date { year: 2014 })pb"),
      Parse<Event>(R"pb(name: "events/d" kind: "j" fact: "w" date { year: 2016 })pb")};
  std::vector<Series> series = {
      Points("trade.exports", "AZE", "CHN", {{2019, 752e6, 1e6, ""}}),
      Points("trade.imports", "AZE", "CHN", {{2019, 1432e6, 1e6, ""}}),
      Points("trade.turnover", "AZE", "CHN", {{2019, 3000e6, 1e6, ""}})};
  series[2].mutable_points(0)->set_disputed(true);
  dyad::gateway::v1::ListDiscrepanciesResponse out;
  ComposeDiscrepancies(events, {}, series, &out);
  std::vector<int> kinds;
  for (const auto& d : out.discrepancies()) kinds.push_back(d.kind());
  EXPECT_EQ(kinds, (std::vector<int>{Discrepancy::KIND_FIGURE, Discrepancy::KIND_DATE,
                                     Discrepancy::KIND_ATTRIBUTION,
                                     Discrepancy::KIND_CONSISTENCY}));
  EXPECT_EQ(out.checks_size(), 1);
}

// Every item names its class and the rule that decided it: conflicts where
// the wording's ranges (or actors, kinds) do not meet, "within wording"
// where values are written differently but meet.
TEST(EventDiscrepanciesTest, ClassAndRuleOfEachItem) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/a" kind: "visit.state" fact: "v"
                       date { year: 2015 month: 12 day: 8 } end_date { year: 2015 month: 12 day: 11 })pb"),
      Parse<Event>(R"pb(name: "events/b" kind: "visit.official" fact: "v" date { year: 2015 month: 12 })pb"),
      Parse<Event>(R"pb(name: "events/e" kind: "loan" fact: "l" date { year: 2016 }
                       participants { name: "AIIB" }
                       amount { value: 600e6 unit: "USD" precision: 1e6 as_written: "$600 million" })pb"),
      Parse<Event>(R"pb(name: "events/f" kind: "loan" fact: "l" date { year: 2016 }
                       participants { name: "China" }
                       amount { value: 600e6 unit: "USD" qualifier: QUALIFIER_APPROXIMATE })pb"),
      // The same date and the same amount written alike: nothing to list.
      Parse<Event>(R"pb(name: "events/g" kind: "k" fact: "same" date { year: 2019 }
                       amount { value: 3e6 unit: "CNY" precision: 1e6 as_written: "3 million CNY" })pb"),
      Parse<Event>(R"pb(name: "events/h" kind: "k" fact: "same" date { year: 2019 }
                       amount { value: 3e6 unit: "CNY" precision: 1e6 as_written: "3 million yuan" })pb"),
  };
  auto c = ClassesBySubject(EventDiscrepancies(events));
  EXPECT_EQ(c["v"], (std::set<std::string>{"KIND_DATE/CLASS_WITHIN_WORDING/date-spans-meet",
                                           "KIND_ATTRIBUTION/CLASS_CONFLICT/kinds-differ"}));
  EXPECT_EQ(c["l"], (std::set<std::string>{"KIND_FIGURE/CLASS_WITHIN_WORDING/intervals-meet",
                                           "KIND_ATTRIBUTION/CLASS_CONFLICT/named-actors-differ"}));
  EXPECT_FALSE(c.count("same"));
}

// An undated event spans the bounds its source gives (Event.date_basis):
// "after January 2013, by 2020" meets 2016, "by 2015" does not.
TEST(EventDiscrepanciesTest, UndatedEventsSpanTheirBounds) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/stated" kind: "k" fact: "a" date { year: 2016 })pb"),
      Parse<Event>(R"pb(name: "events/after" kind: "k" fact: "a" date { year: 2013 month: 1 }
                       end_date { year: 2020 } date_basis: DATE_BASIS_AFTER)pb"),
      Parse<Event>(R"pb(name: "events/by-2021" kind: "k" fact: "a"
                       date { year: 2021 month: 6 day: 7 } date_basis: DATE_BASIS_BY)pb"),
      Parse<Event>(R"pb(name: "events/stated-2" kind: "k" fact: "b" date { year: 2016 })pb"),
      Parse<Event>(R"pb(name: "events/by-2015" kind: "k" fact: "b" date { year: 2015 }
                       date_basis: DATE_BASIS_BY)pb"),
      Parse<Event>(R"pb(name: "events/stated-3" kind: "k" fact: "c" date { year: 2016 })pb"),
      Parse<Event>(R"pb(name: "events/after-open" kind: "k" fact: "c"
                       date { year: 2017 month: 11 } date_basis: DATE_BASIS_AFTER)pb"),
  };
  auto d = EventDiscrepancies(events);
  auto c = ClassesBySubject(d);
  EXPECT_EQ(c["a"], std::set<std::string>{"KIND_DATE/CLASS_WITHIN_WORDING/date-spans-meet"});
  EXPECT_EQ(c["b"], std::set<std::string>{"KIND_DATE/CLASS_CONFLICT/date-spans-disjoint"});
  EXPECT_EQ(c["c"], std::set<std::string>{"KIND_DATE/CLASS_CONFLICT/date-spans-disjoint"});
  for (const auto& x : d) {
    if (x.subject() != "a") continue;
    ASSERT_EQ(x.claims_size(), 3);
    EXPECT_THAT(x.claims(1).statement(), HasSubstr("undated, after"));
    EXPECT_THAT(x.claims(2).statement(), HasSubstr("undated, by"));
  }
}

dyad::economics::v1::Observation Obs(const std::string& text) {
  return Parse<dyad::economics::v1::Observation>(text);
}

// Figures linked by a fact key are compared whatever their periods: three
// trade houses open by 2020 ("at least three" before April 2021) against
// two before the April 2021 opening is a conflict.
TEST(FactFigureDiscrepanciesTest, LinkedFiguresAcrossPeriods) {
  std::vector<dyad::economics::v1::Observation> obs = {
      Obs(R"pb(name: "observations/th-2020" indicator: "trade_house.count" reporter: "AZE"
              partner: "CHN" as_of { year: 2020 } fact: "houses"
              value { value: 3 unit: "count" qualifier: QUALIFIER_AT_LEAST as_written: "three" }
              citations { source_id: "s1" locator: "p13" })pb"),
      Obs(R"pb(name: "observations/th-2021" indicator: "trade_house.count" reporter: "AZE"
              partner: "CHN" as_of { year: 2021 month: 4 } fact: "houses"
              value { value: 2 unit: "count" qualifier: QUALIFIER_EXACT as_written: "third" }
              citations { source_id: "s2" locator: "p35" })pb"),
      // 119 and "about 120": written differently, compatible.
      Obs(R"pb(name: "observations/c-1" indicator: "investment.companies" reporter: "CHN"
              partner: "AZE" as_of { year: 2019 } fact: "companies"
              value { value: 119 unit: "count" precision: 1 }
              citations { source_id: "s1" locator: "p11" })pb"),
      Obs(R"pb(name: "observations/c-2" indicator: "investment.companies" reporter: "CHN"
              partner: "AZE" as_of { year: 2020 } fact: "companies"
              value { value: 120 unit: "count" qualifier: QUALIFIER_APPROXIMATE precision: 1 }
              citations { source_id: "s2" locator: "p8" })pb"),
      // One record read twice (once per country) is one figure.
      Obs(R"pb(name: "observations/alone" indicator: "x" reporter: "AZE" fact: "alone"
              period { year: 2019 } value { value: 1 unit: "count" })pb"),
      Obs(R"pb(name: "observations/alone" indicator: "x" reporter: "AZE" fact: "alone"
              period { year: 2019 } value { value: 1 unit: "count" })pb"),
  };
  auto d = FactFigureDiscrepancies(obs);
  auto c = ClassesBySubject(d);
  EXPECT_EQ(c["houses"], std::set<std::string>{"KIND_FIGURE/CLASS_CONFLICT/fact-key:intervals-disjoint"});
  EXPECT_EQ(c["companies"],
            std::set<std::string>{"KIND_FIGURE/CLASS_WITHIN_WORDING/fact-key:intervals-meet"});
  EXPECT_FALSE(c.count("alone"));
  for (const auto& x : d) {
    if (x.subject() != "houses") continue;
    ASSERT_EQ(x.claims_size(), 2);
    EXPECT_EQ(x.claims(0).records(0), "observations/th-2020");
    EXPECT_EQ(x.claims(0).citations(0).source_id(), "s1");
    EXPECT_THAT(x.claims(0).statement(), HasSubstr("[3, 4)"));
    EXPECT_THAT(x.claims(1).statement(), HasSubstr("to April 2021"));
  }
}

// A point whose figures are written differently but meet is listed as
// within wording; one whose figures are written alike is not listed.
TEST(FigureDiscrepanciesTest, WithinWordingPoints) {
  Series s = Points("investment.companies", "CHN", "AZE", {{2019, 119, 1, ""}, {2020, 120, 1, ""}});
  auto* o = s.mutable_points(0)->add_observations();
  o->set_name("observations/about-120");
  o->mutable_value()->set_value(120);
  o->mutable_value()->set_precision(1);
  o->mutable_value()->set_qualifier(dyad::type::v1::Quantity::QUALIFIER_APPROXIMATE);
  *s.mutable_points(1)->add_observations() = s.points(1).observations(0);
  s.mutable_points(0)->set_rule("most-precise-consistent");
  auto d = FigureDiscrepancies({s});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].discrepancy_class(), Discrepancy::CLASS_WITHIN_WORDING);
  EXPECT_EQ(d[0].rule(), "intervals-meet");
  EXPECT_EQ(d[0].subject(), "investment.companies CHN→AZE 2019");
  EXPECT_EQ(d[0].claims_size(), 2);
}

// Neighbouring periods: a share stated for 2019 and the same share stated
// "now" (to a date in 2021) by another source; the same turnover for 2019
// and 2020. Figures far apart, from one source, or of different years that
// do not meet are not candidates.
TEST(NeighbouringPeriodDiscrepanciesTest, CandidatesAndTheirRules) {
  Series share = Points("trade.regional_share", "CHN", "AZE", {{2019, 43, 1, ""}, {0, 45, 1, ""}});
  auto* now = share.mutable_points(1);
  now->clear_period();
  now->mutable_as_of()->set_year(2021);
  now->mutable_as_of()->set_month(6);
  now->mutable_as_of()->set_day(7);
  now->mutable_observations(0)->mutable_citations(0)->set_source_id("s2");
  Series turnover = Points("trade.turnover", "AZE", "CHN",
                           {{2017, 1298e6, 1e6, ""}, {2018, 1310e6, 1e6, ""},
                            {2019, 2.2e9, 1e8, ""}, {2020, 2.2e9, 1e8, ""}});
  // Far apart (2018 and to 2022): not a candidate.
  Series rank = Points("trade.regional_rank", "CHN", "AZE", {{2018, 1, 1, ""}, {0, 1, 1, ""}});
  rank.mutable_points(1)->clear_period();
  rank.mutable_points(1)->mutable_as_of()->set_year(2022);
  rank.mutable_points(1)->mutable_observations(0)->mutable_citations(0)->set_source_id("s2");
  // One source restating its own figure "now": not a candidate.
  Series own = Points("investment.stock", "AZE", "CHN", {{2019, 1.7e9, 1e8, ""}, {0, 1.7e9, 1e8, ""}});
  own.mutable_points(1)->clear_period();
  own.mutable_points(1)->mutable_as_of()->set_year(2020);
  auto d = NeighbouringPeriodDiscrepancies({share, turnover, rank, own});
  ASSERT_EQ(d.size(), 2u);
  for (const auto& x : d) {
    EXPECT_EQ(x.kind(), Discrepancy::KIND_FIGURE);
    EXPECT_EQ(x.discrepancy_class(), Discrepancy::CLASS_NEIGHBOURING_PERIOD);
    EXPECT_EQ(x.claims_size(), 2);
  }
  EXPECT_EQ(d[0].rule(), "as-of-near-period");
  EXPECT_THAT(d[0].subject(), HasSubstr("trade.regional_share CHN→AZE 2019 / to "));
  EXPECT_THAT(d[0].description(), HasSubstr("do not meet"));
  EXPECT_EQ(d[1].rule(), "same-figure-consecutive-years");
  EXPECT_EQ(d[1].subject(), "trade.turnover AZE→CHN 2019 / 2020");
  // Figures curation already links by a fact key are left to the fact check.
  for (auto* p : {share.mutable_points(0), share.mutable_points(1)}) {
    p->mutable_observations(0)->set_fact("share");
  }
  EXPECT_EQ(NeighbouringPeriodDiscrepancies({share}).size(), 0u);
}

// The economics service folds stocks "to date" into one point; figures of
// different as_of dates are compared as neighbouring periods, figures of one
// date as one fact.
TEST(NeighbouringPeriodDiscrepanciesTest, StocksToDifferentDatesAreSplit) {
  Series stock = Points("investment.stock", "CHN", "AZE", {{0, 800e6, 1e6, "QUALIFIER_AT_LEAST"}});
  auto* p = stock.mutable_points(0);
  p->clear_period();
  p->mutable_as_of()->set_year(2021);
  p->set_disputed(true);
  auto* first = p->mutable_observations(0);
  first->mutable_as_of()->set_year(2020);
  first->mutable_citations(0)->set_source_id("jafarli");
  auto* later = p->add_observations();
  *later = *first;
  later->set_name("observations/later");
  later->mutable_as_of()->set_year(2021);
  later->mutable_value()->set_value(900e6);
  later->mutable_citations(0)->set_source_id("ismayilova");
  auto* same_date = p->add_observations();
  *same_date = *later;
  same_date->set_name("observations/same-date");
  same_date->mutable_value()->set_qualifier(dyad::type::v1::Quantity::QUALIFIER_APPROXIMATE);
  same_date->mutable_citations(0)->set_source_id("other");
  // Over 800 million (2020) and over 900 million (2021): not a conflict of
  // one point but a neighbouring-period candidate whose ranges do not meet;
  // over 900 and about 900 million, both of 2021, differ within wording.
  auto c = ClassesBySubject(FigureDiscrepancies({stock}));
  EXPECT_EQ(c, (std::map<std::string, std::set<std::string>>{
                   {"investment.stock CHN→AZE to 2021",
                    {"KIND_FIGURE/CLASS_WITHIN_WORDING/intervals-meet"}}}));
  auto n = NeighbouringPeriodDiscrepancies({stock});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].subject(), "investment.stock CHN→AZE to 2020 / to 2021");
  EXPECT_EQ(n[0].rule(), "as-of-near-period");
  EXPECT_EQ(n[0].claims_size(), 3);
}

// The class filter keeps only the classes asked for; every check still runs.
TEST(ComposeDiscrepanciesTest, FilterByClass) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/a" kind: "k" fact: "v" date { year: 2015 month: 12 day: 8 }
                       citations { source_id: "s1" locator: "p1" })pb"),
      Parse<Event>(R"pb(name: "events/b" kind: "k" fact: "v" date { year: 2015 month: 12 }
                       citations { source_id: "s2" locator: "p1" })pb"),
      Parse<Event>(R"pb(name: "events/c" kind: "k" fact: "w" date { year: 2014 })pb"),
      Parse<Event>(R"pb(name: "events/d" kind: "k" fact: "w" date { year: 2016 })pb")};
  std::vector<Series> series = {
      Points("trade.exports", "AZE", "CHN", {{2019, 752e6, 1e6, ""}}),
      Points("trade.imports", "AZE", "CHN", {{2019, 1432e6, 1e6, ""}}),
      Points("trade.turnover", "AZE", "CHN", {{2019, 2.2e9, 1e8, ""}, {2020, 2.2e9, 1e8, ""}})};
  auto classes_of = [](const dyad::gateway::v1::ListDiscrepanciesResponse& r) {
    std::vector<std::string> v;
    for (const auto& d : r.discrepancies()) {
      EXPECT_FALSE(d.rule().empty()) << d.subject();
      v.push_back(absl::StrCat(d.subject(), ":", Discrepancy::Class_Name(d.discrepancy_class())));
    }
    return v;
  };
  dyad::gateway::v1::ListDiscrepanciesResponse all, conflicts, neighbours;
  ComposeDiscrepancies(events, {}, series, &all);
  // Within a kind: conflicts, then within wording, then neighbouring periods.
  EXPECT_EQ(classes_of(all),
            (std::vector<std::string>{"trade.turnover AZE→CHN 2019 / 2020:CLASS_NEIGHBOURING_PERIOD",
                                      "w:CLASS_CONFLICT", "v:CLASS_WITHIN_WORDING"}));
  ComposeDiscrepancies(events, {}, series, &conflicts, {}, {Discrepancy::CLASS_CONFLICT});
  EXPECT_EQ(classes_of(conflicts), std::vector<std::string>{"w:CLASS_CONFLICT"});
  ComposeDiscrepancies(events, {}, series, &neighbours, {},
                       {Discrepancy::CLASS_NEIGHBOURING_PERIOD});
  EXPECT_EQ(neighbours.discrepancies_size(), 1);
  EXPECT_EQ(all.checks_size(), 1);
  EXPECT_EQ(conflicts.checks_size(), 1);
}

}  // namespace
}  // namespace dyad::gateway
