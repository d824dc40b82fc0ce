// InstitutionStore on SQLite: one connection behind a mutex, WAL with
// synchronous=FULL (see the sqlite layer), so an acknowledged write is
// durable.
//
// Layout: `institutions` holds each institution's serialized proto plus the
// columns the filters read; `institution_countries` has one row per country
// an institution belongs to or is hosted in (the "every listed country"
// filter); `institutions_fts` is an FTS5 external-content index over display
// name and description, kept in step by triggers; `plugin_state` remembers
// which version and content of each plugin is loaded.
//
// ListInstitutions filters are all optional. A single statement written as
// "(? IS NULL OR col = ?)" would keep SQLite from using any index for them, so
// the statement is composed from the fixed fragments of the filters present
// (at most 2^6 shapes, each prepared once and cached); every value is still
// bound with `?`, and lists travel as one JSON array read by json_each().
#include <mutex>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/database.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"
#include "institution_store.h"

namespace dyad::institutions {
namespace {

using dyad::institutions::v1::Institution;

constexpr sql::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE institutions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  host_country TEXT NOT NULL,
  city_lower TEXT NOT NULL,
  has_founded INTEGER NOT NULL,
  founded_first INTEGER NOT NULL,
  founded_last INTEGER NOT NULL,
  sort_key INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX institutions_by_founding ON institutions (sort_key, name);
CREATE INDEX institutions_by_plugin ON institutions (plugin);
CREATE INDEX institutions_by_kind ON institutions (kind);
CREATE TABLE institution_countries (
  country TEXT NOT NULL,
  institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
  PRIMARY KEY (country, institution_id)
) WITHOUT ROWID;
CREATE INDEX institution_countries_by_institution ON institution_countries (institution_id);
CREATE VIRTUAL TABLE institutions_fts USING fts5 (
  display_name, description, content = 'institutions', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER institutions_fts_insert AFTER INSERT ON institutions BEGIN
  INSERT INTO institutions_fts (rowid, display_name, description)
  VALUES (new.id, new.display_name, new.description);
END;
CREATE TRIGGER institutions_fts_delete AFTER DELETE ON institutions BEGIN
  INSERT INTO institutions_fts (institutions_fts, rowid, display_name, description)
  VALUES ('delete', old.id, old.display_name, old.description);
END;
CREATE TABLE plugin_state (
  plugin TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
    // Indexes for the host and city filters, in page order so a filtered
    // page is a range scan; and an update trigger so the external-content
    // FTS index can never fall out of step should a row ever be updated.
    {2, R"sql(
CREATE INDEX institutions_by_host ON institutions (host_country, sort_key, name);
CREATE INDEX institutions_by_city ON institutions (city_lower, sort_key, name);
CREATE TRIGGER institutions_fts_update AFTER UPDATE OF display_name, description ON institutions
BEGIN
  INSERT INTO institutions_fts (institutions_fts, rowid, display_name, description)
  VALUES ('delete', old.id, old.display_name, old.description);
  INSERT INTO institutions_fts (rowid, display_name, description)
  VALUES (new.id, new.display_name, new.description);
END;
)sql"},
};
constexpr int kCompatibleVersion = 1;

constexpr char kGetSql[] = "SELECT body FROM institutions WHERE name = ?";
constexpr char kInsertSql[] =
    "INSERT INTO institutions (name, kind, host_country, city_lower, has_founded, founded_first, "
    "founded_last, sort_key, plugin, display_name, description, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertCountrySql[] =
    "INSERT OR IGNORE INTO institution_countries (country, institution_id) VALUES (?, ?)";
constexpr char kDeletePluginSql[] = "DELETE FROM institutions WHERE plugin = ?";

// The fragments ListInstitutions is composed of. The page statement is
//   kListHead [AND filter]... kListTail
// and the count statement kCountHead [AND filter]..., with the filters in
// the order below.
constexpr char kListHead[] =
    "SELECT i.body, i.sort_key, i.name FROM institutions i WHERE (i.sort_key, i.name) > (?, ?)";
constexpr char kListTail[] = " ORDER BY i.sort_key, i.name LIMIT ?";
constexpr char kCountHead[] = "SELECT COUNT(*) FROM institutions i WHERE 1";
// ? = kinds JSON array. Each kind is an id or a dotted prefix: the range
// [k, k || '/') walks the kind index over k and every "k.<sub>" ('/' follows
// '.'), and the exact test drops neighbours such as "k-other".
constexpr char kKindsFilter[] =
    " AND i.id IN (SELECT x.id FROM json_each(?) k JOIN institutions x"
    " ON x.kind >= k.value AND x.kind < k.value || '/'"
    " WHERE x.kind = k.value OR substr(x.kind, 1, length(k.value) + 1) = k.value || '.')";
// ? = countries JSON array (distinct), ? = its length: every one is among
// the institution's countries or its host (both are in institution_countries).
constexpr char kCountriesFilter[] =
    " AND i.id IN (SELECT c.institution_id FROM institution_countries c"
    " WHERE c.country IN (SELECT value FROM json_each(?))"
    " GROUP BY c.institution_id HAVING COUNT(*) = ?)";
constexpr char kHostFilter[] = " AND i.host_country = ?";
constexpr char kCityFilter[] = " AND i.city_lower = ?";
// ?, ? = bounds on sort_key (an index range); ?, ? = the range's first and
// last day for the exact overlap test. Undated institutions never match.
constexpr char kFoundedFilter[] =
    " AND i.sort_key >= ? AND i.sort_key <= ? AND i.has_founded = 1"
    " AND i.founded_last >= ? AND i.founded_first <= ?";
// ? = FTS5 query.
constexpr char kQueryFilter[] =
    " AND i.id IN (SELECT rowid FROM institutions_fts WHERE institutions_fts MATCH ?)";

// A founding date's span is at most a year, so an institution founded in a
// range starts at most this many days before the range does.
constexpr int64_t kMaxFoundedSpanDays = 366;

// The filter part of a composed statement and its values, in `?` order.
struct Filters {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> values;
  // Lowest sort key that can match. The page statement folds it into its
  // keyset position, (sort_key, name) > (min_sort_key, ''), which every name
  // passes, so the founding index is walked from there rather than from
  // its start.
  int64_t min_sort_key = INT64_MIN;
};

Filters ComposeFilters(const InstitutionQuery& q) {
  Filters f;
  if (!q.kinds.empty()) {
    f.sql += kKindsFilter;
    f.values.emplace_back(sql::JsonArray(q.kinds));
  }
  if (!q.countries.empty()) {
    f.sql += kCountriesFilter;
    f.values.emplace_back(sql::JsonArray(q.countries));
    f.values.emplace_back(static_cast<int64_t>(q.countries.size()));
  }
  if (!q.host_country.empty()) {
    f.sql += kHostFilter;
    f.values.emplace_back(q.host_country);
  }
  if (!q.city_lower.empty()) {
    f.sql += kCityFilter;
    f.values.emplace_back(q.city_lower);
  }
  if (q.founded) {
    // Sort keys are day * 4 + precision (see partial_date.h).
    f.sql += kFoundedFilter;
    f.min_sort_key = (q.founded->first - kMaxFoundedSpanDays) * 4;
    f.values.emplace_back(f.min_sort_key);
    f.values.emplace_back(q.founded->last * 4 + 3);
    f.values.emplace_back(q.founded->first);
    f.values.emplace_back(q.founded->last);
  }
  if (!q.fts_query.empty()) {
    f.sql += kQueryFilter;
    f.values.emplace_back(q.fts_query);
  }
  return f;
}

// Binds `values` from parameter `first` on; returns the next free index.
int BindAll(sql::Statement& s, int first,
            const std::vector<std::variant<int64_t, std::string>>& values) {
  int index = first;
  for (const auto& v : values) {
    if (const auto* n = std::get_if<int64_t>(&v)) {
      s.BindInt64(index++, *n);
    } else {
      s.BindText(index++, std::get<std::string>(v));
    }
  }
  return index;
}

class SqliteInstitutionStore final : public InstitutionStore {
 public:
  explicit SqliteInstitutionStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  absl::Status Migrate() { return sql::Migrate(db_.get(), kMigrations, kCompatibleVersion); }

  absl::StatusOr<Institution> Get(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    return GetLocked(name);
  }

  absl::StatusOr<InstitutionPage> List(const InstitutionQuery& q) override {
    const Filters filters = ComposeFilters(q);
    const std::string list_sql = absl::StrCat(kListHead, filters.sql, kListTail);
    const std::string count_sql = absl::StrCat(kCountHead, filters.sql);
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    InstitutionPage page;
    {
      // The cache keys statements by their text, so each shape is prepared once.
      auto st = db_->GetCachedStatement(list_sql.c_str());
      if (!st.ok()) return st.status();
      sql::Statement& s = **st;
      sql::ScopedReset reset(&s);
      int64_t from_key = q.after ? q.after->sort_key : INT64_MIN;
      std::string from_name = q.after ? q.after->name : "";
      if (filters.min_sort_key > from_key) {
        from_key = filters.min_sort_key;
        from_name.clear();
      }
      s.BindInt64(1, from_key);
      s.BindText(2, from_name);
      const int limit_index = BindAll(s, 3, filters.values);
      s.BindInt64(limit_index, q.limit + 1);  // one extra row tells whether more follow
      int64_t last_sort_key = 0;  // of the last row kept
      std::string last_name;
      while (s.Step()) {
        if (static_cast<int>(page.bodies.size()) == q.limit) {
          page.next = PageCursor{0, last_sort_key, std::move(last_name)};
          break;  // ScopedReset ends the statement early
        }
        // Kept as stored: the reply frames these bytes without parsing them.
        page.bodies.push_back(s.ColumnBlob(0));
        last_sort_key = s.ColumnInt64(1);
        last_name = s.ColumnText(2);
      }
      if (!s.Succeeded()) return s.status();
    }
    {
      auto st = db_->GetCachedStatement(count_sql.c_str());
      if (!st.ok()) return st.status();
      sql::Statement& s = **st;
      sql::ScopedReset reset(&s);
      BindAll(s, 1, filters.values);
      const bool row = s.Step();
      if (!s.Succeeded()) return s.status();
      page.total_size = row ? s.ColumnInt64(0) : 0;
    }
    return page;
  }

  absl::StatusOr<std::string> ExplainList(const InstitutionQuery& q) override {
    const Filters filters = ComposeFilters(q);
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    std::vector<std::string> steps;
    for (const std::string& text : {absl::StrCat(kListHead, filters.sql, kListTail),
                                    absl::StrCat(kCountHead, filters.sql)}) {
      auto st = db_->Prepare(absl::StrCat("EXPLAIN QUERY PLAN ", text));
      if (!st.ok()) return st.status();
      while ((*st)->Step()) {
        steps.push_back((*st)->ColumnText(3));
      }
      if (!(*st)->Succeeded()) return (*st)->status();
    }
    return absl::StrJoin(steps, "\n");
  }

  absl::Status Insert(const Institution& i) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    if (auto s = InsertLocked(i, ""); !s.ok()) return s;
    return tx.Commit();
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Institution>& records) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    auto outcome = SqlitePluginState(db_.get()).Sync(
        plugin, version, fingerprint, records,
        [&](const std::string& p) { return RunWithText(kDeletePluginSql, p); },
        [&](const Institution& i) { return InsertLocked(i, plugin); });
    if (!outcome.ok() || *outcome == SyncOutcome::kUnchanged) return outcome;
    if (auto s = tx.Commit(); !s.ok()) return s;
    return outcome;
  }

  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    auto removed = SqlitePluginState(db_.get()).RemoveExcept(
        keep, [&](const std::string& p) { return RunWithText(kDeletePluginSql, p); });
    if (!removed.ok()) return removed.status();
    if (auto s = tx.Commit(); !s.ok()) return s;
    return removed;
  }

 private:
  // Caller holds mu_.
  absl::StatusOr<Institution> GetLocked(const std::string& name) {
    auto st = db_->GetCachedStatement(kGetSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::NotFoundError(absl::StrCat("institution \"", name, "\" not found"));
    Institution i;
    if (!i.ParseFromString((*st)->ColumnBlob(0))) {
      return absl::DataLossError(absl::StrCat("institution \"", name, "\" is stored corrupt"));
    }
    return i;
  }

  // Caller holds mu_.
  absl::Status RunWithText(const char* sql, const std::string& value) {
    auto st = db_->GetCachedStatement(sql);
    if (!st.ok()) return st.status();
    (*st)->BindText(1, value);
    return (*st)->Run();
  }

  // Caller holds mu_ and a transaction.
  absl::Status InsertLocked(const Institution& i, const std::string& plugin) {
    const bool has_founded = i.founded().year() > 0;
    auto st = db_->GetCachedStatement(kInsertSql);
    if (!st.ok()) return st.status();
    (*st)->BindText(1, i.name())
        .BindText(2, i.kind())
        .BindText(3, i.host_country())
        .BindText(4, absl::AsciiStrToLower(i.city()))
        .BindBool(5, has_founded)
        .BindInt64(6, has_founded ? FirstDay(i.founded()) : 0)
        .BindInt64(7, has_founded ? LastDay(i.founded()) : 0)
        .BindInt64(8, SortKey(i.founded()))
        .BindText(9, plugin)
        .BindText(10, i.display_name())
        .BindText(11, i.description())
        .BindBlob(12, i.SerializeAsString());
    if (auto s = (*st)->Run(); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return absl::AlreadyExistsError(absl::StrCat("institution \"", i.name(), "\" already exists"));
      }
      return s;
    }
    const int64_t id = db_->LastInsertRowId();
    std::set<std::string> countries(i.countries().begin(), i.countries().end());
    if (!i.host_country().empty()) countries.insert(i.host_country());
    for (const auto& c : countries) {
      auto cs = db_->GetCachedStatement(kInsertCountrySql);
      if (!cs.ok()) return cs.status();
      (*cs)->BindText(1, c).BindInt64(2, id);
      if (auto s = (*cs)->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::timed_mutex mu_;  // waited for until the call's deadline (call_limits.h)
  std::unique_ptr<sql::Database> db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<InstitutionStore>> OpenSqliteInstitutionStore(const std::string& path) {
  auto db = sql::Database::Open(path);
  if (!db.ok()) return db.status();
  auto store = std::make_unique<SqliteInstitutionStore>(std::move(*db));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::institutions
