// The gateway's composition logic without a network.
#include "compose.h"

#include "google/protobuf/text_format.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::events::v1::Event;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

TEST(RankFactorsTest, DealsInTheYearRankAboveVisitsAndOlderEvents) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/visit" kind: "diplomacy.visit.official" domain: "diplomacy"
                       title: "Visit" date { year: 2019 month: 4 })pb"),
      Parse<Event>(R"pb(name: "events/deals" kind: "economy.deal.signed" domain: "economy"
                       title: "Deals" date { year: 2019 month: 4 }
                       amount { value: 821e6 unit: "USD" } tags: "belt-and-road")pb"),
      Parse<Event>(R"pb(name: "events/older" kind: "economy.deal.signed" domain: "economy"
                       title: "Older deal" date { year: 2018 })pb"),
      Parse<Event>(R"pb(name: "events/ancient" kind: "economy.deal.signed" domain: "economy"
                       title: "Out of the window" date { year: 2010 })pb"),
  };
  auto f = RankFactors("trade.turnover", 2019, events, {});
  ASSERT_EQ(f.size(), 3u);  // 2010 is outside the window
  EXPECT_EQ(f[0].event().name(), "events/deals");
  EXPECT_THAT(f[0].reason(), ::testing::HasSubstr("821 million USD"));
  EXPECT_THAT(f[0].reason(), ::testing::HasSubstr("the year of the change"));
  EXPECT_GT(f[0].score(), f[1].score());
  EXPECT_EQ(f.back().event().name(), "events/visit");
}

TEST(EventDiscrepanciesTest, SameDateAtTwoPrecisionsIsNotADateDispute) {
  std::vector<Event> events = {
      Parse<Event>(R"pb(name: "events/a" kind: "diplomacy.visit.state" fact: "v"
                       date { year: 2015 month: 12 day: 8 } end_date { year: 2015 month: 12 day: 11 })pb"),
      Parse<Event>(R"pb(name: "events/b" kind: "diplomacy.visit.official" fact: "v"
                       date { year: 2015 month: 12 })pb"),
      Parse<Event>(R"pb(name: "events/c" kind: "k" fact: "w" date { year: 2014 })pb"),
      Parse<Event>(R"pb(name: "events/d" kind: "k" fact: "w" date { year: 2016 })pb"),
      Parse<Event>(R"pb(name: "events/alone" kind: "k" fact: "x" date { year: 2016 })pb"),
  };
  auto d = EventDiscrepancies(events);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].subject(), "v");
  EXPECT_EQ(d[0].kind(), dyad::gateway::v1::Discrepancy::KIND_ATTRIBUTION);
  EXPECT_EQ(d[0].claims_size(), 2);
  EXPECT_EQ(d[1].subject(), "w");
  EXPECT_EQ(d[1].kind(), dyad::gateway::v1::Discrepancy::KIND_DATE);
}

dyad::economics::v1::Series Point(const std::string& ind, int year, double v, double precision) {
  return Parse<dyad::economics::v1::Series>(absl::StrCat(
      "indicator: \"", ind, "\" reporter: \"AZE\" partner: \"CHN\" points { period { year: ", year,
      " } value { value: ", v, " precision: ", precision, " } observations { name: \"observations/",
      ind, year, "\" value { value: ", v, " precision: ", precision, " } } }"));
}

TEST(ConsistencyChecksTest, ExportsPlusImportsAgainstTurnover) {
  std::vector<dyad::economics::v1::Series> ok = {Point("trade.exports", 2019, 752e6, 1e6),
                                                 Point("trade.imports", 2019, 1432e6, 1e6),
                                                 Point("trade.turnover", 2019, 2184e6, 1e6)};
  std::vector<dyad::gateway::v1::Discrepancy> failed;
  auto checks = ConsistencyChecks(ok, &failed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(checks[0].consistent()) << checks[0].description();
  EXPECT_TRUE(failed.empty());
  ok[2] = Point("trade.turnover", 2019, 2500e6, 1e6);
  checks = ConsistencyChecks(ok, &failed);
  EXPECT_FALSE(checks[0].consistent());
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind(), dyad::gateway::v1::Discrepancy::KIND_CONSISTENCY);
  EXPECT_EQ(failed[0].claims_size(), 3);
}

TEST(ConsistencyChecksTest, StatedGrowthAgainstTheSeries) {
  std::vector<dyad::economics::v1::Series> s = {Point("trade.turnover", 2018, 1310e6, 1e6),
                                                Point("trade.turnover", 2019, 2184e6, 1e6),
                                                Point("trade.turnover_growth", 2019, 66.7, 0.1)};
  std::vector<dyad::gateway::v1::Discrepancy> failed;
  auto checks = ConsistencyChecks(s, &failed);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_TRUE(checks[0].consistent()) << checks[0].description();
  s[2] = Point("trade.turnover_growth", 2019, 50, 1);
  checks = ConsistencyChecks(s, &failed);
  EXPECT_FALSE(checks[0].consistent());
}

TEST(TimelineTokenTest, RoundTripsAndRejectsTampering) {
  TimelineCursor c;
  c.filter_fingerprint = 42;
  c.events = {"ZXZlbnRz", 3, false};
  c.institutions = {"", 0, true};
  c.figures = {"", 7, false};
  ASSERT_OK_AND_ASSIGN(TimelineCursor d, DecodeTimelineToken(EncodeTimelineToken(c), 42));
  EXPECT_EQ(d.events.token, "ZXZlbnRz");
  EXPECT_EQ(d.events.skip, 3);
  EXPECT_TRUE(d.institutions.done);
  EXPECT_EQ(d.figures.skip, 7);
  EXPECT_STATUS(DecodeTimelineToken(EncodeTimelineToken(c), 43), absl::StatusCode::kInvalidArgument,
                "other filters");
  EXPECT_STATUS(DecodeTimelineToken("garbage!", 42), absl::StatusCode::kInvalidArgument, "page_token");
}

TEST(MergeTimelineTest, KeepsAPrefixOfEachStreamInDateOrder) {
  std::vector<SourcedEntry> in;
  auto add = [&](int stream, int year, int month) {
    SourcedEntry e{stream, {}};
    e.entry.mutable_date()->set_year(year);
    e.entry.mutable_date()->set_month(month);
    in.push_back(e);
  };
  add(0, 1991, 12);
  add(0, 2015, 12);
  add(1, 2011, 4);
  add(2, 2007, 0);
  add(2, 2019, 0);
  int taken[3];
  auto out = MergeTimeline(in, 3, taken);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].entry.date().year(), 1991);
  EXPECT_EQ(out[1].entry.date().year(), 2007);
  EXPECT_EQ(out[2].entry.date().year(), 2011);
  EXPECT_EQ(taken[0], 1);
  EXPECT_EQ(taken[1], 1);
  EXPECT_EQ(taken[2], 1);
}

}  // namespace
}  // namespace dyad::gateway
