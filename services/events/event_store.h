#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/page_token.h"
#include "common/pg/pool.h"
#include "common/partial_date.h"
#include "dyad/events/v1/event.pb.h"

namespace dyad::events {

// What ListEvents asks of storage, already validated and normalised.
struct EventQuery {
  std::vector<std::string> countries;  // all must take part
  DaySpan period;                      // overlap; unbounded by default
  std::vector<std::string> kinds;      // exact kind ids (EventCore expands sub-kinds)
  std::vector<std::string> domains;
  std::string fts_query;               // already in safe FTS5 form
  int limit = 50;
  std::optional<PageCursor> after;     // keyset position
  int origin = 0;                      // dyad.type.v1.Origin; 0: any
  bool count_total = true;             // false: total_size stays 0 (exports)
};

// One machine-coded event to import, already validated and mapped.
struct ImportedEvent {
  const dyad::events::v1::Event* event;  // name, kind, domain, origin set; not owned
  std::string dataset;                   // Source id, e.g. "gdelt-2.0"
  std::string upstream_id;
};

enum class ImportOutcome { kCreated, kUpdated, kUnchanged, kNameTaken };

// What CountEvents asks of storage. countries: one code, or two in
// ascending order.
struct CountQuery {
  std::vector<std::string> countries;
  int64_t first_day = kMinDay;  // the event's date lies in [first_day, last_day]
  int64_t last_day = kMaxDay;
  // For two countries: 0 any, 1 coded from countries[0] to countries[1],
  // 2 the reverse.
  int direction = 0;
  int origin = 0;  // dyad.type.v1.Origin; 0: any
  // The rows must tell kinds and QuadClass apart (a kinds filter or a
  // grouping by kind, PLOVER type or QuadClass). Otherwise each month comes
  // as one row with kind "" and quad_class 0, which the store answers from
  // its monthly totals instead of reading every event.
  bool by_kind = true;
};

// Events of one (year, month, kind, coded QuadClass); month 0 holds the
// year-only events.
struct CountRow {
  int year = 0;
  int month = 0;
  std::string kind;
  int quad_class = 0;
  int64_t count = 0;
  double goldstein_sum = 0;
  int64_t goldstein_count = 0;
  double tone_sum = 0;
  int64_t tone_count = 0;
};

struct EventPage {
  std::vector<dyad::events::v1::Event> events;
  int64_t total_size = 0;
  // Position of the last event returned, when more may follow.
  std::optional<PageCursor> next;
};

// What happened to a plugin's records at start-up.
enum class SyncOutcome { kUnchanged, kLoaded, kReplaced };

// Event storage. Implementations are thread-safe.
class EventStore {
 public:
  virtual ~EventStore() = default;

  // NOT_FOUND names the event.
  virtual absl::StatusOr<dyad::events::v1::Event> Get(const std::string& name) = 0;
  // The stored serialized Event, as is.
  virtual absl::StatusOr<std::string> GetSerialized(const std::string& name) = 0;
  virtual absl::StatusOr<EventPage> List(const EventQuery& query) = 0;
  // Stores one event; ALREADY_EXISTS when the name is taken. Durable when it
  // returns OK.
  virtual absl::Status Insert(const dyad::events::v1::Event& event) = 0;
  // Stores many events in one transaction (all or none), as records written
  // through the API. For bulk loads such as the benchmark's scale data.
  virtual absl::Status InsertBatch(const std::vector<dyad::events::v1::Event>& events) = 0;
  // Makes the stored records of `plugin` equal to `events`, unless the
  // stored version and content fingerprint already match. Records written
  // through the API are never touched; a plugin record whose name is taken
  // by one is FAILED_PRECONDITION.
  virtual absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin,
                                                 const std::string& version,
                                                 const std::string& fingerprint,
                                                 const std::vector<dyad::events::v1::Event>& events) = 0;
  // Deletes the records of plugins not in `keep` (a plugin was removed).
  // Returns the names of the plugins removed.
  virtual absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) = 0;
  // Writes machine-coded events in one transaction (all or none),
  // idempotently by (dataset, upstream_id): a new row is created, a stored
  // one with the same bytes left alone, a different one replaced. A name
  // already used by another record is kNameTaken for that event (nothing
  // written for it, the rest goes on). One outcome per event, in order.
  // The transaction is atomic and survives a crash of the process, but may
  // be lost on power failure until Flush() returns.
  virtual absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedEvent>& events) = 0;
  // Makes everything Import wrote durable (the end of an import stream).
  virtual absl::Status Flush() { return absl::OkStatus(); }
  // Counts grouped by (year, month, kind, coded QuadClass), ordered so.
  virtual absl::StatusOr<std::vector<CountRow>> Count(const CountQuery& query) = 0;
};

// SQLite store at `path` (":memory:" allowed); creates or migrates the schema.
absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path);
// PostgreSQL store on `pool`'s database (pg_event_store.cc); creates or
// migrates the schema under an advisory lock.
absl::StatusOr<std::unique_ptr<EventStore>> OpenPgEventStore(std::shared_ptr<pg::Pool> pool);

}  // namespace dyad::events
