// The gateway's composition logic as plain functions over protos: what the
// backends gave in, one composed answer out. No network and no gRPC here
// (each answer module's answer.cc gathers the inputs and adds `parts`), so
// every rule is unit-tested on its own. The ranking of candidate factors is
// its own module: ranking.h.
//
//   answers/overview/compose.cc        milestones, headline figures, counts
//   answers/timeline/compose.cc        entries, the per-backend page token, page assembly
//   answers/year_in_review/compose.cc  a year's records and figures with their change
//   answers/explain_change/compose.cc  an indicator's change (factors come from ranking.h)
//   answers/search/compose.cc          scoring and merging hits of the three backends
//   answers/discrepancies/compose.cc   disagreeing records, disputed figures,
//                                      consistency checks, mirror statistics
//   answers/sources/compose.cc         the merged source catalog
//   intensity.cc                       event counts over time, counts by kind and domain
//   format.cc                          amounts and figure titles in words, origins
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "common/series_keys.h"
#include "dyad/economics/v1/economics.pb.h"
#include "dyad/events/v1/event.pb.h"
#include "dyad/events/v1/event_service.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.pb.h"
#include "dyad/type/v1/citation.pb.h"
#include "dyad/type/v1/provenance.pb.h"

namespace dyad::gateway {

// ---- format.cc ----
// "821 million USD", "2.184 billion USD", "2500 containers".
std::string FormatAmount(double value, const std::string& unit);
// A yearly figure in one line: "Trade turnover AZE–CHN 2019: $2.184 billion".
std::string FigureTitle(const dyad::economics::v1::Observation& o, const std::string& display_name);
// The domain of an indicator: the plugin that contributes it ("economy").
std::string IndicatorDomain(const dyad::economics::v1::Indicator& indicator);
// The domain of an institution kind from the kinds' taxonomy; the kind's
// first segment when the taxonomy does not know it. (Event kinds read the
// same way.)
std::string InstitutionDomain(const std::string& kind,
                              const std::map<std::string, std::string>& kind_domains);

// ---- Origins (format.cc) ----
// True for a record imported from a machine-coded or statistical dataset.
// A record stored before origins existed carries none and is curated.
bool IsMachineCoded(const dyad::events::v1::Event& e);
bool IsMachineCoded(const dyad::economics::v1::Observation& o);
// Whether a request's `origin` filter admits curated records (institutions
// are all curated), and machine-coded ones.
bool AdmitsCurated(dyad::type::v1::Origin filter);
bool AdmitsMachineCoded(dyad::type::v1::Origin filter);
// Orders machine-coded events by how widely they were reported: mentions,
// then sources, then articles (most first), then date and name. A strict
// weak order, for picking the few shown among many.
bool MoreReported(const dyad::events::v1::Event& a, const dyad::events::v1::Event& b);

// ---- Series (answers/year_in_review/compose.cc) ----
// One series of the economics service, and which series figures belong
// to (common/series_keys.h).
using dyad::SeriesKey;
using dyad::SeriesKeys;
// The points of a series in the years from..to (0: unbounded).
dyad::economics::v1::GetSeriesRequest SeriesRequest(const SeriesKey& key, int from_year = 0,
                                                    int to_year = 0);
// The point of `year` and the one of the year before, from a series.
struct YearPoints {
  const dyad::economics::v1::SeriesPoint* current = nullptr;
  const dyad::economics::v1::SeriesPoint* previous = nullptr;
};
YearPoints PointsForYear(const dyad::economics::v1::Series& series, int year);

// ---- Overview (answers/overview/compose.cc) ----
// Indicators whose latest figure heads an overview, in display order: those
// whose plugin declares a headline_rank, by rank (then id).
std::vector<const dyad::economics::v1::Indicator*> HeadlineIndicators(
    const std::map<std::string, dyad::economics::v1::Indicator>& indicators);
// Recognition, diplomatic relations, each raise of partnership level.
bool IsMilestoneKind(const std::string& kind);
// Those kinds, for a ListEvents filter.
std::vector<std::string> MilestoneKinds();
// The latest point of a series (a dated point before a stock "to date" of
// the same time); nullopt for an empty series.
std::optional<dyad::gateway::v1::HeadlineFigure> Headline(
    const dyad::economics::v1::Indicator& indicator, const dyad::economics::v1::Series& series);
// Events per domain and per kind.
struct EventCounts {
  std::map<std::string, int64_t> by_domain;
  std::map<std::string, int64_t> by_kind;
};
// Counted over records read.
EventCounts CountsOf(const std::vector<dyad::events::v1::Event>& events);
// Milestones (curated first, each group oldest first; only events of
// milestone kinds among `events` are used), the counts, and the figures.
void ComposeOverview(const std::vector<dyad::events::v1::Event>& events, const EventCounts& counts,
                     const std::vector<dyad::institutions::v1::Institution>& institutions,
                     std::vector<dyad::gateway::v1::HeadlineFigure> figures,
                     dyad::gateway::v1::GetOverviewResponse* out);
// The same, counting `events` themselves.
void ComposeOverview(const std::vector<dyad::events::v1::Event>& events,
                     const std::vector<dyad::institutions::v1::Institution>& institutions,
                     std::vector<dyad::gateway::v1::HeadlineFigure> figures,
                     dyad::gateway::v1::GetOverviewResponse* out);

// ---- Event intensity and counts (intensity.cc) ----
// A monthly series whose buckets' years span more calendar years than this
// is shown by year (a chart of at most 36 months stays readable).
inline constexpr int kMonthlySpanYears = 3;
// The series of CountEvents buckets read by month without group_by: kept
// by month when their years span at most kMonthlySpanYears, else folded
// into years (counts and Goldstein sums added, means recomputed from the
// sums). Buckets of other granularities are read by their year alone.
dyad::gateway::v1::IntensitySeries IntensityOf(
    const dyad::events::v1::CountEventsResponse& by_month);
// Events per kind and per domain from CountEvents buckets grouped by kind
// (any granularity: summed over the periods). A kind's domain comes from
// `kind_domains` (ListEventKinds), else its first segment.
EventCounts CountsFromKindBuckets(const dyad::events::v1::CountEventsResponse& by_kind,
                                  const std::map<std::string, std::string>& kind_domains);

// ---- Year in review (answers/year_in_review/compose.cc) ----
// An indicator's value in `year` with its change against the year before
// (change_percent only when the previous year has a figure); nullopt when
// the series has no point for `year`.
std::optional<dyad::gateway::v1::IndicatorValue> ValueForYear(
    const dyad::economics::v1::Indicator& indicator, const dyad::economics::v1::Series& series,
    int year);
// The most machine-coded events a year in review shows.
inline constexpr size_t kMaxCodedEvents = 20;
// Curated events oldest first, then the kMaxCodedEvents most reported
// machine-coded ones (MoreReported) oldest first, with the machine-coded
// total; institutions as given; values by indicator id.
void ComposeYearInReview(int year, std::vector<dyad::events::v1::Event> events,
                         std::vector<dyad::institutions::v1::Institution> institutions,
                         std::vector<dyad::gateway::v1::IndicatorValue> values,
                         dyad::gateway::v1::GetYearInReviewResponse* out);

// ---- Explain a change (answers/explain_change/compose.cc) ----
// The years whose records are candidate factors of `year`'s change: the
// year before and the year itself.
dyad::type::v1::DateRange ExplainWindow(int year);
// The change of `series` in `year` against the year before, and the
// factors (already ranked by ranking.h).
void ComposeExplainChange(const dyad::economics::v1::Indicator& indicator,
                          const dyad::economics::v1::Series& series, int year,
                          std::vector<dyad::gateway::v1::CandidateFactor> factors,
                          dyad::gateway::v1::ExplainChangeResponse* out);

// ---- Search (answers/search/compose.cc) ----
// The query's words, lowercased.
std::vector<std::string> SearchWords(const std::string& query);
// True when every word starts a word of `text` (the backends' rule).
bool MatchesAllWords(const std::vector<std::string>& words, const std::string& text);
// A hit before ranking: `text` is what was searched besides the title
// (summary, description), `rank` its place in its backend's answer.
struct SearchCandidate {
  dyad::gateway::v1::SearchHit hit;
  std::string text;
  int rank = 0;
};
// Scores every candidate the same way whatever its backend (words in the
// title count twice those in the text, all words in the title earn a bonus,
// the backend's own order breaks near-ties), best first, at most `limit`;
// curated hits (hit.origin not ORIGIN_MACHINE_CODED) before machine-coded
// ones.
std::vector<dyad::gateway::v1::SearchHit> RankSearchHits(const std::vector<std::string>& words,
                                                         std::vector<SearchCandidate> candidates,
                                                         size_t limit);

// ---- Discrepancies (answers/discrepancies/compose.cc) ----
// Every discrepancy carries a class and the rule that decided it
// (Discrepancy.Class in gateway.proto): CLASS_CONFLICT when the ranges the
// wording implies do not meet (or actors, kinds, sums disagree),
// CLASS_WITHIN_WORDING when values are written differently but meet,
// CLASS_NEIGHBOURING_PERIOD for figures of adjacent periods that may be one
// fact stated twice.
//
// Records sharing a `fact` key that differ: one discrepancy per aspect
// (KIND_DATE when their dates differ: spans that share no day conflict,
// dates written differently that meet are within wording; an undated event
// spans its bounds, see Event.date_basis; KIND_FIGURE when their amounts
// differ, by the same rule; KIND_ATTRIBUTION, a conflict, when they name
// different actors or call the event different things).
std::vector<dyad::gateway::v1::Discrepancy> EventDiscrepancies(
    const std::vector<dyad::events::v1::Event>& events);
// The same for institutions: founding dates (KIND_DATE) and host, parent
// or partners (KIND_ATTRIBUTION).
std::vector<dyad::gateway::v1::Discrepancy> InstitutionDiscrepancies(
    const std::vector<dyad::institutions::v1::Institution>& institutions);
// Points of reconciled series with two or more figures (KIND_FIGURE), each
// figure a claim: disputed points conflict ("intervals-disjoint"), points
// whose figures are written differently but meet are within wording
// ("intervals-meet"). Points whose figures are all written alike are not
// listed. A point "to date" that folds figures stated to different as_of
// dates is split into one point per date first: figures of different dates
// are neighbouring-period candidates, not one fact.
std::vector<dyad::gateway::v1::Discrepancy> FigureDiscrepancies(
    const std::vector<dyad::economics::v1::Series>& series);
// Observations sharing a `fact` key, whatever their periods (the key is
// curation's statement that they measure one thing), compared per unit by
// their intervals: "fact-key:intervals-disjoint" (conflict) or
// "fact-key:intervals-meet" (within wording). Duplicates by name are read
// once.
std::vector<dyad::gateway::v1::Discrepancy> FactFigureDiscrepancies(
    const std::vector<dyad::economics::v1::Observation>& observations);
// Neighbouring-period candidates: consecutive sourced points of one series
// where one of the two has no period (a figure "to" a date) and the other,
// from another source, lies at most two years before it
// ("as-of-near-period"; to-date points split by as_of date as above), or
// two yearly points of consecutive years whose
// ranges meet ("same-figure-consecutive-years"). Points already linked by a
// shared observation fact key are left to FactFigureDiscrepancies.
std::vector<dyad::gateway::v1::Discrepancy> NeighbouringPeriodDiscrepancies(
    const std::vector<dyad::economics::v1::Series>& series);
// Checks across records: exports + imports against turnover for the same
// year and dyad, and a stated growth rate (trade.turnover_growth) against
// the rate the turnover series gives, with the interval rule of
// quantity.proto. Every check that could run is returned; failed ones are
// also appended to `failed` as KIND_CONSISTENCY discrepancies (conflicts).
std::vector<dyad::gateway::v1::ConsistencyCheck> ConsistencyChecks(
    const std::vector<dyad::economics::v1::Series>& series,
    std::vector<dyad::gateway::v1::Discrepancy>* failed);
// The usual range of importer's CIF figure / exporter's FOB figure for one
// flow (see MirrorFlow.within_usual_margin in gateway.proto).
inline constexpr double kMirrorUsualLow = 0.98;
inline constexpr double kMirrorUsualHigh = 1.15;
// Mirror statistics: for each yearly point of an exports series (reporter =
// exporter) and the same year's point of the importer's imports series from
// that exporter, for the same commodity (or both totals), a KIND_MIRROR
// discrepancy (a conflict) when the two figures' intervals do not meet,
// with the ratio and whether it is within the usual CIF/FOB margin.
std::vector<dyad::gateway::v1::Discrepancy> MirrorDiscrepancies(
    const std::vector<dyad::economics::v1::Series>& series);
// All of the above, figures first, then dates, attributions, consistency,
// mirror statistics (those beyond the usual margin first); within a kind,
// conflicts, then within wording, then neighbouring periods. `classes`
// (Discrepancy.Class values) keeps only those classes; empty keeps all.
// Checks are all returned whatever the filter.
void ComposeDiscrepancies(const std::vector<dyad::events::v1::Event>& events,
                          const std::vector<dyad::institutions::v1::Institution>& institutions,
                          const std::vector<dyad::economics::v1::Series>& series,
                          dyad::gateway::v1::ListDiscrepanciesResponse* out,
                          const std::vector<dyad::economics::v1::Observation>& observations = {},
                          const std::set<int>& classes = {});

// ---- Sources (answers/sources/compose.cc) ----
// The catalogs of the backends merged by id (the first seen wins), by id.
std::vector<dyad::type::v1::Source> MergeSources(
    const std::vector<std::vector<dyad::type::v1::Source>>& catalogs);

// ---- Timeline (answers/timeline/compose.cc) ----
// The stream a timeline entry comes from; also the tie-break between
// entries of the same date.
enum TimelineStream { kEventsStream = 0, kInstitutionsStream = 1, kFiguresStream = 2 };

// The position of a paged backend stream (events, institutions): the
// backend's page token and how many rows of that page were already served.
struct StreamPosition {
  std::string token;
  int skip = 0;
  bool done = false;  // every row served
};
// The position of the figures stream: the last figure served (figures are
// read by year range, so the position is a place in time, not a token).
struct FigurePosition {
  int64_t after_key = INT64_MIN;  // SortKey of the last served figure's period
  int after_year = 0;             // its year; 0 before the first
  std::string after_name;         // its resource name
  bool done = false;
};
// Everything a timeline page token carries.
struct TimelineCursor {
  uint64_t filter_fingerprint = 0;
  StreamPosition events;
  StreamPosition institutions;
  FigurePosition figures;
};
std::string EncodeTimelineToken(const TimelineCursor& cursor);
// INVALID_ARGUMENT naming page_token when malformed or issued for other
// filters (fingerprint).
absl::StatusOr<TimelineCursor> DecodeTimelineToken(const std::string& token, uint64_t fingerprint);

dyad::gateway::v1::TimelineEntry EventEntry(const dyad::events::v1::Event& e);
dyad::gateway::v1::TimelineEntry InstitutionEntry(const dyad::institutions::v1::Institution& i,
                                                  const std::string& domain);
dyad::gateway::v1::TimelineEntry FigureEntry(const dyad::economics::v1::Observation& o,
                                             const dyad::economics::v1::Indicator& indicator);

// One backend page read for a timeline page.
struct FetchedPage {
  bool ok = true;  // false: the backend failed; its stream is skipped this page
  // The rows after the position's `skip`, in the backend's order (by
  // date, then name).
  std::vector<dyad::gateway::v1::TimelineEntry> entries;
  std::string next_token;  // the backend's next_page_token
};
// The figures read for a timeline page: every figure in FigureWindow().
struct FetchedFigures {
  bool ok = true;
  std::vector<dyad::gateway::v1::TimelineEntry> entries;  // any order
  bool complete = false;  // the window had no upper bound: nothing later exists
};

// The date up to which figures must be read for a page of `limit` entries:
// the earliest of the last rows of the event and institution pages that
// have more rows after them, and of the limit-th earliest event or
// institution read (no entry after it can be on this page). nullopt: no
// bound.
std::optional<dyad::type::v1::PartialDate> FigureHorizon(const TimelineCursor& cursor,
                                                         const FetchedPage& events,
                                                         const FetchedPage& institutions,
                                                         size_t limit);
// The years of figures to read: from the last figure served (or the
// filter's start) to the horizon (or the filter's end). nullopt when empty.
std::optional<dyad::type::v1::DateRange> FigureWindow(
    const dyad::type::v1::DateRange& filter, const FigurePosition& position,
    const std::optional<dyad::type::v1::PartialDate>& horizon);

// A composed timeline page and the positions after it.
struct TimelinePage {
  std::vector<dyad::gateway::v1::TimelineEntry> entries;
  TimelineCursor next;
  bool more = false;  // false: the stream is over (no next_page_token)
};
// Merges the streams chronologically (a less precise date before the more
// precise dates it contains; ties: events, institutions, figures, then
// name) and serves at most `limit` entries, only as far as every stream
// that has unread rows allows: an entry is served only when no unread row
// of another stream can come before it. The positions in `next` then say
// exactly what was served, so no page repeats or skips a row. A failed
// stream keeps its position (it is retried on the next page); when nothing
// could be served because the remaining streams failed, the stream ends.
TimelinePage AssembleTimelinePage(const TimelineCursor& cursor, const FetchedPage& events,
                                  const FetchedPage& institutions, const FetchedFigures& figures,
                                  size_t limit);

}  // namespace dyad::gateway
