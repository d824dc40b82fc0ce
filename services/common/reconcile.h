// Reconciling figures: the interval each sourced figure stands for, whether
// several figures for the same thing agree, and which one a series shows.
// Pure functions over protos; no storage, no plugins, no gRPC.
//
// The interval rule is the one in proto/dyad/type/v1/quantity.proto, with
// p = precision and s = the place value of the last non-zero digit of value:
//   EXACT (and UNSPECIFIED)  [v - p/2, v + p/2]
//   APPROXIMATE              [v - s, v + s]
//   AT_LEAST                 [v, v + s)
//   AT_MOST                  (v - s, v]
//   RANGE                    [v - p/2, upper + p/2]
// Figures are consistent when ALL their intervals share a point (pairwise
// meeting is not enough: [1,3], [2,5] and [4,6] meet in pairs but have no
// common point). Half-open ends do not meet: [800, 900) and [900, 1000) are
// disputed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "dyad/economics/v1/economics.pb.h"
#include "dyad/type/v1/quantity.pb.h"

namespace dyad::economics {

// A real interval; an open end excludes its bound. Unbounded ends are ±inf
// (and then open).
struct Interval {
  double lo = 0;
  double hi = 0;
  bool lo_open = false;
  bool hi_open = false;

  double width() const { return hi - lo; }
  // "[1309500000, 1310500000]", "[800000000, 900000000)".
  std::string ToString() const;
};

// The place value of the last non-zero digit of `value` as written in
// decimal: 1.3e9 → 1e8, 1432e6 → 1e6, 120 → 10, 66.7 → 0.1, 0.25 → 0.01.
// 0 for 0 (and for values that are not finite).
double LastDigitPlace(double value);

// The interval a figure stands for (rule above). When the rule needs s and
// the value is 0 (no non-zero digit), the stated precision stands in for s;
// when that is 0 too, an APPROXIMATE figure is a point and AT_LEAST /
// AT_MOST are unbounded on their open side. A RANGE given upside down is
// read the right way round.
Interval IntervalOf(const dyad::type::v1::Quantity& q);

// True when a and b are equal up to rounding noise of doubles.
bool NearlyEqual(double a, double b);

// The common part of every interval; nullopt when they share no point (or
// when `intervals` is empty).
std::optional<Interval> Intersect(absl::Span<const Interval> intervals);

// Rule names, as SeriesPoint.rule reports them.
inline constexpr char kRuleSingleSource[] = "single-source";
inline constexpr char kRuleMostPreciseConsistent[] = "most-precise-consistent";
inline constexpr char kRuleMostPreciseDisputed[] = "most-precise-disputed";

// The outcome of reconciling the figures of one period.
struct Reconciliation {
  // Index of the figure whose value the point shows.
  size_t chosen = 0;
  // True when the figures' intervals have no common point.
  bool disputed = false;
  // One of the kRule* names.
  std::string rule;
  // The common part of the intervals when not disputed.
  std::optional<Interval> common;
};

// Reconciles the figures of one period. `observations` must not be empty
// and should be ordered by name: the most precise figure (narrowest
// interval) is chosen, and among equally precise ones the first.
Reconciliation Reconcile(absl::Span<const dyad::economics::v1::Observation> observations);

// Percent change from `previous` to `current`, against |previous|; nullopt
// when previous is 0, either value is not finite or beyond
// kMaxObservationMagnitude (no real figure), or the result overflows.
std::optional<double> ChangePercent(double previous, double current);

}  // namespace dyad::economics
