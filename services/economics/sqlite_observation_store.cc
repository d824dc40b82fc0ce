// ObservationStore on SQLite. One connection guarded by a mutex; WAL and
// synchronous=FULL make every acknowledged write durable.
//
// Layout: `observations` holds each figure's serialized proto plus the
// columns the queries need. Two indexes serve the two read paths:
// (indicator, sort_key, name) is the ListObservations order, walked from the
// page cursor; (indicator, reporter, partner, sort_key, name) gives GetSeries
// one range scan per country order. `observation_countries` holds one row per
// country of a figure, keyed (country, indicator, sort_key, name), so a
// ListObservations filtered by country walks that country's slice in order
// instead of scanning the table.
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/database.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"
#include "observation_store.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;

constexpr sql::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE observations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  indicator TEXT NOT NULL,
  reporter TEXT NOT NULL,
  partner TEXT NOT NULL,
  sort_key INTEGER NOT NULL,
  start_day INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX observations_by_indicator ON observations (indicator, sort_key, name);
CREATE INDEX observations_by_series ON observations (indicator, reporter, partner, sort_key, name);
CREATE INDEX observations_by_plugin ON observations (plugin);
CREATE TABLE observation_countries (
  country TEXT NOT NULL,
  indicator TEXT NOT NULL,
  sort_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  observation_id INTEGER NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
  PRIMARY KEY (country, indicator, sort_key, name)
) WITHOUT ROWID;
CREATE INDEX observation_countries_by_observation ON observation_countries (observation_id);
CREATE TABLE plugin_state (
  plugin TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
    // Imported figures (UN Comtrade, WDI): origin, commodity and the dataset
    // row, idempotent by (dataset, upstream_id). The series index gains the
    // commodity so a total series never reads a commodity's figures (and the
    // old index, its prefix, goes).
    {2, R"sql(
ALTER TABLE observations ADD COLUMN origin INTEGER NOT NULL DEFAULT 1;
ALTER TABLE observations ADD COLUMN commodity TEXT NOT NULL DEFAULT '';
ALTER TABLE observations ADD COLUMN dataset TEXT;
ALTER TABLE observations ADD COLUMN upstream_id TEXT;
CREATE UNIQUE INDEX observations_by_upstream ON observations (dataset, upstream_id)
  WHERE dataset IS NOT NULL;
DROP INDEX observations_by_series;
CREATE INDEX observations_by_series_commodity
  ON observations (indicator, reporter, partner, commodity, sort_key, name);
)sql"},
};
constexpr int kCompatibleVersion = 1;

// Figures "to date" sort after every dated figure (SortKey() of any valid
// date is far below this).
constexpr int64_t kToDateBase = INT64_C(1) << 40;

constexpr char kGetSql[] = "SELECT body FROM observations WHERE name = ?";
constexpr char kInsertCountrySql[] =
    "INSERT OR IGNORE INTO observation_countries (country, indicator, sort_key, name, "
    "observation_id) VALUES (?, ?, ?, ?, ?)";
constexpr char kSeriesSql[] =
    "SELECT body, name FROM observations WHERE indicator = ?1 AND reporter = ?2 AND partner = ?3"
    " AND commodity = ?4 ORDER BY sort_key, name";
// One range scan of the series index per country order (an OR of the two
// would make SQLite fall back to the indicator alone); UNION drops the
// repeat when reporter = partner.
constexpr char kSeriesEitherOrderSql[] =
    "SELECT body, name, sort_key FROM observations"
    " WHERE indicator = ?1 AND reporter = ?2 AND partner = ?3 AND commodity = ?4"
    " UNION SELECT body, name, sort_key FROM observations"
    " WHERE indicator = ?1 AND reporter = ?3 AND partner = ?2 AND commodity = ?4"
    " ORDER BY sort_key, name";
constexpr char kDeletePluginObservationsSql[] = "DELETE FROM observations WHERE plugin = ?";
// Every figure, curated or imported (dataset and upstream_id NULL for
// curated ones).
constexpr char kInsertSql[] =
    "INSERT INTO observations (name, indicator, reporter, partner, sort_key, start_day, end_day, "
    "plugin, body, origin, commodity, dataset, upstream_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kFindImportedSql[] =
    "SELECT id, body FROM observations WHERE dataset = ? AND upstream_id = ?";
constexpr char kDeleteObservationSql[] = "DELETE FROM observations WHERE id = ?";

// ListObservations. Parameters:
//   ?1 indicator (the *Indicator variants)   ?2 period last day   ?3 period first day
//   ?4 ?5 ?6 cursor (indicator, sort_key, name)   ?7 limit
//   ?8 first country (the *Country variants)      ?9 second country or NULL
//   ?10 commodity ('' for totals)                 ?11 origin (0: any)
#define DYAD_OBS_PERIOD                                                      \
  " AND o.start_day <= ?2 AND o.end_day >= ?3 AND o.commodity = ?10"         \
  " AND (?11 = 0 OR o.origin = ?11)"
#define DYAD_OBS_SECOND_COUNTRY " AND (?9 IS NULL OR o.reporter = ?9 OR o.partner = ?9)"
#define DYAD_OBS_FROM_COUNTRY \
  " FROM observation_countries oc JOIN observations o ON o.id = oc.observation_id"

constexpr char kListAllSql[] =
    "SELECT o.body, o.indicator, o.sort_key, o.name FROM observations o"
    " WHERE (o.indicator, o.sort_key, o.name) > (?4, ?5, ?6)" DYAD_OBS_PERIOD
    " ORDER BY o.indicator, o.sort_key, o.name LIMIT ?7";
constexpr char kCountAllSql[] =
    "SELECT COUNT(*) FROM observations o WHERE 1" DYAD_OBS_PERIOD;
constexpr char kListIndicatorSql[] =
    "SELECT o.body, o.indicator, o.sort_key, o.name FROM observations o"
    " WHERE o.indicator = ?1 AND (o.sort_key, o.name) > (?5, ?6)" DYAD_OBS_PERIOD
    " ORDER BY o.sort_key, o.name LIMIT ?7";
constexpr char kCountIndicatorSql[] =
    "SELECT COUNT(*) FROM observations o WHERE o.indicator = ?1" DYAD_OBS_PERIOD;
constexpr char kListCountrySql[] =
    "SELECT o.body, oc.indicator, oc.sort_key, oc.name" DYAD_OBS_FROM_COUNTRY
    " WHERE oc.country = ?8 AND (oc.indicator, oc.sort_key, oc.name) > (?4, ?5, ?6)"
    DYAD_OBS_PERIOD DYAD_OBS_SECOND_COUNTRY
    " ORDER BY oc.indicator, oc.sort_key, oc.name LIMIT ?7";
constexpr char kCountCountrySql[] =
    "SELECT COUNT(*)" DYAD_OBS_FROM_COUNTRY " WHERE oc.country = ?8"
    DYAD_OBS_PERIOD DYAD_OBS_SECOND_COUNTRY;
constexpr char kListCountryIndicatorSql[] =
    "SELECT o.body, oc.indicator, oc.sort_key, oc.name" DYAD_OBS_FROM_COUNTRY
    " WHERE oc.country = ?8 AND oc.indicator = ?1 AND (oc.sort_key, oc.name) > (?5, ?6)"
    DYAD_OBS_PERIOD DYAD_OBS_SECOND_COUNTRY
    " ORDER BY oc.sort_key, oc.name LIMIT ?7";
constexpr char kCountCountryIndicatorSql[] =
    "SELECT COUNT(*)" DYAD_OBS_FROM_COUNTRY " WHERE oc.country = ?8 AND oc.indicator = ?1"
    DYAD_OBS_PERIOD DYAD_OBS_SECOND_COUNTRY;
#undef DYAD_OBS_PERIOD
#undef DYAD_OBS_SECOND_COUNTRY
#undef DYAD_OBS_FROM_COUNTRY

// The date a figure is placed by: its period, else its as_of.
const dyad::type::v1::PartialDate& PlacingDate(const Observation& o) {
  return o.period().year() > 0 ? o.period() : o.as_of();
}

class SqliteObservationStore final : public ObservationStore {
 public:
  explicit SqliteObservationStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  absl::StatusOr<Observation> Get(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto st = db_->GetCachedStatement(kGetSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::NotFoundError(absl::StrCat("observation \"", name, "\" not found"));
    Observation o;
    if (!o.ParseFromString((*st)->ColumnBlob(0))) {
      return absl::DataLossError(absl::StrCat("observation \"", name, "\" is stored corrupt"));
    }
    return o;
  }

  absl::StatusOr<ObservationPage> List(const ObservationQuery& q) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    const bool by_indicator = !q.indicator.empty();
    const bool by_country = !q.countries.empty();
    ObservationPage page;
    for (int pass = 0; pass < 2; ++pass) {
      const bool count = pass == 1;
      const char* sql =
          by_country ? (by_indicator ? (count ? kCountCountryIndicatorSql : kListCountryIndicatorSql)
                                     : (count ? kCountCountrySql : kListCountrySql))
                     : (by_indicator ? (count ? kCountIndicatorSql : kListIndicatorSql)
                                     : (count ? kCountAllSql : kListAllSql));
      auto st = db_->GetCachedStatement(sql);
      if (!st.ok()) return st.status();
      sql::Statement& s = **st;
      sql::ScopedReset reset(&s);
      if (by_indicator) s.BindText(1, q.indicator);
      s.BindInt64(2, q.period.last);
      s.BindInt64(3, q.period.first);
      s.BindText(10, q.commodity).BindInt64(11, q.origin);
      if (by_country) {
        s.BindText(8, q.countries[0]);
        if (q.countries.size() > 1) s.BindText(9, q.countries[1]); else s.BindNull(9);
      }
      if (count) {
        const bool row = s.Step();
        if (!s.Succeeded()) return s.status();
        page.total_size = row ? s.ColumnInt64(0) : 0;
        continue;
      }
      s.BindText(4, q.after ? q.after->indicator : "");
      s.BindInt64(5, q.after ? q.after->sort_key : INT64_MIN);
      s.BindText(6, q.after ? q.after->name : "");
      s.BindInt64(7, q.limit + 1);  // one extra row tells whether more follow
      while (s.Step()) {
        if (static_cast<int>(page.observations.size()) == q.limit) {
          const Observation& last = page.observations.back();
          page.next = ObservationCursor{last.indicator(), ObservationSortKey(last), last.name()};
          break;
        }
        Observation o;
        if (!o.ParseFromString(s.ColumnBlob(0))) {
          return absl::DataLossError(
              absl::StrCat("observation \"", s.ColumnText(3), "\" is stored corrupt"));
        }
        page.observations.push_back(std::move(o));
      }
      if (!s.Succeeded()) return s.status();
    }
    return page;
  }

  absl::StatusOr<std::vector<Observation>> ListSeries(const std::string& indicator,
                                                      const std::string& reporter,
                                                      const std::string& partner,
                                                      bool either_order,
                                                      const std::string& commodity) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto st = db_->GetCachedStatement(either_order ? kSeriesEitherOrderSql : kSeriesSql);
    if (!st.ok()) return st.status();
    sql::Statement& s = **st;
    sql::ScopedReset reset(&s);
    s.BindText(1, indicator).BindText(2, reporter).BindText(3, partner).BindText(4, commodity);
    std::vector<Observation> out;
    while (s.Step()) {
      Observation o;
      if (!o.ParseFromString(s.ColumnBlob(0))) {
        return absl::DataLossError(
            absl::StrCat("observation \"", s.ColumnText(1), "\" is stored corrupt"));
      }
      out.push_back(std::move(o));
    }
    if (!s.Succeeded()) return s.status();
    return out;
  }

  absl::Status Insert(const Observation& o) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    if (auto s = InsertLocked(o, ""); !s.ok()) return s;
    return tx.Commit();
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Observation>& observations) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    auto outcome = SqlitePluginState(db_.get()).Sync(
        plugin, version, fingerprint, observations,
        [&](const std::string& p) { return DeletePluginObservationsLocked(p); },
        [&](const Observation& o) { return InsertLocked(o, plugin); });
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
        keep, [&](const std::string& p) { return DeletePluginObservationsLocked(p); });
    if (!removed.ok()) return removed.status();
    if (auto s = tx.Commit(); !s.ok()) return s;
    return removed;
  }

  // Caller holds mu_ and a write transaction.
  absl::Status DeletePluginObservationsLocked(const std::string& plugin) {
    auto st = db_->GetCachedStatement(kDeletePluginObservationsSql);
    if (!st.ok()) return st.status();
    return (*st)->BindText(1, plugin).Run();
  }

  absl::Status Migrate() { return sql::Migrate(db_.get(), kMigrations, kCompatibleVersion); }

  absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedObservation>& observations) override {
    std::vector<ImportOutcome> outcomes;
    outcomes.reserve(observations.size());
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    std::string body;
    for (const ImportedObservation& in : observations) {
      int64_t old_id = -1;
      {
        auto st = db_->GetCachedStatement(kFindImportedSql);
        if (!st.ok()) return st.status();
        sql::ScopedReset reset(*st);
        (*st)->BindText(1, in.dataset).BindText(2, in.upstream_id);
        const bool row = (*st)->Step();
        if (!(*st)->Succeeded()) return (*st)->status();
        if (row) {
          body.clear();
          in.observation.SerializeToString(&body);
          if ((*st)->ColumnBlob(1) == body) {
            outcomes.push_back(ImportOutcome::kUnchanged);
            continue;
          }
          old_id = (*st)->ColumnInt64(0);
        }
      }
      if (old_id >= 0) {  // a corrected row replaces its record (cascade)
        auto st = db_->GetCachedStatement(kDeleteObservationSql);
        if (!st.ok()) return st.status();
        (*st)->BindInt64(1, old_id);
        if (auto s = (*st)->Run(); !s.ok()) return s;
      }
      absl::Status s = InsertLocked(in.observation, "", in.dataset, in.upstream_id);
      if (absl::IsAlreadyExists(s) && old_id < 0) {
        outcomes.push_back(ImportOutcome::kNameTaken);
        continue;
      }
      if (!s.ok()) return s;
      outcomes.push_back(old_id >= 0 ? ImportOutcome::kUpdated : ImportOutcome::kCreated);
    }
    if (auto s = tx.Commit(); !s.ok()) return s;
    return outcomes;
  }

 private:
  // Caller holds mu_ and a transaction.
  absl::Status InsertLocked(const Observation& o, const std::string& plugin,
                            const std::string& dataset = "", const std::string& upstream_id = "") {
    const auto& date = PlacingDate(o);
    const bool dated = date.year() > 0;
    const int64_t first = dated ? FirstDay(date) : kMinDay;
    const int64_t last = dated ? LastDay(date) : kMaxDay;
    const int64_t key = ObservationSortKey(o);
    auto st = db_->GetCachedStatement(kInsertSql);
    if (!st.ok()) return st.status();
    (*st)->BindInt64(10, o.origin() != 0 ? o.origin() : dyad::type::v1::ORIGIN_CURATED)
        .BindText(11, o.commodity());
    if (dataset.empty()) {
      (*st)->BindNull(12).BindNull(13);
    } else {
      (*st)->BindText(12, dataset).BindText(13, upstream_id);
    }
    (*st)->BindText(1, o.name())
        .BindText(2, o.indicator())
        .BindText(3, o.reporter())
        .BindText(4, o.partner())
        .BindInt64(5, key)
        .BindInt64(6, first)
        .BindInt64(7, last)
        .BindText(8, plugin)
        .BindBlob(9, o.SerializeAsString());
    if (auto s = (*st)->Run(); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return absl::AlreadyExistsError(
            absl::StrCat("observation \"", o.name(), "\" already exists"));
      }
      return s;
    }
    const int64_t id = db_->LastInsertRowId();
    for (const std::string* c : {&o.reporter(), &o.partner()}) {
      if (c->empty()) continue;
      auto cs = db_->GetCachedStatement(kInsertCountrySql);
      if (!cs.ok()) return cs.status();
      (*cs)->BindText(1, *c).BindText(2, o.indicator()).BindInt64(3, key).BindText(4, o.name())
          .BindInt64(5, id);
      if (auto s = (*cs)->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::timed_mutex mu_;  // waited for until the call's deadline (call_limits.h)
  std::unique_ptr<sql::Database> db_;
};

}  // namespace

int64_t ObservationSortKey(const Observation& o) {
  if (o.period().year() > 0) return SortKey(o.period());
  return kToDateBase + (o.as_of().year() > 0 ? SortKey(o.as_of()) : 0);
}

absl::StatusOr<std::unique_ptr<ObservationStore>> OpenSqliteObservationStore(
    const std::string& path) {
  auto db = sql::Database::Open(path);
  if (!db.ok()) return db.status();
  auto store = std::make_unique<SqliteObservationStore>(std::move(*db));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::economics
