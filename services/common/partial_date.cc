#include "common/partial_date.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace dyad {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};

}  // namespace

DatePrecision PrecisionOf(const dyad::type::v1::PartialDate& d) {
  if (d.year() == 0) return DatePrecision::kNone;
  if (d.month() == 0) return DatePrecision::kYear;
  if (d.day() == 0) return DatePrecision::kMonth;
  return DatePrecision::kDay;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

absl::Status ValidatePartialDate(const dyad::type::v1::PartialDate& d, absl::string_view field) {
  if (d.year() == 0) {
    if (d.month() != 0 || d.day() != 0) {
      return InvalidField(absl::StrCat(field, ".year"),
                          "must be set when month or day is set");
    }
    return absl::OkStatus();
  }
  if (d.year() < 1 || d.year() > 9999) {
    return InvalidField(absl::StrCat(field, ".year"),
                        absl::StrCat("must be 1..9999, got ", d.year()));
  }
  if (d.month() < 0 || d.month() > 12) {
    return InvalidField(absl::StrCat(field, ".month"),
                        absl::StrCat("must be 1..12 (0 for unknown), got ", d.month()));
  }
  if (d.day() < 0 || d.day() > 31) {
    return InvalidField(absl::StrCat(field, ".day"),
                        absl::StrCat("must be 1..31 (0 for unknown), got ", d.day()));
  }
  if (d.day() != 0 && d.month() == 0) {
    return InvalidField(absl::StrCat(field, ".day"), "a day needs a month");
  }
  if (d.day() != 0 && d.day() > DaysInMonth(d.year(), d.month())) {
    return InvalidField(absl::StrCat(field, ".day"),
                        absl::StrCat(d.year(), "-", d.month(), " has ",
                                     DaysInMonth(d.year(), d.month()), " days, got ", d.day()));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequiredDate(const dyad::type::v1::PartialDate& d, absl::string_view field) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) {
    return InvalidField(absl::StrCat(field, ".year"), "is required");
  }
  return ValidatePartialDate(d, field);
}

absl::Status ValidateDateRange(const dyad::type::v1::DateRange& r, absl::string_view field) {
  if (auto s = ValidatePartialDate(r.start(), absl::StrCat(field, ".start")); !s.ok()) return s;
  if (auto s = ValidatePartialDate(r.end(), absl::StrCat(field, ".end")); !s.ok()) return s;
  if (r.start().year() > 0 && r.end().year() > 0 && LastDay(r.end()) < FirstDay(r.start())) {
    return InvalidField(absl::StrCat(field, ".end"),
                        absl::StrCat("must not be before ", field, ".start (",
                                     FormatPartialDate(r.end()), " < ",
                                     FormatPartialDate(r.start()), ")"));
  }
  return absl::OkStatus();
}

int64_t DayNumber(int y, int m, int d) {
  // Days since 0000-03-01 in the proleptic Gregorian calendar (H. Hinnant's
  // days_from_civil, shifted).
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe;
}

CivilDay CivilFromDay(int64_t z) {
  // H. Hinnant's civil_from_days; DayNumber's epoch is already 0000-03-01.
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilDay c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2));
  return c;
}

int64_t FirstDay(const dyad::type::v1::PartialDate& d) {
  return DayNumber(d.year(), d.month() ? d.month() : 1, d.day() ? d.day() : 1);
}

int64_t LastDay(const dyad::type::v1::PartialDate& d) {
  const int m = d.month() ? d.month() : 12;
  return DayNumber(d.year(), m, d.day() ? d.day() : DaysInMonth(d.year(), m));
}

DaySpan RangeDays(const dyad::type::v1::DateRange& r) {
  DaySpan s;
  if (r.has_start() && r.start().year() > 0) s.first = FirstDay(r.start());
  if (r.has_end() && r.end().year() > 0) s.last = LastDay(r.end());
  return s;
}

int64_t SortKey(const dyad::type::v1::PartialDate& d) {
  if (d.year() == 0) return kMaxDay * 4;
  return FirstDay(d) * 4 + static_cast<int>(PrecisionOf(d));
}

std::string FormatPartialDate(const dyad::type::v1::PartialDate& d) {
  switch (PrecisionOf(d)) {
    case DatePrecision::kNone: return "";
    case DatePrecision::kYear: return absl::StrCat(d.year());
    case DatePrecision::kMonth: return absl::StrCat(kMonthNames[d.month() - 1], " ", d.year());
    case DatePrecision::kDay:
      return absl::StrCat(d.day(), " ", kMonthNames[d.month() - 1], " ", d.year());
  }
  return "";
}

}  // namespace dyad
