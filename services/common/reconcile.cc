#include "common/reconcile.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/validation.h"

namespace dyad::economics {
namespace {

using dyad::type::v1::Quantity;

constexpr double kInf = std::numeric_limits<double>::infinity();

double Pow10(int n) { return std::pow(10.0, n); }

std::string FormatBound(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return absl::StrFormat("%.15g", x);
}

}  // namespace

std::string Interval::ToString() const {
  return absl::StrCat(lo_open ? "(" : "[", FormatBound(lo), ", ", FormatBound(hi),
                      hi_open ? ")" : "]");
}

double LastDigitPlace(double value) {
  if (!std::isfinite(value) || value == 0) return 0;
  const double v = std::fabs(value);
  // Start one place above the leading digit (log10 may round down at exact
  // powers of ten) and walk down until v is a whole multiple of 10^k.
  int k = static_cast<int>(std::floor(std::log10(v))) + 1;
  for (int step = 0; step < 18; ++step, --k) {
    const double q = k >= 0 ? v / Pow10(k) : v * Pow10(-k);
    const double r = std::round(q);
    if (r != 0 && std::fabs(q - r) <= std::max(1e-9, std::fabs(q) * 1e-12)) {
      return k >= 0 ? Pow10(k) : 1.0 / Pow10(-k);
    }
  }
  // More significant digits than a double holds: the last place tried.
  return k >= 0 ? Pow10(k + 1) : 1.0 / Pow10(-(k + 1));
}

Interval IntervalOf(const Quantity& q) {
  const double v = q.value();
  const double p = std::isfinite(q.precision()) ? std::fabs(q.precision()) : 0;
  double s = LastDigitPlace(v);
  if (s == 0) s = p;
  switch (q.qualifier()) {
    case Quantity::QUALIFIER_APPROXIMATE:
      return {v - s, v + s, false, false};
    case Quantity::QUALIFIER_AT_LEAST:
      return s > 0 ? Interval{v, v + s, false, true} : Interval{v, kInf, false, true};
    case Quantity::QUALIFIER_AT_MOST:
      return s > 0 ? Interval{v - s, v, true, false} : Interval{-kInf, v, true, false};
    case Quantity::QUALIFIER_RANGE: {
      double a = v;
      double b = q.upper();
      if (b < a) std::swap(a, b);
      return {a - p / 2, b + p / 2, false, false};
    }
    case Quantity::QUALIFIER_EXACT:
    default:  // QUALIFIER_UNSPECIFIED is read as EXACT
      return {v - p / 2, v + p / 2, false, false};
  }
}

bool NearlyEqual(double a, double b) {
  if (a == b) return true;
  if (!std::isfinite(a) || !std::isfinite(b)) return false;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::optional<Interval> Intersect(absl::Span<const Interval> intervals) {
  if (intervals.empty()) return std::nullopt;
  Interval c = intervals[0];
  for (size_t i = 1; i < intervals.size(); ++i) {
    const Interval& x = intervals[i];
    if (NearlyEqual(x.lo, c.lo)) {
      c.lo = std::max(c.lo, x.lo);
      c.lo_open = c.lo_open || x.lo_open;
    } else if (x.lo > c.lo) {
      c.lo = x.lo;
      c.lo_open = x.lo_open;
    }
    if (NearlyEqual(x.hi, c.hi)) {
      c.hi = std::min(c.hi, x.hi);
      c.hi_open = c.hi_open || x.hi_open;
    } else if (x.hi < c.hi) {
      c.hi = x.hi;
      c.hi_open = x.hi_open;
    }
  }
  if (NearlyEqual(c.lo, c.hi)) {
    // A single point: there only when both ends include it.
    if (c.lo_open || c.hi_open) return std::nullopt;
  } else if (c.lo > c.hi) {
    return std::nullopt;
  }
  return c;
}

Reconciliation Reconcile(absl::Span<const dyad::economics::v1::Observation> observations) {
  Reconciliation r;
  if (observations.empty()) return r;
  std::vector<Interval> intervals;
  intervals.reserve(observations.size());
  for (const auto& o : observations) intervals.push_back(IntervalOf(o.value()));
  for (size_t i = 1; i < intervals.size(); ++i) {
    const double w = intervals[i].width();
    const double best = intervals[r.chosen].width();
    if (w < best && !NearlyEqual(w, best)) r.chosen = i;
  }
  r.common = Intersect(intervals);
  r.disputed = !r.common.has_value();
  r.rule = observations.size() == 1 ? kRuleSingleSource
           : r.disputed             ? kRuleMostPreciseDisputed
                                    : kRuleMostPreciseConsistent;
  return r;
}

std::optional<double> ChangePercent(double previous, double current) {
  if (previous == 0 || !std::isfinite(previous) || !std::isfinite(current)) return std::nullopt;
  // Values no real figure reaches (stored before writes were bounded) give
  // no change rather than an absurd one such as +7.7e300%.
  if (std::fabs(previous) > kMaxObservationMagnitude ||
      std::fabs(current) > kMaxObservationMagnitude) {
    return std::nullopt;
  }
  const double change = (current - previous) / std::fabs(previous) * 100.0;
  if (!std::isfinite(change)) return std::nullopt;
  return change;
}

}  // namespace dyad::economics
