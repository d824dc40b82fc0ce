// InstitutionStore on SQLite: one connection behind a mutex, WAL with
// synchronous=FULL (see the sqlite layer), FTS5 over display name and
// description, and a country table for the "every listed country" filter.
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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
};
constexpr int kCompatibleVersion = 1;

constexpr char kGetSql[] = "SELECT body FROM institutions WHERE name = ?";
constexpr char kInsertSql[] =
    "INSERT INTO institutions (name, kind, host_country, city_lower, has_founded, founded_first, "
    "founded_last, sort_key, plugin, display_name, description, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertCountrySql[] =
    "INSERT OR IGNORE INTO institution_countries (country, institution_id) VALUES (?, ?)";
constexpr char kGetPluginStateSql[] =
    "SELECT version, fingerprint FROM plugin_state WHERE plugin = ?";
constexpr char kPutPluginStateSql[] =
    "INSERT INTO plugin_state (plugin, version, fingerprint) VALUES (?, ?, ?) "
    "ON CONFLICT (plugin) DO UPDATE SET version = excluded.version, "
    "fingerprint = excluded.fingerprint";
constexpr char kDeletePluginSql[] = "DELETE FROM institutions WHERE plugin = ?";
constexpr char kDeletePluginStateSql[] = "DELETE FROM plugin_state WHERE plugin = ?";
constexpr char kListPluginsSql[] = "SELECT plugin FROM plugin_state ORDER BY plugin";

// Shared filters. ?3 kinds JSON or NULL; ?4 number of countries (0: none),
// ?5 countries JSON; ?6 host or NULL; ?7 lower-case city or NULL; ?8/?9
// founded first/last day (NULL ?8: no founded filter); ?10 FTS5 or NULL.
#define DYAD_INSTITUTION_FILTERS                                                                  \
  " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(?3) k WHERE i.kind = k.value"              \
  "      OR substr(i.kind, 1, length(k.value) + 1) = k.value || '.'))"                            \
  " AND (?4 = 0 OR (SELECT COUNT(DISTINCT c.country) FROM institution_countries c"                \
  "      WHERE c.institution_id = i.id AND c.country IN (SELECT value FROM json_each(?5))) = ?4)" \
  " AND (?6 IS NULL OR i.host_country = ?6)"                                                      \
  " AND (?7 IS NULL OR i.city_lower = ?7)"                                                        \
  " AND (?8 IS NULL OR (i.has_founded = 1 AND i.founded_first <= ?9 AND i.founded_last >= ?8))"  \
  " AND (?10 IS NULL OR i.id IN (SELECT rowid FROM institutions_fts"                               \
  "      WHERE institutions_fts MATCH ?10))"

// (?1, ?2) cursor, ?11 limit.
constexpr char kListSql[] =
    "SELECT i.body, i.sort_key, i.name FROM institutions i"
    " WHERE (i.sort_key, i.name) > (?1, ?2)" DYAD_INSTITUTION_FILTERS
    " ORDER BY i.sort_key, i.name LIMIT ?11";
constexpr char kCountSql[] =
    "SELECT COUNT(*) FROM institutions i WHERE ?1 IS NOT NULL AND ?2 IS NOT NULL"
    DYAD_INSTITUTION_FILTERS;
#undef DYAD_INSTITUTION_FILTERS

std::string JsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (unsigned char c : values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out + "]";
}

class SqliteInstitutionStore final : public InstitutionStore {
 public:
  explicit SqliteInstitutionStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  absl::Status Migrate() { return sql::Migrate(db_.get(), kMigrations, kCompatibleVersion); }

  absl::StatusOr<Institution> Get(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = db_->GetCachedStatement(kGetSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("institution \"", name, "\" not found"));
    Institution i;
    if (!i.ParseFromString((*st)->ColumnBlob(0))) {
      return absl::DataLossError(absl::StrCat("institution \"", name, "\" is stored corrupt"));
    }
    return i;
  }

  absl::StatusOr<InstitutionPage> List(const InstitutionQuery& q) override {
    std::lock_guard<std::mutex> lock(mu_);
    InstitutionPage page;
    for (int pass = 0; pass < 2; ++pass) {
      const bool count = pass == 1;
      auto st = db_->GetCachedStatement(count ? kCountSql : kListSql);
      if (!st.ok()) return st.status();
      sql::Statement& s = **st;
      sql::ScopedReset reset(&s);
      s.BindInt64(1, q.after ? q.after->sort_key : INT64_MIN);
      s.BindText(2, q.after ? q.after->name : "");
      if (q.kinds.empty()) s.BindNull(3); else s.BindText(3, JsonArray(q.kinds));
      s.BindInt64(4, static_cast<int64_t>(q.countries.size()));
      s.BindText(5, JsonArray(q.countries));
      if (q.host_country.empty()) s.BindNull(6); else s.BindText(6, q.host_country);
      if (q.city_lower.empty()) s.BindNull(7); else s.BindText(7, q.city_lower);
      if (q.founded) {
        s.BindInt64(8, q.founded->first);
        s.BindInt64(9, q.founded->last);
      } else {
        s.BindNull(8);
        s.BindNull(9);
      }
      if (q.fts_query.empty()) s.BindNull(10); else s.BindText(10, q.fts_query);
      if (count) {
        auto row = s.Step();
        if (!row.ok()) return row.status();
        page.total_size = *row ? s.ColumnInt64(0) : 0;
        continue;
      }
      s.BindInt64(11, q.limit + 1);
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        if (static_cast<int>(page.institutions.size()) == q.limit) {
          const Institution& last = page.institutions.back();
          page.next = PageCursor{0, SortKey(last.founded()), last.name()};
          break;
        }
        Institution i;
        if (!i.ParseFromString(s.ColumnBlob(0))) {
          return absl::DataLossError(
              absl::StrCat("institution \"", s.ColumnText(2), "\" is stored corrupt"));
        }
        page.institutions.push_back(std::move(i));
      }
    }
    return page;
  }

  absl::Status Insert(const Institution& i) override {
    std::lock_guard<std::mutex> lock(mu_);
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    if (auto s = InsertLocked(i, ""); !s.ok()) return s;
    return tx.Commit();
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Institution>& records) override {
    std::lock_guard<std::mutex> lock(mu_);
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    bool existed = false;
    {
      auto st = db_->GetCachedStatement(kGetPluginStateSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      (*st)->BindText(1, plugin);
      auto row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (*row) {
        existed = true;
        if ((*st)->ColumnText(0) == version && (*st)->ColumnText(1) == fingerprint) {
          return SyncOutcome::kUnchanged;
        }
      }
    }
    if (auto s = RunWithText(kDeletePluginSql, plugin); !s.ok()) return s;
    for (const Institution& i : records) {
      if (auto s = InsertLocked(i, plugin); !s.ok()) {
        if (absl::IsAlreadyExists(s)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "plugin ", plugin, ": ", i.name(), " is already taken by a record written "
              "through the API; rename one of them"));
        }
        return s;
      }
    }
    {
      auto st = db_->GetCachedStatement(kPutPluginStateSql);
      if (!st.ok()) return st.status();
      (*st)->BindText(1, plugin).BindText(2, version).BindText(3, fingerprint);
      if (auto s = (*st)->Run(); !s.ok()) return s;
    }
    if (auto s = tx.Commit(); !s.ok()) return s;
    return existed ? SyncOutcome::kReplaced : SyncOutcome::kLoaded;
  }

  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> stored;
    {
      auto st = db_->GetCachedStatement(kListPluginsSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      for (;;) {
        auto row = (*st)->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        stored.push_back((*st)->ColumnText(0));
      }
    }
    std::vector<std::string> removed;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    for (const auto& p : stored) {
      if (keep.count(p)) continue;
      if (auto s = RunWithText(kDeletePluginSql, p); !s.ok()) return s;
      if (auto s = RunWithText(kDeletePluginStateSql, p); !s.ok()) return s;
      removed.push_back(p);
    }
    if (auto s = tx.Commit(); !s.ok()) return s;
    return removed;
  }

 private:
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

  std::mutex mu_;
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
