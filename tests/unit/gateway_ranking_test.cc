// Ranking the candidate factors of a change (ranking.h), without a network.
#include "ranking.h"

#include "google/protobuf/text_format.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::events::v1::Event;
using dyad::institutions::v1::Institution;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

RankingTarget Turnover2019() { return {"trade.turnover", "economy", 2019}; }

const Event kDeals = Parse<Event>(R"pb(
  name: "events/deals" kind: "economy.deal.signed" domain: "economy"
  title: "Ten deals at the forum" date { year: 2019 month: 4 }
  location { name: "Beijing" country: "CHN" }
  amount { value: 821e6 unit: "USD" as_written: "$821 million" } tags: "belt-and-road"
  citations { source_id: "s" locator: "p1" })pb");
const Event kForum = Parse<Event>(R"pb(
  name: "events/forum" kind: "diplomacy.summit.attended" domain: "diplomacy"
  title: "The President attends the forum"
  date { year: 2019 month: 4 day: 24 } end_date { year: 2019 month: 4 day: 27 }
  participants { name: "Ilham Aliyev" role: "President of Azerbaijan" country: "AZE" }
  location { name: "Beijing" country: "CHN" } tags: "belt-and-road"
  citations { source_id: "s" locator: "p2" })pb");
const Event kVisit = Parse<Event>(R"pb(
  name: "events/visit" kind: "diplomacy.visit.official" domain: "diplomacy"
  title: "A minister's visit" date { year: 2019 month: 9 }
  participants { name: "A minister" role: "Foreign Minister" country: "CHN" }
  citations { source_id: "s" locator: "p3" })pb");
const Event kOlderDeal = Parse<Event>(R"pb(
  name: "events/older" kind: "economy.deal.signed" domain: "economy" title: "Older deal"
  date { year: 2018 } citations { source_id: "s" locator: "p4" })pb");
const Event kOutside = Parse<Event>(R"pb(
  name: "events/ancient" kind: "economy.deal.signed" domain: "economy"
  title: "Out of the window" date { year: 2010 } citations { source_id: "s" locator: "p5" })pb");
const Event kAfter = Parse<Event>(R"pb(
  name: "events/after" kind: "economy.deal.signed" domain: "economy"
  title: "After the year" date { year: 2020 month: 1 } citations { source_id: "s" locator: "p6" })pb");

TEST(RankCandidateFactorsTest, OnlyTheYearAndTheYearBeforeAreCandidates) {
  auto f = RankCandidateFactors(Turnover2019(), {kOutside, kOlderDeal, kAfter, kDeals}, {});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].event().name(), "events/deals");
  EXPECT_EQ(f[1].event().name(), "events/older");
  EXPECT_THAT(f[1].reason(), HasSubstr("in 2018, the year before (+2)"));
}

TEST(RankCandidateFactorsTest, DealsRankFirstAndTheForumAroundThemNext) {
  auto f = RankCandidateFactors(Turnover2019(), {kVisit, kOlderDeal, kForum, kDeals}, {});
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].event().name(), "events/deals");
  EXPECT_EQ(f[1].event().name(), "events/forum");
  // Each signal is in the reason with its points, and they add up.
  const std::string& deals = f[0].reason();
  EXPECT_THAT(deals, HasSubstr("in 2019, the year of the change (+3)"));
  EXPECT_THAT(deals, HasSubstr("business deals signed (economy.deal.signed) (+3)"));
  EXPECT_THAT(deals, HasSubstr("same domain as trade.turnover (economy) (+2)"));
  EXPECT_THAT(deals, HasSubstr("involves $821 million (+1.89)"));
  EXPECT_THAT(deals, HasSubstr("part of the Belt and Road (+0.5)"));
  EXPECT_THAT(deals, HasSubstr("signed during \"The President attends the forum\" (+0.5)"));
  EXPECT_DOUBLE_EQ(f[0].score(), 3 + 3 + 2 + 1.89 + 0.5 + 0.5);
  const std::string& forum = f[1].reason();
  EXPECT_THAT(forum, HasSubstr("attendance at an international forum or summit"));
  EXPECT_THAT(forum, HasSubstr("a head of state took part (+1)"));
  EXPECT_THAT(forum, HasSubstr("the occasion of \"Ten deals at the forum\" (+1.5)"));
  EXPECT_DOUBLE_EQ(f[1].score(), 3 + 2.5 + 1 + 0.5 + 1.5);
  // The citations travel with each factor.
  EXPECT_EQ(f[0].citations(0).locator(), "p1");
  // The September visit: no head of state, no occasion.
  EXPECT_EQ(f.back().event().name(), "events/visit");
  EXPECT_THAT(f.back().reason(), ::testing::Not(HasSubstr("head of state")));
}

TEST(RankCandidateFactorsTest, InstitutionsFoundedInTheWindowWithTheirDomain) {
  const Institution house = Parse<Institution>(R"pb(
    name: "institutions/house" kind: "economy.trade_house" founded { year: 2019 }
    citations { source_id: "s" locator: "p1" })pb");
  const Institution school = Parse<Institution>(R"pb(
    name: "institutions/school" kind: "education.university" founded { year: 2018 }
    citations { source_id: "s" locator: "p2" })pb");
  const Institution old = Parse<Institution>(R"pb(
    name: "institutions/old" kind: "economy.trade_house" founded { year: 2001 })pb");
  auto f = RankCandidateFactors(Turnover2019(), {}, {school, old, house},
                                {{"economy.trade_house", "economy"},
                                 {"education.university", "education_culture"}});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].institution().name(), "institutions/house");
  EXPECT_DOUBLE_EQ(f[0].score(), 3 + 2 + 2);
  EXPECT_THAT(f[0].reason(), HasSubstr("a new institution founded (economy.trade_house)"));
  EXPECT_DOUBLE_EQ(f[1].score(), 2 + 2);
  EXPECT_EQ(f[1].citations(0).locator(), "p2");
}

TEST(RankCandidateFactorsTest, TransportCarriesTradeAndTiesGoByDateThenName) {
  const Event rail = Parse<Event>(R"pb(
    name: "events/rail" kind: "transport.railway.completed" domain: "transport_energy"
    title: "Railway completed" date { year: 2019 month: 10 })pb");
  Event b = kOlderDeal, a = kOlderDeal;
  b.set_name("events/b");
  a.set_name("events/a");
  auto f = RankCandidateFactors(Turnover2019(), {rail, b, a}, {});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].event().name(), "events/a");  // equal scores and dates: by name
  EXPECT_EQ(f[1].event().name(), "events/b");
  EXPECT_EQ(f[2].event().name(), "events/rail");
  EXPECT_THAT(f[2].reason(), HasSubstr("transport_energy links carry economy flows (+1)"));
  EXPECT_DOUBLE_EQ(f[2].score(), 3 + 1.5 + 1);
  // The same railway for a non-economic indicator earns no domain points.
  auto g = RankCandidateFactors({"students.count", "education_culture", 2019}, {rail}, {});
  EXPECT_DOUBLE_EQ(g[0].score(), 3 + 1.5);
}

TEST(HeadOfStateTest, PresidentsAndUnnamedHeadsButNotDelegationHeadsOrBodies) {
  auto with_role = [](const std::string& role, const std::string& country) {
    Event e;
    auto* p = e.add_participants();
    p->set_name("x");
    p->set_role(role);
    p->set_country(country);
    return e;
  };
  EXPECT_TRUE(HeadOfStateTakesPart(with_role("President of China, host", "CHN")));
  EXPECT_TRUE(HeadOfStateTakesPart(with_role("head of China (not named in the source)", "CHN")));
  EXPECT_FALSE(HeadOfStateTakesPart(with_role("head of delegation", "AZE")));
  EXPECT_FALSE(HeadOfStateTakesPart(with_role("President of the European Council", "")));
  EXPECT_FALSE(HeadOfStateTakesPart(with_role("Foreign Minister", "AZE")));
}

TEST(SameOccasionTest, OverlappingMonthDatesWithSomethingShared) {
  EXPECT_TRUE(SameOccasion(kDeals, kForum));  // April 2019 and 24-27 April, Beijing
  EXPECT_FALSE(SameOccasion(kDeals, kVisit));  // another month
  EXPECT_FALSE(SameOccasion(kOlderDeal, kOlderDeal));  // a year is too coarse for an occasion
  Event elsewhere = kForum;
  elsewhere.clear_location();
  elsewhere.clear_tags();
  EXPECT_FALSE(SameOccasion(kDeals, elsewhere));  // nothing shared
  elsewhere.set_fact("f");
  Event same_fact = kDeals;
  same_fact.set_fact("f");
  EXPECT_TRUE(SameOccasion(same_fact, elsewhere));
}

}  // namespace
}  // namespace dyad::gateway
