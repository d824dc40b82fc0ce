#include "event_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dyad::events {

using dyad::events::v1::Event;

int CountryKey(std::string_view code) {
  if (code.empty()) return 0;
  if (code.size() != 3) return -1;
  int key = 0;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return -1;
    key = key * 27 + (c - 'A' + 1);
  }
  return key;
}

int StoredOrigin(const Event& e) {
  return e.origin() != 0 ? e.origin() : dyad::type::v1::ORIGIN_CURATED;
}

absl::StatusOr<std::vector<DyadRow>> DyadRows(const Event& e) {
  std::vector<int> c;
  c.reserve(e.countries_size());
  for (const auto& code : e.countries()) {
    const int key = CountryKey(code);
    if (key <= 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "event \"", e.name(), "\" names \"", code.substr(0, 16), "\", which is no country code"));
    }
    c.push_back(key);
  }
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end()), c.end());
  const int source = CountryKey(e.coded().source_country());
  const int target = CountryKey(e.coded().target_country());
  std::vector<DyadRow> rows;
  rows.reserve(c.size() * (c.size() + 1) / 2);
  for (size_t i = 0; i < c.size(); ++i) {
    rows.push_back({c[i], 0, 0});
    for (size_t j = i + 1; j < c.size(); ++j) {
      int direction = 0;
      if (source == c[i] && target == c[j]) direction = 1;
      if (source == c[j] && target == c[i]) direction = 2;
      rows.push_back({c[i], c[j], direction});
    }
  }
  return rows;
}

void AddToMonth(const Event& e, const std::vector<DyadRow>& rows, int sign, MonthDeltas* deltas) {
  const auto& c = e.coded();
  MonthKey key;
  key.ym = int64_t{e.date().year()} * 100 + e.date().month();
  key.origin = StoredOrigin(e);
  for (const DyadRow& r : rows) {
    key.a = r.a;
    key.b = r.b;
    key.direction = r.direction;
    MonthSums& m = (*deltas)[key];
    m.events += sign;
    if (c.has_goldstein()) {
      m.goldstein_sum += sign * c.goldstein();
      m.goldstein_count += sign;
    }
    if (c.has_avg_tone()) {
      m.tone_sum += sign * c.avg_tone();
      m.tone_count += sign;
    }
  }
}

WholeMonths WholeMonthsOf(int64_t first, int64_t last) {
  WholeMonths m;
  if (first == kMinDay) {
    m.first_day = kMinDay;
  } else {
    CivilDay c = CivilFromDay(first);
    if (c.day != 1 && ++c.month > 12) {
      c.month = 1;
      ++c.year;
    }
    m.first_day = DayNumber(c.year, c.month, 1);
    m.ym_lo = int64_t{c.year} * 100 + c.month;
  }
  if (last == kMaxDay) {
    m.last_day = kMaxDay;
    m.ym_hi = INT64_MAX;
  } else {
    CivilDay c = CivilFromDay(last);
    if (c.day != DaysInMonth(c.year, c.month) && --c.month < 1) {
      c.month = 12;
      --c.year;
    }
    m.last_day = DayNumber(c.year, c.month, DaysInMonth(c.year, c.month));
    m.ym_hi = int64_t{c.year} * 100 + c.month;
  }
  m.any = m.first_day <= m.last_day;
  return m;
}

CountRow& RowFor(CountRows& rows, int64_t ym, std::string kind, int quad) {
  CountRow& r = rows[{ym, kind, quad}];
  if (r.year == 0) {
    r.year = static_cast<int>(ym / 100);
    r.month = static_cast<int>(ym % 100);
    r.kind = std::move(kind);
    r.quad_class = quad;
  }
  return r;
}

void AddScannedEvent(const CountQuery& q, int64_t key, std::string kind, int quad,
                     std::optional<double> goldstein, std::optional<double> tone,
                     CountRows* rows) {
  // sort_key = first day * 4 + precision (1 year, 2 month, 3 day).
  const int64_t day = key >> 2;
  const int precision = static_cast<int>(key & 3);
  const CivilDay c = CivilFromDay(day);
  const int64_t date_last = precision == 3   ? day
                            : precision == 2 ? day + DaysInMonth(c.year, c.month) - 1
                                             : DayNumber(c.year, 12, 31);
  if (date_last > q.last_day) return;
  const int64_t ym = int64_t{c.year} * 100 + (precision >= 2 ? c.month : 0);
  CountRow& r = q.by_kind ? RowFor(*rows, ym, std::move(kind), quad) : RowFor(*rows, ym, "", 0);
  ++r.count;
  if (goldstein) {
    r.goldstein_sum += *goldstein;
    ++r.goldstein_count;
  }
  if (tone) {
    r.tone_sum += *tone;
    ++r.tone_count;
  }
}

void AddMonthRow(const WholeMonths& m, int64_t ends_by, int64_t ym, const MonthSums& sums,
                 CountRows* rows) {
  if (ym % 100 != 0) {
    if (ym < m.ym_lo) return;
  } else {
    const int64_t january = ym + 1;
    if (january < m.ym_lo || january > m.ym_hi) return;
    if (ends_by != kMaxDay && DayNumber(static_cast<int>(ym / 100), 12, 31) > ends_by) return;
  }
  CountRow& r = RowFor(*rows, ym, "", 0);
  r.count += sums.events;
  r.goldstein_sum += sums.goldstein_sum;
  r.goldstein_count += sums.goldstein_count;
  r.tone_sum += sums.tone_sum;
  r.tone_count += sums.tone_count;
}

absl::StatusOr<std::vector<CountRow>> CountWith(const CountReads& reads, const CountQuery& q) {
  if (q.countries.empty() || q.countries.size() > 2) {
    return absl::InvalidArgumentError("Count needs one or two countries");
  }
  const int a = CountryKey(q.countries[0]);
  const int b = q.countries.size() == 2 ? CountryKey(q.countries[1]) : 0;
  if (a <= 0 || b < 0) return absl::InvalidArgumentError("Count needs country codes");
  CountRows rows;
  const WholeMonths m = WholeMonthsOf(q.first_day, q.last_day);
  if (q.by_kind || !m.any) {
    if (auto s = reads.scan(a, b, q.first_day, q.last_day, q, &rows); !s.ok()) return s;
  } else {
    // Whole months from their totals; the part-months at either end (a
    // period given to the day) event by event.
    if (q.first_day < m.first_day) {
      if (auto s = reads.scan(a, b, q.first_day, m.first_day - 1, q, &rows); !s.ok()) return s;
    }
    const int direction = q.countries.size() == 2 ? q.direction : 0;
    if (auto s = reads.months(a, b, m, direction, q.origin, q.last_day, &rows); !s.ok()) return s;
    if (m.last_day < q.last_day) {
      if (auto s = reads.scan(a, b, m.last_day + 1, q.last_day, q, &rows); !s.ok()) return s;
    }
  }
  std::vector<CountRow> out;
  out.reserve(rows.size());
  for (auto& [key, r] : rows) out.push_back(std::move(r));
  return out;
}

absl::StatusOr<int64_t> DyadTotalWith(const CountReads& reads, int a, int b, DaySpan period,
                                      int64_t span, int origin) {
  int64_t total = 0;
  auto count_rows = [&](int64_t first, int64_t last, int64_t min_end) -> absl::Status {
    auto n = reads.count_rows(a, b, first, last, min_end, origin);
    if (!n.ok()) return n.status();
    total += *n;
    return absl::OkStatus();
  };
  if (period.first != kMinDay && span > 0) {
    if (auto s = count_rows(period.first - span, period.first - 1, period.first); !s.ok()) return s;
  }
  const WholeMonths m = WholeMonthsOf(period.first, period.last);
  if (!m.any) {
    if (auto s = count_rows(period.first, period.last, kMinDay); !s.ok()) return s;
    return total;
  }
  if (period.first < m.first_day) {
    if (auto s = count_rows(period.first, m.first_day - 1, kMinDay); !s.ok()) return s;
  }
  CountRows months;
  if (auto s = reads.months(a, b, m, 0, origin, kMaxDay, &months); !s.ok()) return s;
  for (const auto& [key, r] : months) total += r.count;
  if (m.last_day < period.last) {
    if (auto s = count_rows(m.last_day + 1, period.last, kMinDay); !s.ok()) return s;
  }
  return total;
}

bool SameDatasetRow(const Event& old, const ImportedEvent& in) {
  if (old.origin() != dyad::type::v1::ORIGIN_MACHINE_CODED) return false;
  for (const auto& c : old.citations()) {
    if (c.has_row()) return c.source_id() == in.dataset && c.row().upstream_id() == in.upstream_id;
  }
  return false;
}

}  // namespace dyad::events
