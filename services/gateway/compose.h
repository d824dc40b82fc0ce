// The gateway's composition logic, as plain functions over protos: ranking of
// candidate factors, discrepancy detection and consistency checks, timeline
// merging and its page token. No network here; the handlers gather the
// inputs from the backends and call these.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dyad/economics/v1/economics.pb.h"
#include "dyad/events/v1/event.pb.h"
#include "dyad/gateway/v1/gateway.pb.h"
#include "dyad/institutions/v1/institutions.pb.h"

namespace dyad::gateway {

// ---- ExplainChange ranking ----
// Scores events and institutions founded in the window (the year before and
// the year of the change) as candidate factors of an indicator's change.
// Candidates, not causes: the score only says how much a record has in common
// with the change (timing, kind, domain, money involved); the reason says
// which of these it has. Best first; ties by date then name.
std::vector<dyad::gateway::v1::CandidateFactor> RankFactors(
    const std::string& indicator, int year,
    const std::vector<dyad::events::v1::Event>& events,
    const std::vector<dyad::institutions::v1::Institution>& institutions);

// ---- Discrepancies ----
// Records sharing a `fact` key whose dates, amounts or other details differ.
std::vector<dyad::gateway::v1::Discrepancy> EventDiscrepancies(
    const std::vector<dyad::events::v1::Event>& events);
std::vector<dyad::gateway::v1::Discrepancy> InstitutionDiscrepancies(
    const std::vector<dyad::institutions::v1::Institution>& institutions);
// Disputed points of reconciled series: each figure its own claim.
std::vector<dyad::gateway::v1::Discrepancy> FigureDiscrepancies(
    const std::vector<dyad::economics::v1::Series>& series);
// Checks across records: exports + imports against turnover for the same
// year and dyad, and a stated growth rate against the rate the turnover
// series gives. Every check run is reported; failed ones also become
// discrepancies (KIND_CONSISTENCY) in `failed`.
std::vector<dyad::gateway::v1::ConsistencyCheck> ConsistencyChecks(
    const std::vector<dyad::economics::v1::Series>& series,
    std::vector<dyad::gateway::v1::Discrepancy>* failed);

// ---- Timeline ----
// The position of a timeline page in each backend's stream: the backend's
// own page token and how many rows of that page were already served.
struct StreamPosition {
  std::string token;
  int skip = 0;
  bool done = false;  // the stream is exhausted
};
struct TimelineCursor {
  uint64_t filter_fingerprint = 0;
  StreamPosition events, institutions, figures;
};
std::string EncodeTimelineToken(const TimelineCursor& c);
absl::StatusOr<TimelineCursor> DecodeTimelineToken(const std::string& token, uint64_t fingerprint);

// A timeline entry with the stream it came from.
struct SourcedEntry {
  int stream;  // 0 events, 1 institutions, 2 figures
  dyad::gateway::v1::TimelineEntry entry;
};
// Merges the streams' entries chronologically (less precise dates first, then
// by title) and keeps the first `limit`. `taken[s]` says how many entries of
// stream s were kept.
std::vector<SourcedEntry> MergeTimeline(std::vector<SourcedEntry> entries, size_t limit,
                                        int taken[3]);

// Title of a yearly figure for timelines and search: "Trade turnover
// AZE–CHN 2019: 2.184 billion USD".
std::string FigureTitle(const dyad::economics::v1::Observation& o, const std::string& display_name);

}  // namespace dyad::gateway
