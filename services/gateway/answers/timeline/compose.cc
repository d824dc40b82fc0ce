// GetTimeline: one chronological stream from three backends, a page at a
// time. The page token carries each backend's own position (events: its
// page token and rows already served from that page; institutions: the
// same; figures: the last figure served), so a page reads only what it may
// serve: one page of events, one of institutions, and the figures up to the
// date those pages reach.
#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "compose.h"

namespace dyad::gateway {
namespace {

namespace gw = dyad::gateway::v1;
using dyad::type::v1::PartialDate;

constexpr char kTokenVersion[] = "t2";
constexpr size_t kMaxTokenBytes = 8192;

absl::Status BadToken() {
  return InvalidField("page_token", "malformed page token; pass next_page_token unchanged");
}

std::string EncodeStream(const StreamPosition& p) {
  return absl::StrCat(p.done ? 1 : 0, ":", p.skip, ":", p.token);
}

bool DecodeStream(absl::string_view s, StreamPosition* p) {
  std::vector<std::string> f = absl::StrSplit(s, absl::MaxSplits(':', 2));
  if (f.size() != 3 || (f[0] != "0" && f[0] != "1")) return false;
  if (!absl::SimpleAtoi(f[1], &p->skip) || p->skip < 0) return false;
  p->done = f[0] == "1";
  p->token = f[2];
  return true;
}

PartialDate Year(int year) {
  PartialDate d;
  d.set_year(year);
  return d;
}

// An entry of a stream, for merging.
struct Item {
  int64_t key;
  int stream;
  size_t index;  // place in its stream
  const gw::TimelineEntry* entry;
};

bool Before(const Item& a, const Item& b) {
  if (a.key != b.key) return a.key < b.key;
  if (a.stream != b.stream) return a.stream < b.stream;
  return a.index < b.index;
}

// The last row read of a stream that has unread rows after it: no unread
// row of that stream comes before (key, stream).
struct Bound {
  int64_t key;
  int stream;
};

}  // namespace

std::string EncodeTimelineToken(const TimelineCursor& c) {
  const FigurePosition& f = c.figures;
  return absl::WebSafeBase64Escape(absl::StrCat(
      kTokenVersion, "|", c.filter_fingerprint, "|", EncodeStream(c.events), "|",
      EncodeStream(c.institutions), "|", f.done ? 1 : 0, ":", f.after_year, ":", f.after_key, ":",
      f.after_name));
}

absl::StatusOr<TimelineCursor> DecodeTimelineToken(const std::string& token, uint64_t fingerprint) {
  std::string raw;
  if (token.size() > kMaxTokenBytes || !absl::WebSafeBase64Unescape(token, &raw)) return BadToken();
  std::vector<std::string> parts = absl::StrSplit(raw, '|');
  TimelineCursor c;
  if (parts.size() != 5 || parts[0] != kTokenVersion ||
      !absl::SimpleAtoi(parts[1], &c.filter_fingerprint)) {
    return BadToken();
  }
  if (c.filter_fingerprint != fingerprint) {
    return InvalidField("page_token", "page token was issued for other filters");
  }
  if (!DecodeStream(parts[2], &c.events) || !DecodeStream(parts[3], &c.institutions)) {
    return BadToken();
  }
  std::vector<std::string> f = absl::StrSplit(parts[4], absl::MaxSplits(':', 3));
  FigurePosition& fig = c.figures;
  if (f.size() != 4 || (f[0] != "0" && f[0] != "1") || !absl::SimpleAtoi(f[1], &fig.after_year) ||
      !absl::SimpleAtoi(f[2], &fig.after_key) || fig.after_year < 0 || fig.after_year > 9999) {
    return BadToken();
  }
  fig.done = f[0] == "1";
  fig.after_name = f[3];
  return c;
}

gw::TimelineEntry EventEntry(const dyad::events::v1::Event& e) {
  gw::TimelineEntry t;
  *t.mutable_date() = e.date();
  t.set_title(e.title());
  t.set_domain(e.domain());
  *t.mutable_event() = e;
  return t;
}

gw::TimelineEntry InstitutionEntry(const dyad::institutions::v1::Institution& i,
                                   const std::string& domain) {
  gw::TimelineEntry t;
  *t.mutable_date() = i.founded();
  t.set_title(absl::StrCat(i.display_name(), " founded"));
  t.set_domain(domain);
  *t.mutable_institution() = i;
  return t;
}

gw::TimelineEntry FigureEntry(const dyad::economics::v1::Observation& o,
                              const dyad::economics::v1::Indicator& indicator) {
  gw::TimelineEntry t;
  *t.mutable_date() = o.period();
  t.set_title(FigureTitle(o, indicator.display_name()));
  t.set_domain(IndicatorDomain(indicator));
  *t.mutable_observation() = o;
  return t;
}

std::optional<PartialDate> FigureHorizon(const TimelineCursor& cursor, const FetchedPage& events,
                                         const FetchedPage& institutions, size_t limit) {
  std::optional<PartialDate> horizon;
  auto bound = [&horizon](const PartialDate& d) {
    if (!horizon || SortKey(d) < SortKey(*horizon)) horizon = d;
  };
  std::vector<const PartialDate*> candidates;
  for (const auto& [pos, page] : {std::pair{&cursor.events, &events},
                                  std::pair{&cursor.institutions, &institutions}}) {
    if (pos->done || !page->ok) continue;
    for (const auto& e : page->entries) candidates.push_back(&e.date());
    // Rows after this page may come before anything later than its last row.
    if (!page->next_token.empty() && !page->entries.empty()) bound(page->entries.back().date());
  }
  // The page holds at most `limit` entries, so it cannot reach past the
  // limit-th earliest event or institution.
  if (limit > 0 && candidates.size() >= limit) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<long>(limit - 1),
                     candidates.end(), [](const PartialDate* a, const PartialDate* b) {
                       return SortKey(*a) < SortKey(*b);
                     });
    bound(*candidates[limit - 1]);
  }
  return horizon;
}

std::optional<dyad::type::v1::DateRange> FigureWindow(const dyad::type::v1::DateRange& filter,
                                                      const FigurePosition& position,
                                                      const std::optional<PartialDate>& horizon) {
  dyad::type::v1::DateRange w = filter;
  if (position.after_year > 0 &&
      (w.start().year() == 0 || FirstDay(Year(position.after_year)) > FirstDay(w.start()))) {
    *w.mutable_start() = Year(position.after_year);
  }
  if (horizon && horizon->year() > 0 &&
      (w.end().year() == 0 || LastDay(Year(horizon->year())) < LastDay(w.end()))) {
    *w.mutable_end() = Year(horizon->year());
  }
  if (w.start().year() > 0 && w.end().year() > 0 && FirstDay(w.start()) > LastDay(w.end())) {
    return std::nullopt;
  }
  return w;
}

TimelinePage AssembleTimelinePage(const TimelineCursor& cursor, const FetchedPage& events,
                                  const FetchedPage& institutions, const FetchedFigures& figures,
                                  size_t limit) {
  std::vector<Item> items;
  std::vector<Bound> bounds;
  // Events and institutions come in their backend's order, which is the
  // merge order within a stream (date, then name).
  for (const auto& [stream, pos, page] :
       {std::tuple{kEventsStream, &cursor.events, &events},
        std::tuple{kInstitutionsStream, &cursor.institutions, &institutions}}) {
    if (pos->done || !page->ok) continue;
    for (size_t i = 0; i < page->entries.size(); ++i) {
      items.push_back({SortKey(page->entries[i].date()), stream, i, &page->entries[i]});
    }
    if (!page->next_token.empty() && !page->entries.empty()) {
      bounds.push_back({SortKey(page->entries.back().date()), stream});
    }
  }
  // Figures after the last one served, by date then name. They were read
  // up to the horizon, so no unread figure can come before a served entry.
  std::vector<const gw::TimelineEntry*> figs;
  if (!cursor.figures.done && figures.ok) {
    for (const auto& e : figures.entries) {
      const int64_t key = SortKey(e.date());
      if (key < cursor.figures.after_key ||
          (key == cursor.figures.after_key && e.observation().name() <= cursor.figures.after_name)) {
        continue;
      }
      figs.push_back(&e);
    }
    std::sort(figs.begin(), figs.end(), [](const auto* a, const auto* b) {
      if (SortKey(a->date()) != SortKey(b->date())) return SortKey(a->date()) < SortKey(b->date());
      return a->observation().name() < b->observation().name();
    });
    for (size_t i = 0; i < figs.size(); ++i) {
      items.push_back({SortKey(figs[i]->date()), kFiguresStream, i, figs[i]});
    }
  }
  std::sort(items.begin(), items.end(), Before);

  TimelinePage page;
  page.next = cursor;
  size_t taken[3] = {0, 0, 0};
  const gw::TimelineEntry* last_figure = nullptr;
  for (const Item& item : items) {
    if (page.entries.size() >= limit) break;
    // Served only when no unread row of another stream can come first. The
    // servable entries are a prefix of the merged order, so stop at the
    // first that is not.
    bool servable = true;
    for (const Bound& b : bounds) {
      if (b.stream == item.stream) continue;
      servable = servable && (item.key < b.key || (item.key == b.key && item.stream < b.stream));
    }
    if (!servable) break;
    page.entries.push_back(*item.entry);
    ++taken[item.stream];
    if (item.stream == kFiguresStream) last_figure = item.entry;
  }

  for (const auto& [stream, pos, fetched] :
       {std::tuple{kEventsStream, &page.next.events, &events},
        std::tuple{kInstitutionsStream, &page.next.institutions, &institutions}}) {
    if (pos->done || !fetched->ok) continue;  // a failed stream keeps its place
    if (taken[stream] == fetched->entries.size()) {
      // The whole page was served: go on from the backend's next token.
      pos->done = fetched->next_token.empty();
      pos->token = fetched->next_token;
      pos->skip = 0;
    } else {
      pos->skip += static_cast<int>(taken[stream]);
    }
  }
  FigurePosition& fp = page.next.figures;
  if (!fp.done && figures.ok) {
    if (last_figure != nullptr) {
      fp.after_key = SortKey(last_figure->date());
      fp.after_year = last_figure->date().year();
      fp.after_name = last_figure->observation().name();
    }
    fp.done = figures.complete && taken[kFiguresStream] == figs.size();
  }
  page.more = !page.next.events.done || !page.next.institutions.done || !page.next.figures.done;
  // Nothing served means the only streams left failed: end here rather than
  // hand out a token that would serve nothing again.
  if (page.entries.empty()) page.more = false;
  return page;
}

}  // namespace dyad::gateway
