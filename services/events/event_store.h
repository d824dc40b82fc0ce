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
#include "common/plugin_records.h"
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

// A data release: the store's state after a commit (docs/releases.md).
struct ReleaseInfo {
  int64_t no = 0;             // internal order of releases (page tokens)
  std::string id;             // "<seq>-<plugins>"; "r0" for the base release
  int64_t seq = 0;            // last change included
  int64_t create_time_micros = 0;
  std::string plugins_fingerprint;
};

// One logged change (kind: dyad.type.v1.ChangeKind). `body` is the record
// after the change (none for a deletion), `previous` before (none for a
// creation).
struct ChangeRecord {
  int64_t seq = 0;
  int kind = 0;
  std::string name;
  std::optional<std::string> body;
  std::optional<std::string> previous;
  int64_t commit_time_micros = 0;
};

// A record changed after some release: what it was then and what it is now.
struct ChangedRecord {
  std::string name;
  std::optional<std::string> then;  // none: absent in that release
  std::optional<std::string> now;   // none: absent now
};

struct EventPage {
  // The release read (filled by List).
  ReleaseInfo release;
  // Each event as stored: the serialized Event, not parsed (ListEvents
  // frames these bytes into its reply as they are; common/wire.h).
  std::vector<std::string> bodies;
  int64_t total_size = 0;
  // Position of the last event returned, when more may follow.
  std::optional<PageCursor> next;
};

// What happened to a plugin's records at start-up (common/plugin_records.h).
using ::dyad::SyncOutcome;

// Event storage. Implementations are thread-safe.
class EventStore : public PluginRecordStore<dyad::events::v1::Event> {
 public:
  // SyncPlugin and RemovePluginsExcept: PluginRecordStore.

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

  // --- Releases and the change log (docs/releases.md) ---------------------
  // Every write above appends its changes (created, updated, deleted
  // records; a record deleted and written again with the same bytes is no
  // change) to an append-only log in commit order, and a release when
  // records or plugin versions changed.

  // The defaults below are for stores that keep no history (test doubles):
  // they name no release (empty id) and refuse the rest.

  // Replaces the content of an API-written event (same name). NOT_FOUND
  // names it; FAILED_PRECONDITION for a plugin's or an imported record.
  virtual absl::Status Update(const dyad::events::v1::Event& /*event*/) { return NoHistory(); }
  // Deletes an API-written event; same errors as Update.
  virtual absl::Status Delete(const std::string& /*name*/) { return NoHistory(); }
  // The newest release.
  virtual absl::StatusOr<ReleaseInfo> LatestRelease() { return ReleaseInfo(); }
  // The release with that id: NOT_FOUND names it; FAILED_PRECONDITION when
  // its history was pruned.
  virtual absl::StatusOr<ReleaseInfo> FindRelease(const std::string& /*id*/) { return NoHistory(); }
  // Releases older than `before_no` (INT64_MAX: from the newest), newest
  // first, at most `limit`.
  virtual absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(int64_t /*before_no*/, int /*limit*/) {
    return NoHistory();
  }
  // Changes with seq > since, in seq order, at most `limit`.
  // FAILED_PRECONDITION when `since` lies before the pruned history.
  virtual absl::StatusOr<std::vector<ChangeRecord>> ListChanges(int64_t /*since*/, int /*limit*/) {
    return NoHistory();
  }
  // The stored bytes of `name` as of log position `seq`; NOT_FOUND names it.
  virtual absl::StatusOr<std::string> GetSerializedAt(const std::string& /*name*/, int64_t /*seq*/) {
    return NoHistory();
  }
  // The records changed after position `seq`, in the order of their first
  // change since, at most `limit`.
  virtual absl::StatusOr<std::vector<ChangedRecord>> ChangedSince(int64_t /*seq*/, int /*limit*/) {
    return NoHistory();
  }
  // Forgets the history of changes up to `seq` (inclusive): releases before
  // it can no longer be read as_of (FAILED_PRECONDITION).
  virtual absl::Status PruneHistory(int64_t /*seq*/) { return NoHistory(); }

 private:
  static absl::Status NoHistory() {
    return absl::UnimplementedError("this event store keeps no history");
  }
};

// SQLite store at `path` (":memory:" allowed); creates or migrates the schema.
absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path);
// PostgreSQL store on `pool`'s database (pg_event_store.cc); creates or
// migrates the schema under an advisory lock.
absl::StatusOr<std::unique_ptr<EventStore>> OpenPgEventStore(std::shared_ptr<pg::Pool> pool);

}  // namespace dyad::events
