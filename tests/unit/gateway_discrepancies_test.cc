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

std::map<std::string, std::set<int>> KindsBySubject(const std::vector<Discrepancy>& d) {
  std::map<std::string, std::set<int>> m;
  for (const auto& x : d) m[x.subject()].insert(x.kind());
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

}  // namespace
}  // namespace dyad::gateway
