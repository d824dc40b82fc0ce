// EventStore on SQLite. One connection guarded by a mutex; WAL and
// synchronous=FULL make every acknowledged write durable.
//
// Layout: `events` holds each event's serialized proto plus the columns the
// filters need; `event_countries` is the dyad index (country, sort_key, name)
// that ListEvents walks in order, so a page costs an index range scan, not a
// scan of the table; `events_fts` is an FTS5 index over title and summary.
#include <iterator>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/database.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"
#include "event_store.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

constexpr sql::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  domain TEXT NOT NULL,
  start_day INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  span_days INTEGER NOT NULL,
  sort_key INTEGER NOT NULL,
  plugin TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX events_by_time ON events (sort_key, name);
CREATE INDEX events_by_plugin ON events (plugin);
CREATE INDEX events_by_span ON events (span_days);
CREATE TABLE event_countries (
  country TEXT NOT NULL,
  sort_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  PRIMARY KEY (country, sort_key, name)
) WITHOUT ROWID;
CREATE INDEX event_countries_by_event ON event_countries (event_id);
CREATE VIRTUAL TABLE events_fts USING fts5 (
  title, summary, content = 'events', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
  INSERT INTO events_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, title, summary)
  VALUES ('delete', old.id, old.title, old.summary);
END;
CREATE TABLE plugin_state (
  plugin TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
    // The dyad index: one row per unordered pair of countries taking part
    // (country_a < country_b), so a two-country query is one range scan over
    // exactly that dyad's events, whatever the size of the table.
    {2, R"sql(
CREATE TABLE event_pairs (
  country_a TEXT NOT NULL,
  country_b TEXT NOT NULL,
  sort_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  PRIMARY KEY (country_a, country_b, sort_key, name)
) WITHOUT ROWID;
CREATE INDEX event_pairs_by_event ON event_pairs (event_id);
INSERT OR IGNORE INTO event_pairs (country_a, country_b, sort_key, name, event_id)
  SELECT a.country, b.country, a.sort_key, a.name, a.event_id
  FROM event_countries a JOIN event_countries b
    ON a.event_id = b.event_id AND a.country < b.country;
)sql"},
    // The dyad index also holds each event's last day, so counting a dyad's
    // events in a period reads the index alone.
    {3, R"sql(
ALTER TABLE event_pairs ADD COLUMN end_day INTEGER NOT NULL DEFAULT 0;
UPDATE event_pairs SET end_day = (SELECT e.end_day FROM events e WHERE e.id = event_pairs.event_id);
)sql"},
    // Machine-coded records (GDELT, ICEWS): their dataset row, idempotent
    // by (dataset, upstream_id), and the coded measures as columns.
    // `event_facts` is what CountEvents reads: per event one row for each
    // country (country_b = '') and one for each pair of countries
    // (country_a < country_b), keyed by the start day and carrying every
    // value a count needs, so a dyad's counts over a period are one range
    // scan of exactly that dyad's rows whatever the size of the table.
    // Existing events get their facts rows at open (event_facts_pending).
    {4, R"sql(
ALTER TABLE events ADD COLUMN origin INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN dataset TEXT;
ALTER TABLE events ADD COLUMN upstream_id TEXT;
ALTER TABLE events ADD COLUMN source_country TEXT;
ALTER TABLE events ADD COLUMN target_country TEXT;
ALTER TABLE events ADD COLUMN quad_class INTEGER;
ALTER TABLE events ADD COLUMN goldstein REAL;
ALTER TABLE events ADD COLUMN avg_tone REAL;
ALTER TABLE events ADD COLUMN cameo_code TEXT;
CREATE UNIQUE INDEX events_by_upstream ON events (dataset, upstream_id) WHERE dataset IS NOT NULL;
CREATE INDEX events_by_origin ON events (origin, sort_key);
CREATE TABLE event_facts (
  country_a TEXT NOT NULL,
  country_b TEXT NOT NULL,
  first_day INTEGER NOT NULL,
  event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  date_last_day INTEGER NOT NULL,
  ym INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  origin INTEGER NOT NULL,
  kind TEXT NOT NULL,
  quad_class INTEGER NOT NULL,
  goldstein REAL,
  avg_tone REAL,
  PRIMARY KEY (country_a, country_b, first_day, event_id)
) WITHOUT ROWID;
CREATE INDEX event_facts_by_event ON event_facts (event_id);
CREATE TABLE event_facts_pending (event_id INTEGER PRIMARY KEY);
INSERT INTO event_facts_pending (event_id) SELECT id FROM events;
)sql"},
};
constexpr int kCompatibleVersion = 1;

constexpr char kGetSql[] = "SELECT body FROM events WHERE name = ?";
constexpr char kCacheSizeSql[] = "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY";
constexpr char kInsertSql[] =
    "INSERT INTO events (name, kind, domain, start_day, end_day, span_days, sort_key, plugin, "
    "title, summary, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertCountrySql[] =
    "INSERT OR IGNORE INTO event_countries (country, sort_key, name, event_id) VALUES (?, ?, ?, ?)";
constexpr char kInsertPairSql[] =
    "INSERT OR IGNORE INTO event_pairs (country_a, country_b, sort_key, name, event_id, end_day) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kMaxSpanSql[] = "SELECT COALESCE(MAX(span_days), 0) FROM events";
constexpr char kGetPluginStateSql[] =
    "SELECT version, fingerprint FROM plugin_state WHERE plugin = ?";
constexpr char kPutPluginStateSql[] =
    "INSERT INTO plugin_state (plugin, version, fingerprint) VALUES (?, ?, ?) "
    "ON CONFLICT (plugin) DO UPDATE SET version = excluded.version, "
    "fingerprint = excluded.fingerprint";
constexpr char kDeletePluginEventsSql[] = "DELETE FROM events WHERE plugin = ?";
constexpr char kDeletePluginStateSql[] = "DELETE FROM plugin_state WHERE plugin = ?";
constexpr char kListPluginsSql[] = "SELECT plugin FROM plugin_state ORDER BY plugin";
constexpr char kInsertImportedSql[] =
    "INSERT INTO events (name, kind, domain, start_day, end_day, span_days, sort_key, plugin, "
    "title, summary, body, origin, dataset, upstream_id, source_country, target_country, "
    "quad_class, goldstein, avg_tone, cameo_code) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kFindImportedSql[] =
    "SELECT id, body FROM events WHERE dataset = ? AND upstream_id = ?";
constexpr char kDeleteEventSql[] = "DELETE FROM events WHERE id = ?";
constexpr char kInsertFactSql[] =
    "INSERT OR IGNORE INTO event_facts (country_a, country_b, first_day, event_id, date_last_day, "
    "ym, direction, origin, kind, quad_class, goldstein, avg_tone) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kPendingFactsSql[] =
    "SELECT e.id, e.body FROM event_facts_pending p JOIN events e ON e.id = p.event_id "
    "ORDER BY p.event_id";
constexpr char kClearPendingFactsSql[] = "DELETE FROM event_facts_pending";
// CountEvents: ?1 country_a, ?2 country_b ('' for one country), ?3..?4 the
// start-day range, ?5 the latest last day of the date, ?6 direction (0 any),
// ?7 origin (0 any).
constexpr char kCountFactsSql[] =
    "SELECT f.ym, f.kind, f.quad_class, COUNT(*), SUM(f.goldstein), COUNT(f.goldstein),"
    " SUM(f.avg_tone), COUNT(f.avg_tone) FROM event_facts f"
    " WHERE f.country_a = ?1 AND f.country_b = ?2 AND f.first_day >= ?3 AND f.first_day <= ?4"
    " AND f.date_last_day <= ?5 AND (?6 = 0 OR f.direction = ?6) AND (?7 = 0 OR f.origin = ?7)"
    " GROUP BY f.ym, f.kind, f.quad_class ORDER BY f.ym, f.kind, f.quad_class";

// The filters shared by the list and count statements. Parameters:
//   ?1 period upper bound on sort_key   ?2 period lower bound on sort_key
//   ?3 period first day (end_day >= ?3) ?4 number of countries (0: none)
//   ?5 countries JSON array             ?6 kind ids JSON array or NULL
//   ?7 domains JSON array or NULL       ?8 FTS5 query or NULL
// The IN lists do not depend on the row, so sqlite reads each JSON array
// once into a temporary index rather than once per row.
#define DYAD_EVENT_FILTERS                                                                   \
  " AND e.end_day >= ?3"                                                                     \
  " AND (?4 <= 1 OR (SELECT COUNT(DISTINCT c.country) FROM event_countries c"                \
  "      WHERE c.event_id = e.id AND c.country IN (SELECT value FROM json_each(?5))) = ?4)"  \
  " AND (?6 IS NULL OR e.kind IN (SELECT value FROM json_each(?6)))"                        \
  " AND (?7 IS NULL OR e.domain IN (SELECT value FROM json_each(?7)))"                       \
  " AND (?8 IS NULL OR e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?8))"  \
  " AND (?14 = 0 OR e.origin = ?14)"

// Driven by the first country's slice of the dyad index. ?9 = that country,
// (?10, ?11) = cursor, ?12 = limit.
constexpr char kListByCountrySql[] =
    "SELECT e.body, ec.sort_key, ec.name FROM event_countries ec"
    " JOIN events e ON e.id = ec.event_id"
    " WHERE ec.country = ?9 AND ec.sort_key <= ?1 AND ec.sort_key >= ?2"
    " AND (ec.sort_key, ec.name) > (?10, ?11)" DYAD_EVENT_FILTERS
    " ORDER BY ec.sort_key, ec.name LIMIT ?12";
constexpr char kCountByCountrySql[] =
    "SELECT COUNT(*) FROM event_countries ec JOIN events e ON e.id = ec.event_id"
    " WHERE ec.country = ?9 AND ec.sort_key <= ?1 AND ec.sort_key >= ?2" DYAD_EVENT_FILTERS;
// Driven by the dyad index when two or more countries are given: ?9 and ?13
// are the two smallest codes.
constexpr char kListByPairSql[] =
    "SELECT e.body, ep.sort_key, ep.name FROM event_pairs ep"
    " JOIN events e ON e.id = ep.event_id"
    " WHERE ep.country_a = ?9 AND ep.country_b = ?13 AND ep.sort_key <= ?1 AND ep.sort_key >= ?2"
    " AND ep.end_day >= ?3"
    " AND (ep.sort_key, ep.name) > (?10, ?11)" DYAD_EVENT_FILTERS
    " ORDER BY ep.sort_key, ep.name LIMIT ?12";
// The dyad and period alone (no kind, domain, text or third country): the
// index answers the count without touching the events table.
constexpr char kCountByPairOnlySql[] =
    "SELECT COUNT(*) FROM event_pairs ep"
    " WHERE ep.country_a = ?9 AND ep.country_b = ?13 AND ep.sort_key <= ?1 AND ep.sort_key >= ?2"
    " AND ep.end_day >= ?3 AND ?4 IS NOT NULL AND ?5 IS NOT NULL AND ?6 IS NULL AND ?7 IS NULL"
    " AND ?8 IS NULL AND ?14 = 0";
constexpr char kCountByPairSql[] =
    "SELECT COUNT(*) FROM event_pairs ep JOIN events e ON e.id = ep.event_id"
    " WHERE ep.country_a = ?9 AND ep.country_b = ?13 AND ep.sort_key <= ?1 AND ep.sort_key >= ?2"
    DYAD_EVENT_FILTERS;
// Driven by the time index when no country is given.
constexpr char kListAllSql[] =
    "SELECT e.body, e.sort_key, e.name FROM events e"
    " WHERE e.sort_key <= ?1 AND e.sort_key >= ?2"
    " AND (e.sort_key, e.name) > (?10, ?11)" DYAD_EVENT_FILTERS
    " ORDER BY e.sort_key, e.name LIMIT ?12";
constexpr char kCountAllSql[] =
    "SELECT COUNT(*) FROM events e WHERE e.sort_key <= ?1 AND e.sort_key >= ?2"
    DYAD_EVENT_FILTERS;
#undef DYAD_EVENT_FILTERS

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
  out += ']';
  return out;
}

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  absl::StatusOr<Event> Get(const std::string& name) override {
    auto bytes = GetSerialized(name);
    if (!bytes.ok()) return bytes.status();
    Event e;
    if (!e.ParseFromString(*bytes)) {
      return absl::DataLossError(absl::StrCat("event \"", name, "\" is stored corrupt"));
    }
    return e;
  }

  absl::StatusOr<std::string> GetSerialized(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto st = db_->GetCachedStatement(kGetSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
    return (*st)->ColumnBlob(0);
  }

  absl::StatusOr<EventPage> List(const EventQuery& q) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto span = MaxSpan();
    if (!span.ok()) return span.status();
    // q.countries is sorted and distinct (EventCore normalises it).
    const bool by_pair = q.countries.size() >= 2;
    const bool by_country = q.countries.size() == 1;
    EventPage page;
    for (int pass = 0; pass < 2; ++pass) {
      const bool count = pass == 1;
      const bool pair_only = by_pair && q.countries.size() == 2 && q.kinds.empty() &&
                             q.domains.empty() && q.fts_query.empty() && q.origin == 0;
      const char* sql = pair_only    ? (count ? kCountByPairOnlySql : kListByPairSql)
                        : by_pair    ? (count ? kCountByPairSql : kListByPairSql)
                        : by_country ? (count ? kCountByCountrySql : kListByCountrySql)
                                     : (count ? kCountAllSql : kListAllSql);
      auto st = db_->GetCachedStatement(sql);
      if (!st.ok()) return st.status();
      sql::Statement& s = **st;
      sql::ScopedReset reset(&s);
      // Sort keys are day*4 + precision; an event overlapping the period
      // starts at most `span` days before it.
      s.BindInt64(1, q.period.last == kMaxDay ? INT64_MAX : q.period.last * 4 + 3);
      s.BindInt64(2, q.period.first == kMinDay ? INT64_MIN : (q.period.first - *span) * 4);
      s.BindInt64(3, q.period.first == kMinDay ? INT64_MIN : q.period.first);
      // The pair index already holds exactly the dyad; only a third (or
      // later) country needs the per-row check.
      s.BindInt64(4, q.countries.size() > 2 ? static_cast<int64_t>(q.countries.size()) : 0);
      s.BindText(5, JsonArray(q.countries));
      if (q.kinds.empty()) s.BindNull(6); else s.BindText(6, JsonArray(q.kinds));
      if (q.domains.empty()) s.BindNull(7); else s.BindText(7, JsonArray(q.domains));
      if (q.fts_query.empty()) s.BindNull(8); else s.BindText(8, q.fts_query);
      if (by_country || by_pair) s.BindText(9, q.countries[0]);
      if (by_pair) s.BindText(13, q.countries[1]);
      s.BindInt64(14, q.origin);
      if (count) {
        auto row = s.Step();
        if (!row.ok()) return row.status();
        page.total_size = *row ? s.ColumnInt64(0) : 0;
        continue;
      }
      s.BindInt64(10, q.after ? q.after->sort_key : INT64_MIN);
      s.BindText(11, q.after ? q.after->name : "");
      s.BindInt64(12, q.limit + 1);  // one extra row tells whether more follow
      for (;;) {
        auto row = s.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        if (static_cast<int>(page.events.size()) == q.limit) {
          const Event& last = page.events.back();
          page.next = PageCursor{0, SortKey(last.date()), last.name()};
          break;
        }
        Event e;
        if (!e.ParseFromString(s.ColumnBlob(0))) {
          return absl::DataLossError(absl::StrCat("event \"", s.ColumnText(2), "\" is stored corrupt"));
        }
        page.events.push_back(std::move(e));
      }
    }
    return page;
  }

  absl::Status Insert(const Event& e) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    if (auto s = InsertLocked(e, ""); !s.ok()) return s;
    return tx.Commit();
  }

  absl::Status InsertBatch(const std::vector<Event>& events) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    for (const Event& e : events) {
      if (auto s = InsertLocked(e, ""); !s.ok()) return s;
    }
    return tx.Commit();
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Event>& events) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
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
    {
      auto st = db_->GetCachedStatement(kDeletePluginEventsSql);
      if (!st.ok()) return st.status();
      (*st)->BindText(1, plugin);
      if (auto s = (*st)->Run(); !s.ok()) return s;
    }
    for (const Event& e : events) {
      if (auto s = InsertLocked(e, plugin); !s.ok()) {
        if (absl::IsAlreadyExists(s)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "plugin ", plugin, ": ", e.name(), " is already taken by a record written "
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
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    std::vector<std::string> stored;
    {
      auto st = db_->GetCachedStatement(kListPluginsSql);
      if (!st.ok()) return st.status();
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
      for (const char* sql : {kDeletePluginEventsSql, kDeletePluginStateSql}) {
        auto st = db_->GetCachedStatement(sql);
        if (!st.ok()) return st.status();
        (*st)->BindText(1, p);
        if (auto s = (*st)->Run(); !s.ok()) return s;
      }
      removed.push_back(p);
    }
    if (auto s = tx.Commit(); !s.ok()) return s;
    return removed;
  }

  absl::Status Migrate() {
    if (auto s = sql::Migrate(db_.get(), kMigrations, kCompatibleVersion); !s.ok()) return s;
    return BackfillFacts();
  }

  // Defined in event_import_store.inc.
  absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedEvent>& events) override;
  absl::StatusOr<std::vector<CountRow>> Count(const CountQuery& q) override;

 private:
  absl::StatusOr<int64_t> MaxSpan() {
    auto st = db_->GetCachedStatement(kMaxSpanSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    auto row = (*st)->Step();
    if (!row.ok()) return row.status();
    return *row ? (*st)->ColumnInt64(0) : 0;
  }

  // Caller holds mu_ and a transaction.
  absl::Status InsertLocked(const Event& e, const std::string& plugin,
                            const std::string& dataset = "", const std::string& upstream_id = "") {
    const int64_t first = FirstDay(e.date());
    const int64_t last = e.end_date().year() > 0 ? LastDay(e.end_date()) : LastDay(e.date());
    const int64_t key = SortKey(e.date());
    const bool imported = !dataset.empty();
    auto st = db_->GetCachedStatement(imported ? kInsertImportedSql : kInsertSql);
    if (!st.ok()) return st.status();
    if (imported) BindCoded(**st, e, dataset, upstream_id);
    (*st)->BindText(1, e.name())
        .BindText(2, e.kind())
        .BindText(3, e.domain())
        .BindInt64(4, first)
        .BindInt64(5, last)
        .BindInt64(6, last - first)
        .BindInt64(7, key)
        .BindText(8, plugin)
        .BindText(9, e.title())
        .BindText(10, e.summary())
        .BindBlob(11, e.SerializeAsString());
    if (auto s = (*st)->Run(); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return absl::AlreadyExistsError(absl::StrCat("event \"", e.name(), "\" already exists"));
      }
      return s;
    }
    const int64_t id = db_->LastInsertRowId();
    std::set<std::string> countries(e.countries().begin(), e.countries().end());
    for (const auto& c : countries) {
      auto cs = db_->GetCachedStatement(kInsertCountrySql);
      if (!cs.ok()) return cs.status();
      (*cs)->BindText(1, c).BindInt64(2, key).BindText(3, e.name()).BindInt64(4, id);
      if (auto s = (*cs)->Run(); !s.ok()) return s;
    }
    for (auto a = countries.begin(); a != countries.end(); ++a) {
      for (auto b = std::next(a); b != countries.end(); ++b) {
        auto ps = db_->GetCachedStatement(kInsertPairSql);
        if (!ps.ok()) return ps.status();
        (*ps)->BindText(1, *a).BindText(2, *b).BindInt64(3, key).BindText(4, e.name()).BindInt64(5, id)
            .BindInt64(6, last);
        if (auto s = (*ps)->Run(); !s.ok()) return s;
      }
    }
    return InsertFactsLocked(e, id);
  }

  absl::Status InsertFactsLocked(const Event& e, int64_t id);
  absl::Status BackfillFacts();
  static void BindCoded(sql::Statement& st, const Event& e, const std::string& dataset,
                        const std::string& upstream_id);

  std::timed_mutex mu_;  // waited for until the call's deadline (call_limits.h)
  std::unique_ptr<sql::Database> db_;
};

#include "event_import_store.inc"

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path) {
  auto db = sql::Database::Open(path);
  if (!db.ok()) return db.status();
  // Bulk imports insert into a dozen b-trees at positions spread over each
  // (by country, dyad, day): a page cache of 64 MiB (a bound, not a
  // reservation) keeps their upper levels and recent leaves in memory. An
  // insert that fires the FTS trigger keeps a statement journal (to undo
  // that statement alone); in memory it costs no pwrite per row.
  if (auto s = (*db)->Execute(kCacheSizeSql); !s.ok()) return s;
  auto store = std::make_unique<SqliteEventStore>(std::move(*db));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::events
