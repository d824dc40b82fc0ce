#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/partial_date.h"
#include "common/pg/pool.h"
#include "common/plugin_records.h"
#include "dyad/economics/v1/economics.pb.h"

namespace dyad::economics {

// Position of an observation in the ListObservations order (indicator, then
// period, then name).
struct ObservationCursor {
  std::string indicator;
  int64_t sort_key = 0;  // ObservationSortKey()
  std::string name;
};

// Sort key of an observation's time: its period's SortKey(); figures "to
// date" (no period, only as_of) come after every dated one, by as_of.
int64_t ObservationSortKey(const dyad::economics::v1::Observation& o);

// What ListObservations asks of storage, already validated and normalised.
struct ObservationQuery {
  std::string indicator;               // empty: every indicator
  std::vector<std::string> countries;  // 0..2 distinct codes; each is reporter or partner
  DaySpan period;                      // overlap with period (or as_of); unbounded by default
  int limit = 50;
  std::optional<ObservationCursor> after;  // keyset position
  std::string commodity;               // only this commodity's figures; '' = totals only
  int origin = 0;                      // dyad.type.v1.Origin; 0: any
};

// One imported figure, already validated and mapped.
struct ImportedObservation {
  dyad::economics::v1::Observation observation;  // name, unit, origin set
  std::string dataset;                           // Source id, e.g. "comtrade"
  std::string upstream_id;
};

enum class ImportOutcome { kCreated, kUpdated, kUnchanged, kNameTaken };

struct ObservationPage {
  std::vector<dyad::economics::v1::Observation> observations;
  int64_t total_size = 0;
  // Position of the last observation returned, when more may follow.
  std::optional<ObservationCursor> next;
};

// What happened to a plugin's records at start-up (common/plugin_records.h).
using ::dyad::SyncOutcome;

// Observation storage. Implementations are thread-safe.
class ObservationStore : public PluginRecordStore<dyad::economics::v1::Observation> {
 public:
  // SyncPlugin and RemovePluginsExcept: PluginRecordStore.

  // NOT_FOUND names the observation.
  virtual absl::StatusOr<dyad::economics::v1::Observation> Get(const std::string& name) = 0;
  virtual absl::StatusOr<ObservationPage> List(const ObservationQuery& query) = 0;
  // Every observation of `indicator` and `commodity` ('' = the totals)
  // between `reporter` and `partner` (also partner → reporter when
  // `either_order`), ordered by ObservationSortKey() then name.
  virtual absl::StatusOr<std::vector<dyad::economics::v1::Observation>> ListSeries(
      const std::string& indicator, const std::string& reporter, const std::string& partner,
      bool either_order, const std::string& commodity = "") = 0;
  // Stores one observation written through the API; ALREADY_EXISTS when
  // the name is taken. Durable when it returns OK.
  virtual absl::Status Insert(const dyad::economics::v1::Observation& observation) = 0;
  // Writes imported figures in one transaction (all or none), idempotently
  // by (dataset, upstream_id), as EventStore::Import does.
  virtual absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedObservation>& observations) = 0;
};

// SQLite store at `path` (":memory:" allowed); creates or migrates the schema.
absl::StatusOr<std::unique_ptr<ObservationStore>> OpenSqliteObservationStore(
    const std::string& path);

// PostgreSQL store over `pool`; creates or migrates the schema (under an
// advisory lock, so replicas may start together).
absl::StatusOr<std::unique_ptr<ObservationStore>> OpenPgObservationStore(
    std::shared_ptr<pg::Pool> pool);

}  // namespace dyad::economics
