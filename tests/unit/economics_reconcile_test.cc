// Reconciliation without storage or plugins: the interval of every qualifier,
// half-open boundaries, intersection of all intervals, the choice of value and
// rule, and the real cases of the curated data.
#include "reconcile.h"

#include <cmath>
#include <limits>

#include "testing/status_matchers.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;
using dyad::type::v1::Quantity;

constexpr double kInf = std::numeric_limits<double>::infinity();

Quantity Q(double value, Quantity::Qualifier qualifier, double precision, double upper = 0) {
  Quantity q;
  q.set_value(value);
  q.set_unit("USD");
  q.set_qualifier(qualifier);
  q.set_precision(precision);
  q.set_upper(upper);
  return q;
}

Observation Obs(const std::string& name, const Quantity& q) {
  Observation o;
  o.set_name("observations/" + name);
  *o.mutable_value() = q;
  return o;
}

void ExpectInterval(const Interval& got, double lo, double hi, bool lo_open, bool hi_open) {
  EXPECT_DOUBLE_EQ(got.lo, lo) << got.ToString();
  EXPECT_DOUBLE_EQ(got.hi, hi) << got.ToString();
  EXPECT_EQ(got.lo_open, lo_open) << got.ToString();
  EXPECT_EQ(got.hi_open, hi_open) << got.ToString();
}

bool Consistent(std::vector<Quantity> qs) {
  std::vector<Interval> v;
  for (const auto& q : qs) v.push_back(IntervalOf(q));
  return Intersect(v).has_value();
}

TEST(EconomicsLastDigitPlaceTest, PlaceOfTheLastNonZeroDigit) {
  EXPECT_DOUBLE_EQ(LastDigitPlace(800e6), 100e6);
  EXPECT_DOUBLE_EQ(LastDigitPlace(1432e6), 1e6);
  EXPECT_DOUBLE_EQ(LastDigitPlace(1.3e9), 100e6);
  EXPECT_DOUBLE_EQ(LastDigitPlace(1000), 1000);
  EXPECT_DOUBLE_EQ(LastDigitPlace(120), 10);
  EXPECT_DOUBLE_EQ(LastDigitPlace(119), 1);
  EXPECT_DOUBLE_EQ(LastDigitPlace(66.7), 0.1);
  EXPECT_DOUBLE_EQ(LastDigitPlace(0.25), 0.01);
  EXPECT_DOUBLE_EQ(LastDigitPlace(6.56), 0.01);
  EXPECT_DOUBLE_EQ(LastDigitPlace(-680e6), 10e6);
  EXPECT_DOUBLE_EQ(LastDigitPlace(3744e6), 1e6);
  EXPECT_EQ(LastDigitPlace(0), 0);
  EXPECT_EQ(LastDigitPlace(std::nan("")), 0);
}

TEST(EconomicsIntervalTest, EveryQualifier) {
  // EXACT "1,310 million": 1309.5..1310.5 M, closed.
  ExpectInterval(IntervalOf(Q(1310e6, Quantity::QUALIFIER_EXACT, 1e6)), 1309.5e6, 1310.5e6, false,
                 false);
  // Not stated reads as EXACT.
  ExpectInterval(IntervalOf(Q(1310e6, Quantity::QUALIFIER_UNSPECIFIED, 1e6)), 1309.5e6, 1310.5e6,
                 false, false);
  // EXACT with precision 0 is a point.
  ExpectInterval(IntervalOf(Q(42, Quantity::QUALIFIER_EXACT, 0)), 42, 42, false, false);
  // APPROXIMATE "about 120": 110..130 (s from the value, not the precision).
  ExpectInterval(IntervalOf(Q(120, Quantity::QUALIFIER_APPROXIMATE, 1)), 110, 130, false, false);
  // AT_LEAST "over 800 million": [800, 900) M.
  ExpectInterval(IntervalOf(Q(800e6, Quantity::QUALIFIER_AT_LEAST, 1e6)), 800e6, 900e6, false, true);
  // AT_MOST "almost 1.3 billion": (1.2, 1.3] B.
  ExpectInterval(IntervalOf(Q(1.3e9, Quantity::QUALIFIER_AT_MOST, 1e8)), 1.2e9, 1.3e9, true, false);
  // RANGE "300,000-400,000" with precision 1000.
  ExpectInterval(IntervalOf(Q(300000, Quantity::QUALIFIER_RANGE, 1000, 400000)), 299500, 400500,
                 false, false);
  // A RANGE given upside down is read the right way round.
  ExpectInterval(IntervalOf(Q(400000, Quantity::QUALIFIER_RANGE, 0, 300000)), 300000, 400000,
                 false, false);
}

TEST(EconomicsIntervalTest, ZeroValueFallsBackToPrecisionThenUnbounded) {
  ExpectInterval(IntervalOf(Q(0, Quantity::QUALIFIER_APPROXIMATE, 5)), -5, 5, false, false);
  ExpectInterval(IntervalOf(Q(0, Quantity::QUALIFIER_AT_LEAST, 0)), 0, kInf, false, true);
  ExpectInterval(IntervalOf(Q(0, Quantity::QUALIFIER_AT_MOST, 0)), -kInf, 0, true, false);
}

TEST(EconomicsIntersectTest, HalfOpenEndsDoNotMeet) {
  // [800, 900) and [900, 1000): disputed.
  EXPECT_FALSE(Consistent({Q(800e6, Quantity::QUALIFIER_AT_LEAST, 1e6),
                           Q(900e6, Quantity::QUALIFIER_AT_LEAST, 1e6)}));
  // (800, 900] and [900, 1000): both include 900.
  EXPECT_TRUE(Consistent({Q(900e6, Quantity::QUALIFIER_AT_MOST, 1e6),
                          Q(900e6, Quantity::QUALIFIER_AT_LEAST, 1e6)}));
  // [800, 900) and the point 900: disputed.
  EXPECT_FALSE(Consistent({Q(800e6, Quantity::QUALIFIER_AT_LEAST, 1e6),
                           Q(900e6, Quantity::QUALIFIER_EXACT, 0)}));
  // (1.8, 1.9] B and [1.7, 1.8) B: both ends at 1.8 open, disputed.
  EXPECT_FALSE(Consistent({Q(1.9e9, Quantity::QUALIFIER_AT_MOST, 1e6),
                           Q(1.7e9, Quantity::QUALIFIER_AT_LEAST, 1e6)}));
  // (1.8, 1.9] B and [1.8, 1.9) B share (1.8, 1.9).
  EXPECT_TRUE(Consistent({Q(1.9e9, Quantity::QUALIFIER_AT_MOST, 1e6),
                          Q(1.8e9, Quantity::QUALIFIER_AT_LEAST, 1e6)}));
}

TEST(EconomicsIntersectTest, ClosedEndsMeetDespiteRoundingNoise) {
  // [2.45, 2.55] and [2.55, 2.65]: 2.5 + 0.05 and 2.6 - 0.05 differ in the
  // last bit of a double, yet the closed ends meet.
  EXPECT_TRUE(Consistent({Q(2.5, Quantity::QUALIFIER_EXACT, 0.1), Q(2.6, Quantity::QUALIFIER_EXACT, 0.1)}));
  EXPECT_FALSE(Consistent({Q(2.5, Quantity::QUALIFIER_EXACT, 0.1), Q(2.7, Quantity::QUALIFIER_EXACT, 0.1)}));
}

TEST(EconomicsIntersectTest, AllIntervalsMustShareAPointNotJustPairs) {
  // [1, 3], [2, 5], [4, 6]: each neighbour pair meets, the three do not.
  const Quantity a = Q(1, Quantity::QUALIFIER_RANGE, 0, 3);
  const Quantity b = Q(2, Quantity::QUALIFIER_RANGE, 0, 5);
  const Quantity c = Q(4, Quantity::QUALIFIER_RANGE, 0, 6);
  EXPECT_TRUE(Consistent({a, b}));
  EXPECT_TRUE(Consistent({b, c}));
  EXPECT_FALSE(Consistent({a, b, c}));
  EXPECT_FALSE(Intersect({}).has_value());
}

TEST(EconomicsIntersectTest, CommonPartIsReported) {
  auto common = Intersect({IntervalOf(Q(1310e6, Quantity::QUALIFIER_EXACT, 1e6)),
                           IntervalOf(Q(1.31e9, Quantity::QUALIFIER_EXACT, 1e7)),
                           IntervalOf(Q(1.3e9, Quantity::QUALIFIER_EXACT, 1e8))});
  ASSERT_TRUE(common.has_value());
  ExpectInterval(*common, 1309.5e6, 1310.5e6, false, false);
}

// The curated 2018 turnover: 1,310 million (p 1e6), $1.31 billion (p 1e7),
// $1.3 billion (p 1e8) all hold 1,309.5..1,310.5 M.
TEST(EconomicsReconcileTest, Turnover2018IsConsistentAndTakesTheMostPrecise) {
  std::vector<Observation> obs = {
      Obs("aze-chn-turnover-2018-ismayilova", Q(1.31e9, Quantity::QUALIFIER_EXACT, 1e7)),
      Obs("aze-chn-turnover-2018-jafarli", Q(1310e6, Quantity::QUALIFIER_EXACT, 1e6)),
      Obs("aze-chn-turnover-2018-valiyev", Q(1.3e9, Quantity::QUALIFIER_EXACT, 1e8)),
  };
  Reconciliation r = Reconcile(obs);
  EXPECT_FALSE(r.disputed);
  EXPECT_EQ(r.rule, "most-precise-consistent");
  EXPECT_EQ(r.chosen, 1u);  // jafarli, the narrowest interval
}

// "more than 800 million" and "over $900 million", both lower bounds:
// [800, 900) and [900, 1000) do not meet.
TEST(EconomicsReconcileTest, MoreThan800AndOver900AreDisputed) {
  std::vector<Observation> obs = {
      Obs("a-more-than-800", Q(800e6, Quantity::QUALIFIER_AT_LEAST, 1e6)),
      Obs("b-over-900", Q(900e6, Quantity::QUALIFIER_AT_LEAST, 1e6)),
  };
  Reconciliation r = Reconcile(obs);
  EXPECT_TRUE(r.disputed);
  EXPECT_FALSE(r.common.has_value());
  EXPECT_EQ(r.rule, "most-precise-disputed");
  EXPECT_EQ(r.chosen, 0u);  // equal widths: the first by name
}

// "almost $1.3 billion" is (1.2, 1.3] B and holds 1,298 million.
TEST(EconomicsReconcileTest, Almost13BillionAnd1298MillionAreConsistent) {
  std::vector<Observation> obs = {
      Obs("aze-chn-turnover-2017-jafarli", Q(1298e6, Quantity::QUALIFIER_EXACT, 1e6)),
      Obs("aze-chn-turnover-2017-khalturina", Q(1.3e9, Quantity::QUALIFIER_AT_MOST, 1e8)),
  };
  Reconciliation r = Reconcile(obs);
  EXPECT_FALSE(r.disputed);
  EXPECT_EQ(r.rule, "most-precise-consistent");
  EXPECT_EQ(r.chosen, 0u);
  // And with the third 2017 source, $1.3 billion read as 1.25..1.35 B.
  obs.push_back(Obs("aze-chn-turnover-2017-ismayilova", Q(1.3e9, Quantity::QUALIFIER_EXACT, 1e8)));
  r = Reconcile(obs);
  EXPECT_FALSE(r.disputed);
  EXPECT_EQ(r.chosen, 0u);
}

TEST(EconomicsReconcileTest, SingleSourceAndTies) {
  std::vector<Observation> one = {Obs("only", Q(5, Quantity::QUALIFIER_APPROXIMATE, 1))};
  Reconciliation r = Reconcile(one);
  EXPECT_EQ(r.rule, "single-source");
  EXPECT_FALSE(r.disputed);
  EXPECT_EQ(r.chosen, 0u);
  // Equal widths (1e8 each): the first by name wins, whatever the value.
  std::vector<Observation> tie = {
      Obs("a", Q(1.3e9, Quantity::QUALIFIER_AT_MOST, 1e8)),
      Obs("b", Q(1.3e9, Quantity::QUALIFIER_EXACT, 1e8)),
  };
  r = Reconcile(tie);
  EXPECT_EQ(r.chosen, 0u);
  EXPECT_FALSE(r.disputed);
  // A narrower figure later in the list is still chosen when disputed.
  std::vector<Observation> disputed = {
      Obs("a", Q(2e9, Quantity::QUALIFIER_EXACT, 1e9)),
      Obs("b", Q(5e9, Quantity::QUALIFIER_EXACT, 1e6)),
  };
  r = Reconcile(disputed);
  EXPECT_TRUE(r.disputed);
  EXPECT_EQ(r.chosen, 1u);
  EXPECT_EQ(r.rule, "most-precise-disputed");
}

TEST(EconomicsChangePercentTest, AgainstThePreviousValue) {
  EXPECT_DOUBLE_EQ(*ChangePercent(100, 150), 50);
  EXPECT_DOUBLE_EQ(*ChangePercent(200, 100), -50);
  EXPECT_DOUBLE_EQ(*ChangePercent(-200, -100), 50);  // a smaller deficit is a rise
  EXPECT_FALSE(ChangePercent(0, 10).has_value());
  EXPECT_FALSE(ChangePercent(10, std::nan("")).has_value());
  // Absurd inputs give no change rather than +7.7e300%.
  EXPECT_FALSE(ChangePercent(-1, -1e308).has_value());
  EXPECT_FALSE(ChangePercent(1e-300, 1e300).has_value());
  EXPECT_FALSE(ChangePercent(2e15, 1).has_value());
  EXPECT_DOUBLE_EQ(*ChangePercent(1e15, 5e14), -50);
}

}  // namespace
}  // namespace dyad::economics
