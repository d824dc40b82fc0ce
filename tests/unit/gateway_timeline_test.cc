// The timeline's page token and page assembly (compose.h), without a
// network: three simulated backends paged the way the real ones page, and a
// timeline read page by page must equal the whole stream read at once.
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "compose.h"
#include "testing/status_matchers.h"

namespace dyad::gateway {
namespace {

using dyad::gateway::v1::TimelineEntry;
using dyad::type::v1::PartialDate;

PartialDate Date(int y, int m = 0, int d = 0) {
  PartialDate p;
  p.set_year(y);
  p.set_month(m);
  p.set_day(d);
  return p;
}

TEST(TimelineTokenTest, RoundTripsAndRejectsTampering) {
  TimelineCursor c;
  c.filter_fingerprint = 42;
  c.events = {"djF8MHwxMjN8ZXZlbnRzL2E", 3, false};
  c.institutions = {"", 0, true};
  c.figures.after_key = -12345;
  c.figures.after_year = 2019;
  c.figures.after_name = "observations/a:b";
  ASSERT_OK_AND_ASSIGN(TimelineCursor d, DecodeTimelineToken(EncodeTimelineToken(c), 42));
  EXPECT_EQ(d.events.token, c.events.token);
  EXPECT_EQ(d.events.skip, 3);
  EXPECT_FALSE(d.events.done);
  EXPECT_TRUE(d.institutions.done);
  EXPECT_EQ(d.figures.after_key, -12345);
  EXPECT_EQ(d.figures.after_year, 2019);
  EXPECT_EQ(d.figures.after_name, "observations/a:b");
  EXPECT_STATUS(DecodeTimelineToken(EncodeTimelineToken(c), 43), absl::StatusCode::kInvalidArgument,
                "other filters");
  EXPECT_STATUS(DecodeTimelineToken("garbage!", 42), absl::StatusCode::kInvalidArgument,
                "page_token");
  EXPECT_STATUS(DecodeTimelineToken(std::string(10000, 'a'), 42),
                absl::StatusCode::kInvalidArgument, "page_token");
  // A negative skip is not a position.
  c.events.skip = -1;
  EXPECT_STATUS(DecodeTimelineToken(EncodeTimelineToken(c), 42), absl::StatusCode::kInvalidArgument,
                "malformed");
}

TEST(FigureWindowTest, FromTheLastFigureServedToTheHorizon) {
  dyad::type::v1::DateRange filter;
  FigurePosition pos;
  auto w = FigureWindow(filter, pos, std::nullopt);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->start().year(), 0);  // unbounded both ways
  EXPECT_EQ(w->end().year(), 0);
  pos.after_year = 2015;
  w = FigureWindow(filter, pos, Date(2019, 4));
  EXPECT_EQ(w->start().year(), 2015);
  EXPECT_EQ(w->end().year(), 2019);
  EXPECT_EQ(w->end().month(), 0);  // the whole horizon year
  // The filter narrows further; a month-precise filter stays as given.
  *filter.mutable_start() = Date(2016, 3);
  *filter.mutable_end() = Date(2018);
  w = FigureWindow(filter, pos, Date(2019, 4));
  EXPECT_EQ(w->start().month(), 3);
  EXPECT_EQ(w->end().year(), 2018);
  pos.after_year = 2019;
  EXPECT_FALSE(FigureWindow(filter, pos, std::nullopt).has_value());
}

TEST(FigureHorizonTest, TheEarliestLastRowOfStreamsWithMoreRows) {
  TimelineCursor c;
  FetchedPage events, inst;
  events.entries.resize(2);
  *events.entries[1].mutable_date() = Date(2005);
  events.next_token = "more";
  inst.entries.resize(1);
  *inst.entries[0].mutable_date() = Date(1999, 3);
  EXPECT_EQ(FigureHorizon(c, events, inst, 10)->year(), 2005);  // no more institutions
  inst.next_token = "more";
  EXPECT_EQ(FigureHorizon(c, events, inst, 10)->year(), 1999);
  inst.ok = false;  // a failed stream bounds nothing
  EXPECT_EQ(FigureHorizon(c, events, inst, 10)->year(), 2005);
  events.next_token.clear();
  EXPECT_FALSE(FigureHorizon(c, events, inst, 10).has_value());
  // A page of one cannot reach past the earliest row read.
  *events.entries[0].mutable_date() = Date(2001);
  EXPECT_EQ(FigureHorizon(c, events, inst, 1)->year(), 2001);
}

// ---- A timeline over simulated backends ----

struct Row {
  PartialDate date;
  std::string name;
};

// A paged backend over rows ordered by (SortKey(date), name), with offset
// tokens, clamping page sizes at 500 as the real services do.
class SimBackend {
 public:
  explicit SimBackend(std::vector<Row> rows) : rows_(std::move(rows)) {
    std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
      if (SortKey(a.date) != SortKey(b.date)) return SortKey(a.date) < SortKey(b.date);
      return a.name < b.name;
    });
  }
  std::vector<Row> Page(int size, const std::string& token, std::string* next) const {
    size_t offset = 0;
    if (!token.empty()) {
      EXPECT_TRUE(absl::SimpleAtoi(token, &offset));
    }
    const size_t n = static_cast<size_t>(std::min(size, 500));
    std::vector<Row> out(rows_.begin() + static_cast<long>(std::min(offset, rows_.size())),
                         rows_.begin() + static_cast<long>(std::min(offset + n, rows_.size())));
    *next = offset + n < rows_.size() ? absl::StrCat(offset + n) : "";
    ++calls;
    return out;
  }
  const std::vector<Row>& rows() const { return rows_; }
  mutable int calls = 0;

 private:
  std::vector<Row> rows_;
};

TimelineEntry EventRow(const Row& r) {
  TimelineEntry e;
  *e.mutable_date() = r.date;
  e.set_title(r.name);
  e.mutable_event()->set_name(r.name);
  return e;
}
TimelineEntry InstitutionRow(const Row& r) {
  TimelineEntry e;
  *e.mutable_date() = r.date;
  e.set_title(r.name);
  e.mutable_institution()->set_name(r.name);
  return e;
}
TimelineEntry FigureRow(const Row& r) {
  TimelineEntry e;
  *e.mutable_date() = r.date;
  e.set_title(r.name);
  e.mutable_observation()->set_name(r.name);
  *e.mutable_observation()->mutable_period() = r.date;
  return e;
}

struct Sim {
  SimBackend events, institutions;
  std::vector<Row> figures;  // any order, like ListObservations (by indicator)
  bool events_fail_once = false;
  int figure_rows_read = 0;

  // One timeline page, as the handler does it.
  TimelinePage Next(const TimelineCursor& c, size_t limit) {
    auto fetch = [&](const SimBackend& b, const StreamPosition& pos, bool fail,
                     TimelineEntry (*make)(const Row&)) {
      FetchedPage p;
      if (pos.done) return p;
      if (fail) {
        p.ok = false;
        return p;
      }
      auto rows = b.Page(static_cast<int>(limit) + pos.skip, pos.token, &p.next_token);
      for (size_t i = static_cast<size_t>(pos.skip); i < rows.size(); ++i) {
        p.entries.push_back(make(rows[i]));
      }
      return p;
    };
    const bool fail = events_fail_once;
    events_fail_once = false;
    FetchedPage ev = fetch(events, c.events, fail, EventRow);
    FetchedPage in = fetch(institutions, c.institutions, false, InstitutionRow);
    FetchedFigures fig;
    const auto horizon = FigureHorizon(c, ev, in, limit);
    fig.complete = !horizon;
    if (auto w = FigureWindow({}, c.figures, horizon); w && !c.figures.done) {
      const DaySpan span = RangeDays(*w);
      for (const auto& r : figures) {
        if (FirstDay(r.date) <= span.last && LastDay(r.date) >= span.first) {
          fig.entries.push_back(FigureRow(r));
          ++figure_rows_read;
        }
      }
    }
    return AssembleTimelinePage(c, ev, in, fig, limit);
  }
};

// The whole stream at once: every row, by date, then stream, then name.
std::vector<std::string> Whole(const Sim& sim) {
  struct Key {
    int64_t key;
    int stream;
    std::string name;
  };
  std::vector<Key> all;
  for (const auto& r : sim.events.rows()) all.push_back({SortKey(r.date), 0, r.name});
  for (const auto& r : sim.institutions.rows()) all.push_back({SortKey(r.date), 1, r.name});
  for (const auto& r : sim.figures) all.push_back({SortKey(r.date), 2, r.name});
  std::sort(all.begin(), all.end(), [](const Key& a, const Key& b) {
    return std::tie(a.key, a.stream, a.name) < std::tie(b.key, b.stream, b.name);
  });
  std::vector<std::string> names;
  for (const auto& k : all) names.push_back(k.name);
  return names;
}

std::vector<std::string> Paged(Sim* sim, size_t limit, int* pages) {
  std::vector<std::string> names;
  TimelineCursor c;
  for (*pages = 1; *pages < 10000; ++*pages) {
    TimelinePage page = sim->Next(c, limit);
    EXPECT_LE(page.entries.size(), limit);
    for (const auto& e : page.entries) names.push_back(e.title());
    if (!page.more) break;
    // Through the token, as a client would.
    auto decoded = DecodeTimelineToken(EncodeTimelineToken(page.next), 0);
    EXPECT_OK(decoded);
    c = *decoded;
  }
  return names;
}

Sim RandomSim(unsigned seed, int n_events, int n_inst, int n_fig) {
  std::mt19937 rng(seed);
  auto date = [&] {
    // Few distinct dates, at all three precisions, so ties are common.
    const int y = 1990 + static_cast<int>(rng() % 12);
    switch (rng() % 3) {
      case 0: return Date(y);
      case 1: return Date(y, 1 + static_cast<int>(rng() % 3));
      default: return Date(y, 1 + static_cast<int>(rng() % 3), 1 + static_cast<int>(rng() % 2));
    }
  };
  std::vector<Row> ev, in, fig;
  for (int i = 0; i < n_events; ++i) ev.push_back({date(), absl::StrCat("events/", i)});
  for (int i = 0; i < n_inst; ++i) in.push_back({date(), absl::StrCat("institutions/", i)});
  for (int i = 0; i < n_fig; ++i) {
    fig.push_back({Date(1990 + static_cast<int>(rng() % 12)), absl::StrCat("observations/", i)});
  }
  return Sim{SimBackend(ev), SimBackend(in), fig};
}

TEST(TimelinePagingTest, PagesEqualTheWholeStreamForEverySizeAndMix) {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    for (auto [ne, ni, nf] : {std::tuple{40, 15, 25}, std::tuple{0, 10, 5}, std::tuple{30, 0, 0},
                              std::tuple{3, 3, 60}, std::tuple{0, 0, 0}}) {
      Sim base = RandomSim(seed, ne, ni, nf);
      const std::vector<std::string> whole = Whole(base);
      for (size_t limit : {1u, 2u, 3u, 7u, 50u, 500u}) {
        Sim sim = base;
        int pages = 0;
        EXPECT_EQ(Paged(&sim, limit, &pages), whole)
            << "seed " << seed << " sizes " << ne << "/" << ni << "/" << nf << " limit " << limit;
        // Each page reads at most one page of each backend.
        EXPECT_LE(sim.events.calls, pages);
        EXPECT_LE(sim.institutions.calls, pages);
      }
    }
  }
}

TEST(TimelinePagingTest, FiguresAreReadOnlyUpToWhereThePageReaches) {
  std::vector<Row> ev, fig;
  for (int y = 1991; y <= 2020; ++y) {
    ev.push_back({Date(y, 6), absl::StrCat("events/", y)});
    fig.push_back({Date(y), absl::StrCat("observations/", y)});
  }
  Sim sim{SimBackend(ev), SimBackend({}), fig};
  TimelinePage first = sim.Next(TimelineCursor(), 4);
  ASSERT_EQ(first.entries.size(), 4u);
  EXPECT_EQ(first.entries[0].title(), "observations/1991");
  EXPECT_EQ(first.entries[1].title(), "events/1991");
  // The events page reaches June 1994: figures up to 1994 were read, no more.
  EXPECT_EQ(sim.figure_rows_read, 4);
  int pages = 0;
  Sim all{SimBackend(ev), SimBackend({}), fig};
  EXPECT_EQ(Paged(&all, 4, &pages), Whole(all));
  // Each page reads the figures of the years it can reach (here at most
  // limit + 1 years), never the whole series again.
  EXPECT_LE(all.figure_rows_read, pages * (4 + 1)) << pages << " pages";
  EXPECT_LT(all.figure_rows_read, pages * static_cast<int>(fig.size()) / 4) << pages << " pages";
}

TEST(TimelinePagingTest, AFailedStreamKeepsItsPlaceAndIsRetried) {
  Sim sim = RandomSim(7, 20, 10, 10);
  sim.events_fail_once = true;
  TimelinePage page = sim.Next(TimelineCursor(), 5);
  EXPECT_TRUE(page.more);
  for (const auto& e : page.entries) EXPECT_FALSE(e.has_event());
  EXPECT_EQ(page.next.events.token, "");  // still at the start
  EXPECT_EQ(page.next.events.skip, 0);
  EXPECT_FALSE(page.next.events.done);
  // The next page serves events again, from their start.
  TimelinePage again = sim.Next(page.next, 500);
  int events = 0;
  for (const auto& e : again.entries) events += e.has_event() ? 1 : 0;
  EXPECT_EQ(events, 20);
}

TEST(TimelinePagingTest, NothingServableBecauseOnlyFailedStreamsRemainEndsTheStream) {
  TimelineCursor c;
  c.institutions.done = true;
  c.figures.done = true;
  FetchedPage failed;
  failed.ok = false;
  TimelinePage page = AssembleTimelinePage(c, failed, FetchedPage(), FetchedFigures(), 10);
  EXPECT_TRUE(page.entries.empty());
  EXPECT_FALSE(page.more);
}

}  // namespace
}  // namespace dyad::gateway
