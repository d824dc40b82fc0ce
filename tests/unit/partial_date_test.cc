#include "common/partial_date.h"

#include "testing/status_matchers.h"

namespace dyad {
namespace {

using dyad::type::v1::DateRange;
using dyad::type::v1::PartialDate;

PartialDate D(int y, int m = 0, int d = 0) {
  PartialDate p;
  p.set_year(y);
  p.set_month(m);
  p.set_day(d);
  return p;
}

TEST(PartialDateTest, AcceptsEveryPrecisionAndUnset) {
  EXPECT_OK(ValidatePartialDate(D(0), "date"));
  EXPECT_OK(ValidatePartialDate(D(1994), "date"));
  EXPECT_OK(ValidatePartialDate(D(2011, 4), "date"));
  EXPECT_OK(ValidatePartialDate(D(1991, 12, 27), "date"));
  EXPECT_OK(ValidatePartialDate(D(2024, 2, 29), "date"));
}

TEST(PartialDateTest, RejectsImpossibleDatesNamingTheField) {
  EXPECT_STATUS(ValidatePartialDate(D(2015, 13), "period.start"),
                absl::StatusCode::kInvalidArgument, "period.start.month");
  EXPECT_STATUS(ValidatePartialDate(D(2015, 0, 3), "d"), absl::StatusCode::kInvalidArgument,
                "d.day: a day needs a month");
  EXPECT_STATUS(ValidatePartialDate(D(2023, 2, 29), "d"), absl::StatusCode::kInvalidArgument,
                "d.day");
  EXPECT_STATUS(ValidatePartialDate(D(-5), "d"), absl::StatusCode::kInvalidArgument, "d.year");
  EXPECT_STATUS(ValidatePartialDate(D(10000), "d"), absl::StatusCode::kInvalidArgument, "d.year");
  EXPECT_STATUS(ValidatePartialDate(D(0, 4), "d"), absl::StatusCode::kInvalidArgument, "d.year");
  EXPECT_STATUS(ValidateRequiredDate(D(0), "event.date"), absl::StatusCode::kInvalidArgument,
                "event.date.year: is required");
}

TEST(PartialDateTest, SpansCoverTheDaysADateStandsFor) {
  EXPECT_EQ(FirstDay(D(1994)), DayNumber(1994, 1, 1));
  EXPECT_EQ(LastDay(D(1994)), DayNumber(1994, 12, 31));
  EXPECT_EQ(LastDay(D(2024, 2)), DayNumber(2024, 2, 29));
  EXPECT_EQ(FirstDay(D(1991, 12, 27)), LastDay(D(1991, 12, 27)));
  EXPECT_EQ(DayNumber(2000, 3, 1) - DayNumber(2000, 2, 28), 2);  // 2000 is leap
  EXPECT_EQ(DayNumber(1900, 3, 1) - DayNumber(1900, 2, 28), 1);  // 1900 is not
}

TEST(PartialDateTest, RangeEndBeforeStartIsRejected) {
  DateRange r;
  *r.mutable_start() = D(2016);
  *r.mutable_end() = D(2015);
  EXPECT_STATUS(ValidateDateRange(r, "period"), absl::StatusCode::kInvalidArgument,
                "period.end: must not be before period.start");
  // Same year at different precisions overlaps: fine.
  *r.mutable_start() = D(2015, 6);
  *r.mutable_end() = D(2015);
  EXPECT_OK(ValidateDateRange(r, "period"));
}

TEST(PartialDateTest, LessPreciseSortsFirstAmongSameStart) {
  EXPECT_LT(SortKey(D(2015)), SortKey(D(2015, 1)));
  EXPECT_LT(SortKey(D(2015, 1)), SortKey(D(2015, 1, 1)));
  EXPECT_LT(SortKey(D(2015, 1, 1)), SortKey(D(2015, 1, 2)));
  EXPECT_LT(SortKey(D(2014, 12, 31)), SortKey(D(2015)));
}

TEST(PartialDateTest, FormatsAtItsPrecision) {
  EXPECT_EQ(FormatPartialDate(D(1994)), "1994");
  EXPECT_EQ(FormatPartialDate(D(2011, 4)), "April 2011");
  EXPECT_EQ(FormatPartialDate(D(1991, 12, 27)), "27 December 1991");
  EXPECT_EQ(FormatPartialDate(D(0)), "");
}

}  // namespace
}  // namespace dyad

namespace dyad {
namespace {

TEST(PartialDateTest, CivilFromDayInvertsDayNumber) {
  for (int y : {1, 4, 99, 100, 400, 1900, 1999, 2000, 2020, 2023, 2024, 9999}) {
    for (int m = 1; m <= 12; ++m) {
      for (int d : {1, 15, DaysInMonth(y, m)}) {
        const CivilDay c = CivilFromDay(DayNumber(y, m, d));
        EXPECT_EQ(c.year, y);
        EXPECT_EQ(c.month, m);
        EXPECT_EQ(c.day, d) << y << "-" << m;
      }
    }
  }
  EXPECT_EQ(DayNumber(2024, 3, 1) - DayNumber(2024, 2, 29), 1);
  EXPECT_EQ(CivilFromDay(DayNumber(2024, 3, 1) - 1).day, 29);
}

}  // namespace
}  // namespace dyad
