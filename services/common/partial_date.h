#pragma once

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "dyad/type/v1/date.pb.h"

namespace dyad {

// Partial dates as spans of days (see proto/dyad/type/v1/date.proto).
// Days are counted as a proleptic Gregorian day number (days since
// 0000-03-01), so spans can be compared and subtracted.

// How precisely a date is known.
enum class DatePrecision { kNone = 0, kYear = 1, kMonth = 2, kDay = 3 };

DatePrecision PrecisionOf(const dyad::type::v1::PartialDate& date);

// Unset (year 0) is fine; otherwise year 1..9999, month 0..12, day 0..31
// only with a month, and the day must exist. Errors name `field`
// ("period.start.month: must be 1..12, got 13").
absl::Status ValidatePartialDate(const dyad::type::v1::PartialDate& date,
                                 absl::string_view field);

// A required date: as above and year > 0.
absl::Status ValidateRequiredDate(const dyad::type::v1::PartialDate& date,
                                  absl::string_view field);

// Validates both sides and that end is not before start. `field` is the
// range's name ("period").
absl::Status ValidateDateRange(const dyad::type::v1::DateRange& range,
                               absl::string_view field);

// Day number of a calendar date (month 1..12, day 1..31).
int64_t DayNumber(int year, int month, int day);
int DaysInMonth(int year, int month);
// The inverse of DayNumber.
struct CivilDay {
  int year = 0, month = 0, day = 0;
};
CivilDay CivilFromDay(int64_t day);

// First and last day of the span a known date (year > 0) covers.
int64_t FirstDay(const dyad::type::v1::PartialDate& date);
int64_t LastDay(const dyad::type::v1::PartialDate& date);

// A range as days; unbounded sides become kMinDay / kMaxDay.
inline constexpr int64_t kMinDay = -(INT64_C(1) << 40);
inline constexpr int64_t kMaxDay = INT64_C(1) << 40;
struct DaySpan {
  int64_t first = kMinDay;
  int64_t last = kMaxDay;
};
DaySpan RangeDays(const dyad::type::v1::DateRange& range);

// Sort key: by first day, then less precise before more precise.
int64_t SortKey(const dyad::type::v1::PartialDate& date);

// Human form: "1994", "April 2011", "27 December 1991"; "" when unknown.
std::string FormatPartialDate(const dyad::type::v1::PartialDate& date);

}  // namespace dyad
