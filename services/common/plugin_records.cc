#include "common/plugin_records.h"

#include "common/pg/connection.h"
#include "common/sqlite/database.h"
#include "common/sqlite/statement.h"

namespace dyad {
namespace {

constexpr char kGetPluginStateSql[] =
    "SELECT version, fingerprint FROM plugin_state WHERE plugin = ?";
constexpr char kPutPluginStateSql[] =
    "INSERT INTO plugin_state (plugin, version, fingerprint) VALUES (?, ?, ?) "
    "ON CONFLICT (plugin) DO UPDATE SET version = excluded.version, "
    "fingerprint = excluded.fingerprint";
constexpr char kDeletePluginStateSql[] = "DELETE FROM plugin_state WHERE plugin = ?";
constexpr char kListPluginsSql[] = "SELECT plugin FROM plugin_state ORDER BY plugin";

// PostgreSQL: the same on the store's own table ($TABLE below), and the
// advisory lock that makes replicas load one at a time.
constexpr char kPgLockPluginsSql[] = "SELECT pg_advisory_xact_lock(hashtext($1))";
constexpr char kPgGetPluginStateSql[] =
    "SELECT version, fingerprint FROM $TABLE WHERE plugin = $1";
constexpr char kPgPutPluginStateSql[] =
    "INSERT INTO $TABLE (plugin, version, fingerprint) VALUES ($1, $2, $3) "
    "ON CONFLICT (plugin) DO UPDATE SET version = EXCLUDED.version, "
    "fingerprint = EXCLUDED.fingerprint";
constexpr char kPgDeletePluginStateSql[] = "DELETE FROM $TABLE WHERE plugin = $1";
constexpr char kPgListPluginsSql[] = "SELECT plugin FROM $TABLE ORDER BY plugin";

std::string OnTable(absl::string_view sql, absl::string_view table) {
  std::string out(sql);
  const size_t at = out.find("$TABLE");
  out.replace(at, 6, table.data(), table.size());
  return out;
}

SyncOutcome Compared(bool stored, bool same) {
  return !stored ? SyncOutcome::kLoaded : same ? SyncOutcome::kUnchanged : SyncOutcome::kReplaced;
}

}  // namespace

const char* SyncOutcomeName(SyncOutcome outcome) {
  switch (outcome) {
    case SyncOutcome::kUnchanged:
      return "unchanged";
    case SyncOutcome::kLoaded:
      return "loaded";
    case SyncOutcome::kReplaced:
      return "replaced";
  }
  return "?";
}

absl::Status PluginNameTakenError(absl::string_view plugin, absl::string_view name) {
  return absl::FailedPreconditionError(absl::StrCat(
      "plugin ", plugin, ": ", name,
      " is already taken by a record written through the API; rename one of them"));
}

// ---- SQLite ----

absl::StatusOr<SyncOutcome> SqlitePluginState::Compare(const std::string& plugin,
                                                       const std::string& version,
                                                       const std::string& fingerprint) {
  auto st = db_->GetCachedStatement(kGetPluginStateSql);
  if (!st.ok()) return st.status();
  sql::Statement& s = **st;
  sql::ScopedReset reset(&s);
  s.BindText(1, plugin);
  const bool stored = s.Step();
  if (!s.Succeeded()) return s.status();
  return Compared(stored, stored && s.ColumnText(0) == version && s.ColumnText(1) == fingerprint);
}

absl::Status SqlitePluginState::Put(const std::string& plugin, const std::string& version,
                                    const std::string& fingerprint) {
  auto st = db_->GetCachedStatement(kPutPluginStateSql);
  if (!st.ok()) return st.status();
  return (*st)->BindText(1, plugin).BindText(2, version).BindText(3, fingerprint).Run();
}

absl::Status SqlitePluginState::Delete(const std::string& plugin) {
  auto st = db_->GetCachedStatement(kDeletePluginStateSql);
  if (!st.ok()) return st.status();
  return (*st)->BindText(1, plugin).Run();
}

absl::StatusOr<std::vector<std::string>> SqlitePluginState::StoredPlugins() {
  auto st = db_->GetCachedStatement(kListPluginsSql);
  if (!st.ok()) return st.status();
  sql::Statement& s = **st;
  sql::ScopedReset reset(&s);
  std::vector<std::string> stored;
  while (s.Step()) stored.push_back(s.ColumnText(0));
  if (!s.Succeeded()) return s.status();
  return stored;
}

// ---- PostgreSQL ----

PgPluginState::PgPluginState(absl::string_view table, std::string lock_key)
    : lock_key_(std::move(lock_key)),
      get_sql_(OnTable(kPgGetPluginStateSql, table)),
      put_sql_(OnTable(kPgPutPluginStateSql, table)),
      delete_sql_(OnTable(kPgDeletePluginStateSql, table)),
      list_sql_(OnTable(kPgListPluginsSql, table)) {}

absl::Status PgPluginState::Lock(pg::Connection& c) const {
  return c.Run(kPgLockPluginsSql, pg::Params().Text(lock_key_)).status();
}

absl::StatusOr<SyncOutcome> PgPluginState::LockAndCompare(pg::Connection& c,
                                                          const std::string& plugin,
                                                          const std::string& version,
                                                          const std::string& fingerprint) const {
  if (absl::Status s = Lock(c); !s.ok()) return s;
  auto state = c.Run(get_sql_, pg::Params().Text(plugin));
  if (!state.ok()) return state.status();
  const bool stored = state->rows() > 0;
  return Compared(stored,
                  stored && state->Text(0, 0) == version && state->Text(0, 1) == fingerprint);
}

absl::Status PgPluginState::Put(pg::Connection& c, const std::string& plugin,
                                const std::string& version, const std::string& fingerprint) const {
  return c.Run(put_sql_, pg::Params().Text(plugin).Text(version).Text(fingerprint)).status();
}

absl::Status PgPluginState::Delete(pg::Connection& c, const std::string& plugin) const {
  return c.Run(delete_sql_, pg::Params().Text(plugin)).status();
}

absl::StatusOr<std::vector<std::string>> PgPluginState::LockAndList(pg::Connection& c) const {
  if (absl::Status s = Lock(c); !s.ok()) return s;
  auto r = c.Run(list_sql_);
  if (!r.ok()) return r.status();
  std::vector<std::string> stored;
  for (int i = 0; i < r->rows(); ++i) stored.push_back(r->Text(i, 0));
  return stored;
}

}  // namespace dyad
