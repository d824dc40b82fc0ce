#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/export_source.h"
#include "common/plugin_host.h"
#include "common/result_cache.h"
#include "dyad/economics/v1/economics.pb.h"
#include "observation_store.h"

namespace dyad::economics {

// Whether values of `indicator` may be below zero: declared by its plugin
// (balances, net flows), or a rate of change in "percent".
inline bool IndicatorAllowsNegative(const dyad::economics::v1::Indicator& indicator) {
  return indicator.allows_negative() || indicator.unit() == "percent";
}

// The economics domain, free of gRPC: indicators from plugins, plugin record
// loading, request validation, reconciled and derived series, and queries
// over an ObservationStore.
class EconomicsCore {
 public:
  // `plugins` may be null (no plugins: no indicators, no curated records).
  // `series_cache_entries` bounds the GetSeries result cache (0 disables it).
  EconomicsCore(std::unique_ptr<ObservationStore> store, const PluginSet* plugins,
                size_t series_cache_entries = 1024,
                  size_t series_cache_bytes = kDefaultResultCacheBytes);

  // Loads every economics plugin's observations into the store (idempotent:
  // unchanged plugins are skipped) and drops records of plugins no longer
  // present. A curated figure whose unit is not its indicator's unit is
  // FAILED_PRECONDITION naming plugin and record. Returns one human line per
  // plugin for the log.
  absl::StatusOr<std::vector<std::string>> LoadPluginRecords();

  dyad::economics::v1::ListIndicatorsResponse ListIndicators() const;
  // NOT_FOUND for an unknown indicator; INVALID_ARGUMENT naming the field
  // for bad codes or period; FAILED_PRECONDITION when a derived indicator's
  // plugin does not implement HOOK_DERIVE.
  absl::StatusOr<dyad::economics::v1::Series> GetSeries(
      const dyad::economics::v1::GetSeriesRequest& req) const;
  // The same answer serialized, shared with the result cache (cleared by
  // every write), for the transport to send as is.
  absl::StatusOr<std::shared_ptr<const std::string>> GetSeriesSerialized(
      const dyad::economics::v1::GetSeriesRequest& req);
  // Every series with a figure of the request's countries in its period,
  // each as GetSeries gives it, with their indicators (list_series.cc).
  // INVALID_ARGUMENT naming the field for bad codes, periods or origin.
  absl::StatusOr<dyad::economics::v1::ListSeriesResponse> ListSeries(
      const dyad::economics::v1::ListSeriesRequest& req) const;
  // The same answer serialized, kept in the GetSeries result cache (cleared
  // by every write) under a key of its own.
  absl::StatusOr<std::shared_ptr<const std::string>> ListSeriesSerialized(
      const dyad::economics::v1::ListSeriesRequest& req);
  absl::StatusOr<dyad::economics::v1::ListObservationsResponse> ListObservations(
      const dyad::economics::v1::ListObservationsRequest& req) const;
  // economics_export.cc: an ExportObservations stream, one ListObservations
  // page per message (common/paged_export.h). A bad resume_token is
  // INVALID_ARGUMENT naming it; the filters are checked by the first page.
  absl::StatusOr<std::unique_ptr<ExportSource>> ExportObservations(
      const dyad::economics::v1::ExportObservationsRequest& req) const;
  // Authorization is the caller's job (the transport checks the token).
  absl::StatusOr<dyad::economics::v1::Observation> RecordObservation(
      const dyad::economics::v1::RecordObservationRequest& req);
  dyad::economics::v1::ListSourcesResponse ListSources() const;
  // One message of an ImportObservations stream (economics_import.cc):
  // validates and maps its figures, writes the valid ones in one
  // transaction and adds what happened to `summary`. `next_index` is the
  // stream position of the message's first figure and is advanced past it.
  // A storage error is returned with nothing of the message written and
  // `summary` untouched.
  absl::Status ImportObservations(const dyad::economics::v1::ImportObservationsRequest& req,
                                  int64_t* next_index,
                                  dyad::economics::v1::ImportObservationsResponse* summary);

 private:
  // The whole series (every period, change_percent set), before the
  // request's period filter. `depth` guards against derived indicators that
  // feed on each other.
  absl::StatusOr<std::vector<dyad::economics::v1::SeriesPoint>> BuildSeries(
      const dyad::economics::v1::Indicator& indicator, const std::string& reporter,
      const std::string& partner, const std::string& commodity, int origin, int depth) const;
  // `origin` 0: figures of any origin; else only those of that origin.
  absl::StatusOr<std::vector<dyad::economics::v1::SeriesPoint>> SourcedPoints(
      const dyad::economics::v1::Indicator& indicator, const std::string& reporter,
      const std::string& partner, const std::string& commodity, int origin) const;
  absl::StatusOr<std::vector<dyad::economics::v1::SeriesPoint>> DerivedPoints(
      const dyad::economics::v1::Indicator& indicator, const std::string& reporter,
      const std::string& partner, const std::string& commodity, int origin, int depth) const;
  // economics_import.cc.
  absl::StatusOr<ImportedObservation> MapImported(dyad::economics::v1::Observation o,
                                                  const std::set<std::string>& known_sources) const;
  absl::Status ValidateNewObservation(const dyad::economics::v1::Observation& o) const;
  // The sources a citation may name: those of the loaded plugins.
  const std::vector<dyad::type::v1::Source>& SourceCatalog() const;

  std::unique_ptr<ObservationStore> store_;
  ResultCache series_cache_;
  const PluginSet* plugins_;
  std::map<std::string, dyad::economics::v1::Indicator> indicators_;  // by id
};

}  // namespace dyad::economics
