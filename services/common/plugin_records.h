// The plugin-record plumbing every backend shares: loading each plugin's
// records into its store at start-up, and, inside the stores, the
// bookkeeping that makes that idempotent (a state table holding each
// plugin's version and content fingerprint) on SQLite and on PostgreSQL.
//
//   core:   LoadPluginRecords(plugins, "events", "events", *store, make_records)
//   store:  SyncPlugin    -> SqlitePluginState::Sync / PgPluginState::Check + Put
//           RemovePluginsExcept -> SqlitePluginState::RemoveExcept / PgPluginState::RemoveExcept
//
// The stores keep what is theirs (their records' tables, how a record is
// inserted or deleted, their transactions and locks); these pieces compare
// the state, delete, insert, record the new state and report.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/plugin_host.h"
#include "common/records.h"

namespace dyad {

namespace pg {
class Connection;
}
namespace sql {
class Database;
}

// What happened to a plugin's records at start-up.
enum class SyncOutcome { kUnchanged, kLoaded, kReplaced };

// "unchanged", "loaded", "replaced" (the `records=` of the start-up log).
const char* SyncOutcomeName(SyncOutcome outcome);

// FAILED_PRECONDITION: a plugin record's name is held by a record written
// through the API.
absl::Status PluginNameTakenError(absl::string_view plugin, absl::string_view name);

// A store of records some of which come from plugins.
template <typename Record>
class PluginRecordStore {
 public:
  virtual ~PluginRecordStore() = default;
  // Makes the stored records of `plugin` equal to `records`, unless the
  // stored version and content fingerprint already match. Records written
  // through the API are never touched; a plugin record whose name is taken
  // by one is FAILED_PRECONDITION (and nothing changes).
  virtual absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin,
                                                 const std::string& version,
                                                 const std::string& fingerprint,
                                                 const std::vector<Record>& records) = 0;
  // Deletes the records of plugins not in `keep` (a plugin was removed).
  // Returns the names of the plugins removed.
  virtual absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) = 0;
};

// Loads the records every plugin contributing to `service` has for it into
// `store` (unchanged plugins are skipped) and drops the records of plugins
// no longer present. `make_records(plugin)` gives a plugin's records as
// they are to be stored (a StatusOr of a vector); `detail(plugin)` may add
// to its log line. One line per plugin:
//   plugin=NAME version=V <noun>=N[detail] records=unchanged|loaded|replaced
//   plugin=NAME records=removed
template <typename Record, typename MakeRecords>
absl::StatusOr<std::vector<std::string>> LoadPluginRecords(
    const PluginSet* plugins, absl::string_view service, absl::string_view noun,
    PluginRecordStore<Record>& store, MakeRecords make_records,
    const std::function<std::string(const LoadedPlugin&)>& detail = nullptr) {
  std::vector<std::string> lines;
  std::set<std::string> present;
  if (plugins != nullptr) {
    for (const LoadedPlugin& p : plugins->plugins()) {
      if (!p.Contributes(service)) continue;
      present.insert(p.name);
      absl::StatusOr<std::vector<Record>> records = make_records(p);
      if (!records.ok()) return records.status();
      auto outcome = store.SyncPlugin(p.name, p.version, RecordsFingerprint(*records), *records);
      if (!outcome.ok()) return outcome.status();
      lines.push_back(absl::StrCat("plugin=", p.name, " version=", p.version, " ", noun, "=",
                                   records->size(), detail ? detail(p) : "",
                                   " records=", SyncOutcomeName(*outcome)));
    }
  }
  auto removed = store.RemovePluginsExcept(present);
  if (!removed.ok()) return removed.status();
  for (const auto& r : *removed) lines.push_back(absl::StrCat("plugin=", r, " records=removed"));
  return lines;
}

// The SQLite state table every store has, created by its migrations:
//   plugin_state (plugin TEXT PRIMARY KEY, version TEXT, fingerprint TEXT)
// The caller holds its store's lock and an open write transaction, which it
// commits (or, after kUnchanged, may just drop: nothing was written).
class SqlitePluginState {
 public:
  explicit SqlitePluginState(sql::Database* db) : db_(db) {}

  // Compares the stored state of `plugin` with (version, fingerprint); when
  // they differ, `delete_records(plugin)` deletes its stored records,
  // `insert(record)` stores each of `records` (ALREADY_EXISTS when its name
  // is taken, reported as PluginNameTakenError) and the new state is kept.
  template <typename Record, typename DeleteRecords, typename Insert>
  absl::StatusOr<SyncOutcome> Sync(const std::string& plugin, const std::string& version,
                                   const std::string& fingerprint,
                                   const std::vector<Record>& records,
                                   DeleteRecords delete_records, Insert insert) {
    auto outcome = Compare(plugin, version, fingerprint);
    if (!outcome.ok() || *outcome == SyncOutcome::kUnchanged) return outcome;
    if (absl::Status s = delete_records(plugin); !s.ok()) return s;
    for (const Record& r : records) {
      if (absl::Status s = insert(r); !s.ok()) {
        return absl::IsAlreadyExists(s) ? PluginNameTakenError(plugin, r.name()) : s;
      }
    }
    if (absl::Status s = Put(plugin, version, fingerprint); !s.ok()) return s;
    return outcome;
  }

  // For every stored plugin not in `keep`: `delete_records(plugin)`, then
  // its state. Returns the plugins removed, in name order.
  template <typename DeleteRecords>
  absl::StatusOr<std::vector<std::string>> RemoveExcept(const std::set<std::string>& keep,
                                                        DeleteRecords delete_records) {
    auto stored = StoredPlugins();
    if (!stored.ok()) return stored.status();
    std::vector<std::string> removed;
    for (const std::string& p : *stored) {
      if (keep.count(p)) continue;
      if (absl::Status s = delete_records(p); !s.ok()) return s;
      if (absl::Status s = Delete(p); !s.ok()) return s;
      removed.push_back(p);
    }
    return removed;
  }

  // kUnchanged when the stored state matches, kReplaced when another is
  // stored, kLoaded when none is.
  absl::StatusOr<SyncOutcome> Compare(const std::string& plugin, const std::string& version,
                                      const std::string& fingerprint);
  absl::Status Put(const std::string& plugin, const std::string& version,
                   const std::string& fingerprint);
  absl::Status Delete(const std::string& plugin);
  absl::StatusOr<std::vector<std::string>> StoredPlugins();

 private:
  sql::Database* db_;
};

// The same on PostgreSQL, where each store names its own state table
// (`table`: plugin TEXT PRIMARY KEY, version TEXT, fingerprint TEXT) and
// serialises start-up loading across replicas with the transaction-scoped
// advisory lock `lock_key`. The caller runs these inside its transaction on
// `c`, and commits.
class PgPluginState {
 public:
  PgPluginState(absl::string_view table, std::string lock_key);

  // Takes the advisory lock, then compares as SqlitePluginState::Compare.
  absl::StatusOr<SyncOutcome> LockAndCompare(pg::Connection& c, const std::string& plugin,
                                             const std::string& version,
                                             const std::string& fingerprint) const;
  absl::Status Put(pg::Connection& c, const std::string& plugin, const std::string& version,
                   const std::string& fingerprint) const;

  // Takes the advisory lock; for every stored plugin not in `keep`:
  // `delete_records(c, plugin)`, then its state. Returns the plugins removed.
  // Writes nothing when nothing is to be removed (a read-only session works).
  template <typename DeleteRecords>
  absl::StatusOr<std::vector<std::string>> RemoveExcept(pg::Connection& c,
                                                        const std::set<std::string>& keep,
                                                        DeleteRecords delete_records) const {
    auto stored = LockAndList(c);
    if (!stored.ok()) return stored.status();
    std::vector<std::string> removed;
    for (const std::string& p : *stored) {
      if (keep.count(p)) continue;
      if (absl::Status s = delete_records(c, p); !s.ok()) return s;
      if (absl::Status s = Delete(c, p); !s.ok()) return s;
      removed.push_back(p);
    }
    return removed;
  }

  absl::Status Delete(pg::Connection& c, const std::string& plugin) const;
  // Takes the advisory lock and lists the stored plugins in name order.
  absl::StatusOr<std::vector<std::string>> LockAndList(pg::Connection& c) const;

 private:
  absl::Status Lock(pg::Connection& c) const;

  std::string lock_key_;
  std::string get_sql_, put_sql_, delete_sql_, list_sql_;
};

}  // namespace dyad
