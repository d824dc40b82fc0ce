// What both EventStore engines (SQLite, PostgreSQL) derive from an event
// and how both answer counts, kept in one place so that the engines cannot
// drift apart: the dyad rows of an event, the monthly totals it adds to,
// and CountEvents / ListEvents' total assembled from whole months and
// part-months. The engines only supply the three reads (CountReads).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "common/partial_date.h"
#include "event_store.h"

namespace dyad::events {

// A country code as the dyad tables store it: the three letters as base-27
// digits 1..26 (the order of the codes is kept), 0 for none. -1 for what is
// no code (countries are validated before they are stored).
int CountryKey(std::string_view code);

// The origin stored for an event (unset is curated).
int StoredOrigin(const dyad::events::v1::Event& e);

// An event's rows in the dyad index: each country alone (b = 0) and each
// pair a < b, with the pair's coded direction (1 a -> b, 2 b -> a, 0
// neither: curated events are undirected).
struct DyadRow {
  int a = 0, b = 0;
  int direction = 0;
};
absl::StatusOr<std::vector<DyadRow>> DyadRows(const dyad::events::v1::Event& e);

// A row of the monthly totals. ym is year * 100 + month of the event's
// date, month 0 for a year-only date.
struct MonthKey {
  int a = 0, b = 0;
  int64_t ym = 0;
  int origin = 0;
  int direction = 0;
  bool operator<(const MonthKey& o) const {
    return std::tie(a, b, ym, origin, direction) < std::tie(o.a, o.b, o.ym, o.origin, o.direction);
  }
};
struct MonthSums {
  int64_t events = 0;
  double goldstein_sum = 0;
  int64_t goldstein_count = 0;
  double tone_sum = 0;
  int64_t tone_count = 0;
  // Added and removed in the same transaction (a record replaced in place).
  bool empty() const { return events == 0 && goldstein_count == 0 && tone_count == 0; }
};
using MonthDeltas = std::map<MonthKey, MonthSums>;  // ordered: one lock order for every writer
// Adds (sign +1) or removes (-1) `e`, whose dyad rows are `rows`, to `deltas`.
void AddToMonth(const dyad::events::v1::Event& e, const std::vector<DyadRow>& rows, int sign,
                MonthDeltas* deltas);

// The days [first, last] as the whole months inside them (read from the
// monthly totals) and the part-months before and after (read event by
// event). An unbounded side (kMinDay, kMaxDay) is a month boundary.
struct WholeMonths {
  bool any = false;              // at least one whole month lies inside
  int64_t ym_lo = 0, ym_hi = 0;  // the whole months, year * 100 + month
  int64_t first_day = 0, last_day = 0;
};
WholeMonths WholeMonthsOf(int64_t first, int64_t last);

using CountRows = std::map<std::tuple<int64_t, std::string, int>, CountRow>;  // (ym, kind, quad)
CountRow& RowFor(CountRows& rows, int64_t ym, std::string kind, int quad);

// One event of a dyad scan (kScanDyad in either engine): adds it to `rows`
// when its date ends by q.last_day.
void AddScannedEvent(const CountQuery& q, int64_t sort_key, std::string kind, int quad,
                     std::optional<double> goldstein, std::optional<double> tone, CountRows* rows);
// One row of the monthly totals summed per ym: adds it when it lies in the
// whole months `m` (a year-only date: its January does, and the year ends by
// `ends_by`).
void AddMonthRow(const WholeMonths& m, int64_t ends_by, int64_t ym, const MonthSums& sums,
                 CountRows* rows);

// The reads an engine supplies; each runs in the caller's snapshot.
struct CountReads {
  // The events of dyad (a, b) whose sort key lies in [first*4, last*4+3]
  // (direction, origin: 0 any), each through AddScannedEvent.
  std::function<absl::Status(int a, int b, int64_t first, int64_t last, const CountQuery& q,
                             CountRows* rows)>
      scan;
  // The monthly totals of dyad (a, b) for ym in [ym_lo / 100 * 100, ym_hi],
  // summed per ym, each through AddMonthRow.
  std::function<absl::Status(int a, int b, const WholeMonths& m, int direction, int origin,
                             int64_t ends_by, CountRows* rows)>
      months;
  // How many dyad rows of (a, b) have sort keys in [first*4, last*4+3] and
  // end_day >= min_end (origin 0: any).
  std::function<absl::StatusOr<int64_t>(int a, int b, int64_t first, int64_t last,
                                        int64_t min_end, int origin)>
      count_rows;
};

// EventStore::Count over the reads.
absl::StatusOr<std::vector<CountRow>> CountWith(const CountReads& reads, const CountQuery& q);
// ListEvents' total for a dyad and period alone: the events that overlap
// the period are those starting in it (monthly totals, part-months row by
// row) and those starting at most `span` days before it that last into it.
absl::StatusOr<int64_t> DyadTotalWith(const CountReads& reads, int a, int b, DaySpan period,
                                      int64_t span, int origin);

// The stored record `old` is the import of the same dataset row as `in`
// (the name is derived from the row, so only another record can hold it
// otherwise).
bool SameDatasetRow(const dyad::events::v1::Event& old, const ImportedEvent& in);

}  // namespace dyad::events
