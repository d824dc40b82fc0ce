// EventStore on SQLite. One connection guarded by a mutex; WAL and
// synchronous=FULL make every acknowledged write durable. Imports commit
// each message with synchronous=NORMAL (atomic, and safe from a crash of
// the process) and are made durable by Flush() at the end of the stream;
// checkpoints run on a thread of their own (checkpointer.h).
//
// Layout (schema version 5):
//   `events`             one row per event: its serialized proto (the
//                        answer to GetEvent and ListEvents) and the columns
//                        the filters need; indexed by name and by time.
//   `event_dyads`        the dyad index: per event one row for each country
//                        (country_b = '') and one for each pair of countries
//                        (country_a < country_b), in (sort_key, name) order,
//                        carrying what a count needs (kind, origin,
//                        direction, QuadClass, Goldstein, tone). ListEvents
//                        pages through it and CountEvents reads it, so a
//                        dyad's events are one range scan.
//   `event_month_counts` the same rows summed per (dyad, month, origin,
//                        direction): totals over whole months cost a row per
//                        month, whatever the number of events in it.
//   `events_fts`         FTS5 over title and summary, contentless (the text
//                        is in the proto already).
// Rows of the last three are written and deleted by this code (no triggers
// or foreign keys, whose per-row lookups dominated bulk imports); the
// event's proto says which rows it has.
#include <algorithm>
#include <iterator>
#include <string_view>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/sqlite/call_limits.h"
#include "common/sqlite/checkpointer.h"
#include "common/sqlite/database.h"
#include "common/sqlite/migrations.h"
#include "common/sqlite/statement.h"
#include "common/sqlite/transaction.h"
#include "event_changes.h"
#include "event_rows.h"
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
    // Version 5, for bulk imports: one dyad table instead of three
    // (event_countries, event_pairs, event_facts, each with an index by
    // event), monthly totals for counts, a contentless full-text index, and
    // `events` without the copies of what its proto holds (title, summary,
    // coded measures) or indexes no query uses. event_index_pending lists
    // the events whose dyad, count and text rows are rebuilt from their
    // proto at open (IndexPendingEvents). Countries in the two new tables
    // are integers (CountryKey: cheaper to compare in every seek).
    {5, R"sql(
DROP TRIGGER events_fts_insert;
DROP TRIGGER events_fts_delete;
DROP TABLE events_fts;
DROP TABLE event_facts_pending;
DROP TABLE event_facts;
DROP TABLE event_pairs;
DROP TABLE event_countries;
CREATE TABLE events_v5 (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  sort_key INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  span_days INTEGER NOT NULL,
  origin INTEGER NOT NULL,
  kind TEXT NOT NULL,
  domain TEXT NOT NULL,
  plugin TEXT NOT NULL,
  body BLOB NOT NULL
);
INSERT INTO events_v5 (id, name, sort_key, end_day, span_days, origin, kind, domain, plugin, body)
  SELECT id, name, sort_key, end_day, span_days, origin, kind, domain, plugin, body FROM events;
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
CREATE INDEX events_by_time ON events (sort_key, name);
CREATE INDEX events_by_plugin ON events (plugin) WHERE plugin <> '';
CREATE INDEX events_by_span ON events (span_days) WHERE span_days > 0;
CREATE TABLE event_dyads (
  country_a INTEGER NOT NULL,
  country_b INTEGER NOT NULL,
  sort_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  end_day INTEGER NOT NULL,
  origin INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  quad_class INTEGER NOT NULL,
  kind TEXT NOT NULL,
  goldstein REAL,
  avg_tone REAL,
  PRIMARY KEY (country_a, country_b, sort_key, name)
) WITHOUT ROWID;
CREATE TABLE event_month_counts (
  country_a INTEGER NOT NULL,
  country_b INTEGER NOT NULL,
  ym INTEGER NOT NULL,
  origin INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  events INTEGER NOT NULL,
  goldstein_sum REAL NOT NULL,
  goldstein_count INTEGER NOT NULL,
  tone_sum REAL NOT NULL,
  tone_count INTEGER NOT NULL,
  PRIMARY KEY (country_a, country_b, ym, origin, direction)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE events_fts USING fts5 (
  title, summary, content = '', columnsize = 0,
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE event_index_pending (event_id INTEGER PRIMARY KEY);
INSERT INTO event_index_pending (event_id) SELECT id FROM events;
)sql"},
    // Version 6, releases and the change log (docs/releases.md): every
    // write appends its changes in commit order (seq), each with the
    // record's earlier bytes, and a release row. Records stored before this
    // version have no history: release "r0" (seq 0) is the state at
    // migration, answerable as_of like any other.
    {6, R"sql(
CREATE TABLE event_changes (
  seq INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  prev_body BLOB,
  commit_time INTEGER NOT NULL
);
CREATE INDEX event_changes_by_name ON event_changes (name, seq);
CREATE TABLE event_releases (
  no INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  seq INTEGER NOT NULL,
  plugins TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
INSERT INTO event_releases (no, id, seq, plugins, create_time)
  VALUES (0, 'r0', 0, '', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
CREATE TABLE event_history_floor (
  one_row INTEGER PRIMARY KEY CHECK (one_row = 1),
  seq INTEGER NOT NULL
);
INSERT INTO event_history_floor (one_row, seq) VALUES (1, 0);
)sql"},
};
// Code before version 6 would write without logging its changes.
constexpr int kCompatibleVersion = 6;

constexpr char kLatestReleaseSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases ORDER BY no DESC LIMIT 1";
constexpr char kFindReleaseSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases WHERE id = ?";
constexpr char kListReleasesSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases WHERE no < ? "
    "ORDER BY no DESC LIMIT ?";
constexpr char kInsertReleaseSql[] =
    "INSERT INTO event_releases (no, id, seq, plugins, create_time) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING";
constexpr char kPluginVersionsSql[] = "SELECT plugin, version FROM plugin_state ORDER BY plugin";
constexpr char kInsertChangeSql[] =
    "INSERT INTO event_changes (seq, name, kind, prev_body, commit_time) VALUES (?, ?, ?, ?, ?)";
constexpr char kHistoryFloorSql[] = "SELECT seq FROM event_history_floor";
constexpr char kSetHistoryFloorSql[] =
    "UPDATE event_history_floor SET seq = MAX(seq, ?1)";
constexpr char kPruneChangesSql[] = "DELETE FROM event_changes WHERE seq <= ?";
// A change's record after it: the earlier bytes kept by the next change of
// the same record, or the record as stored now.
constexpr char kListChangesSql[] =
    "SELECT c.seq, c.kind, c.name, c.prev_body, c.commit_time, CASE WHEN c.kind = 3 THEN NULL "
    "ELSE COALESCE((SELECT n.prev_body FROM event_changes n WHERE n.name = c.name "
    "AND n.seq > c.seq ORDER BY n.seq LIMIT 1), (SELECT e.body FROM events e "
    "WHERE e.name = c.name)) END FROM event_changes c WHERE c.seq > ? ORDER BY c.seq LIMIT ?";
// The first change of `name` after a position: its earlier bytes are the
// record as of that position.
constexpr char kFirstChangeAfterSql[] =
    "SELECT kind, prev_body FROM event_changes WHERE name = ? AND seq > ? ORDER BY seq LIMIT 1";
// Every record changed after ?1: its first change after it, and its bytes now.
constexpr char kChangedSinceSql[] =
    "SELECT c.name, c.kind, c.prev_body, e.body FROM event_changes c "
    "LEFT JOIN events e ON e.name = c.name WHERE c.seq > ?1 AND NOT EXISTS "
    "(SELECT 1 FROM event_changes p WHERE p.name = c.name AND p.seq > ?1 AND p.seq < c.seq) "
    "ORDER BY c.seq LIMIT ?2";

constexpr char kCacheSizeSql[] = "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY";
constexpr char kSyncNormalSql[] = "PRAGMA synchronous = NORMAL";
constexpr char kSyncFullSql[] = "PRAGMA synchronous = FULL";
constexpr char kGetSql[] = "SELECT body FROM events WHERE name = ?";
constexpr char kFindSql[] = "SELECT id, body FROM events WHERE name = ?";
constexpr char kInsertSql[] =
    "INSERT INTO events (name, sort_key, end_day, span_days, origin, kind, domain, plugin, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
// Imports try the insert first: a new name (the common case) costs no
// separate lookup.
constexpr char kInsertIfAbsentSql[] =
    "INSERT INTO events (name, sort_key, end_day, span_days, origin, kind, domain, plugin, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING";
constexpr char kDeleteEventSql[] = "DELETE FROM events WHERE id = ?";
constexpr char kInsertTextSql[] = "INSERT INTO events_fts (rowid, title, summary) VALUES (?, ?, ?)";
// A contentless FTS5 table forgets a row given the text it was indexed with.
constexpr char kDeleteTextSql[] =
    "INSERT INTO events_fts (events_fts, rowid, title, summary) VALUES ('delete', ?, ?, ?)";
constexpr char kInsertDyadSql[] =
    "INSERT INTO event_dyads (country_a, country_b, sort_key, name, event_id, end_day, origin, "
    "direction, quad_class, kind, goldstein, avg_tone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kDeleteDyadSql[] =
    "DELETE FROM event_dyads WHERE country_a = ? AND country_b = ? AND sort_key = ? AND name = ?";
constexpr char kAddMonthCountSql[] =
    "INSERT INTO event_month_counts (country_a, country_b, ym, origin, direction, events, "
    "goldstein_sum, goldstein_count, tone_sum, tone_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (country_a, country_b, ym, origin, direction) DO UPDATE SET "
    "events = events + excluded.events, goldstein_sum = goldstein_sum + excluded.goldstein_sum, "
    "goldstein_count = goldstein_count + excluded.goldstein_count, "
    "tone_sum = tone_sum + excluded.tone_sum, tone_count = tone_count + excluded.tone_count";
constexpr char kDropEmptyMonthSql[] =
    "DELETE FROM event_month_counts WHERE country_a = ? AND country_b = ? AND ym = ? "
    "AND origin = ? AND direction = ? AND events <= 0";
// The partial index (span_days > 0) answers MAX at once.
constexpr char kMaxSpanSql[] = "SELECT COALESCE(MAX(span_days), 0) FROM events WHERE span_days > 0";
// `plugin <> ''` lets the partial index events_by_plugin serve it.
constexpr char kPluginEventsSql[] = "SELECT id, body FROM events WHERE plugin = ?1 AND plugin <> ''";
constexpr char kPendingSql[] =
    "SELECT e.id, e.body FROM event_index_pending p JOIN events e ON e.id = p.event_id";
constexpr char kClearPendingSql[] = "DELETE FROM event_index_pending";
// CountEvents, event by event: ?1 ?2 the dyad (0 for one country), ?3..?4
// the sort-key range, ?5 direction (0 any), ?6 origin (0 any).
constexpr char kScanDyadSql[] =
    "SELECT sort_key, kind, quad_class, goldstein, avg_tone FROM event_dyads"
    " WHERE country_a = ?1 AND country_b = ?2 AND sort_key >= ?3 AND sort_key <= ?4"
    " AND (?5 = 0 OR direction = ?5) AND (?6 = 0 OR origin = ?6)";
// ... and by whole months: ?3..?4 the ym range.
constexpr char kMonthCountsSql[] =
    "SELECT ym, SUM(events), SUM(goldstein_sum), SUM(goldstein_count), SUM(tone_sum),"
    " SUM(tone_count) FROM event_month_counts"
    " WHERE country_a = ?1 AND country_b = ?2 AND ym >= ?3 AND ym <= ?4"
    " AND (?5 = 0 OR direction = ?5) AND (?6 = 0 OR origin = ?6) GROUP BY ym";
// ListEvents' total for a dyad alone, row by row over part of the period:
// ?3..?4 the sort-key range, ?5 the earliest last day, ?6 origin.
constexpr char kCountDyadRangeSql[] =
    "SELECT COUNT(*) FROM event_dyads WHERE country_a = ?1 AND country_b = ?2"
    " AND sort_key >= ?3 AND sort_key <= ?4 AND end_day >= ?5 AND (?6 = 0 OR origin = ?6)";

// The filters shared by the list and count statements. Parameters:
//   ?1 period upper bound on sort_key   ?2 period lower bound on sort_key
//   ?3 period first day (end_day >= ?3) ?4 number of countries (0: none)
//   ?5 country keys JSON array          ?6 kind ids JSON array or NULL
//   ?7 domains JSON array or NULL       ?8 FTS5 query or NULL
//   ?14 origin (0 any)
// The IN lists do not depend on the row, so sqlite reads each JSON array
// once into a temporary index rather than once per row. A third country is
// checked by looking the event up in that country's slice of the dyad index.
#define DYAD_EVENT_FILTERS                                                                   \
  " AND e.end_day >= ?3"                                                                     \
  " AND (?4 <= 1 OR (SELECT COUNT(*) FROM json_each(?5) j JOIN event_dyads c"                \
  "      ON c.country_a = j.value AND c.country_b = 0 AND c.sort_key = e.sort_key"           \
  "      AND c.name = e.name) = ?4)"                                                         \
  " AND (?6 IS NULL OR e.kind IN (SELECT value FROM json_each(?6)))"                        \
  " AND (?7 IS NULL OR e.domain IN (SELECT value FROM json_each(?7)))"                       \
  " AND (?8 IS NULL OR e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?8))"  \
  " AND (?14 = 0 OR e.origin = ?14)"

// Driven by the dyad index when countries are given: ?9 and ?13 are the
// keys of the two smallest codes (?13 = 0 for one country). (?10, ?11) =
// cursor, ?12 = limit.
constexpr char kListByDyadSql[] =
    "SELECT e.body, d.sort_key, d.name FROM event_dyads d"
    " JOIN events e ON e.id = d.event_id"
    " WHERE d.country_a = ?9 AND d.country_b = ?13 AND d.sort_key <= ?1 AND d.sort_key >= ?2"
    " AND d.end_day >= ?3"
    " AND (d.sort_key, d.name) > (?10, ?11)" DYAD_EVENT_FILTERS
    " ORDER BY d.sort_key, d.name LIMIT ?12";
constexpr char kCountByDyadSql[] =
    "SELECT COUNT(*) FROM event_dyads d JOIN events e ON e.id = d.event_id"
    " WHERE d.country_a = ?9 AND d.country_b = ?13 AND d.sort_key <= ?1 AND d.sort_key >= ?2"
    " AND d.end_day >= ?3" DYAD_EVENT_FILTERS;
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

// A row of event_dyads waiting for the end of its write transaction.
struct PendingDyad {
  int a = 0, b = 0;
  int64_t sort_key = 0;
  std::string name;
  int64_t event_id = 0, end_day = 0;
  int origin = 0, direction = 0, quad_class = 0;
  std::string kind;
  bool has_goldstein = false, has_tone = false;
  double goldstein = 0, avg_tone = 0;
};

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
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
    return (*st)->ColumnBlob(0);
  }

  absl::StatusOr<EventPage> List(const EventQuery& q) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto span = MaxSpan();
    if (!span.ok()) return span.status();
    // q.countries is sorted and distinct (EventCore normalises it).
    const bool by_dyad = !q.countries.empty();
    std::vector<int> keys;
    for (const auto& c : q.countries) {
      const int key = CountryKey(c);
      if (key <= 0) return absl::InvalidArgumentError(absl::StrCat("no country code: \"", c, "\""));
      keys.push_back(key);
    }
    const int country_b = keys.size() >= 2 ? keys[1] : 0;
    // A dyad and period alone (origin allowed): the total comes from the
    // monthly counts, not from counting the rows.
    const bool dyad_only = by_dyad && q.countries.size() <= 2 && q.kinds.empty() &&
                           q.domains.empty() && q.fts_query.empty();
    EventPage page;
    auto release = LatestLocked();
    if (!release.ok()) return release.status();
    page.release = std::move(*release);
    for (int pass = 0; pass < 2; ++pass) {
      const bool count = pass == 1;
      if (count && !q.count_total) continue;  // an export page: no total
      if (count && dyad_only) {
        auto total = DyadTotal(keys[0], country_b, q.period, *span, q.origin);
        if (!total.ok()) return total.status();
        page.total_size = *total;
        continue;
      }
      const char* sql = by_dyad ? (count ? kCountByDyadSql : kListByDyadSql)
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
      // The dyad index already holds the first two countries; only a third
      // (or later) country needs the per-row check.
      s.BindInt64(4, q.countries.size() > 2 ? static_cast<int64_t>(q.countries.size()) : 0);
      s.BindText(5, sql::JsonArray(keys));
      if (q.kinds.empty()) s.BindNull(6); else s.BindText(6, sql::JsonArray(q.kinds));
      if (q.domains.empty()) s.BindNull(7); else s.BindText(7, sql::JsonArray(q.domains));
      if (q.fts_query.empty()) s.BindNull(8); else s.BindText(8, q.fts_query);
      if (by_dyad) s.BindInt64(9, keys[0]).BindInt64(13, country_b);
      s.BindInt64(14, q.origin);
      if (count) {
        const bool row = s.Step();
        if (!s.Succeeded()) return s.status();
        page.total_size = row ? s.ColumnInt64(0) : 0;
        continue;
      }
      s.BindInt64(10, q.after ? q.after->sort_key : INT64_MIN);
      s.BindText(11, q.after ? q.after->name : "");
      s.BindInt64(12, q.limit + 1);  // one extra row tells whether more follow
      int64_t last_sort_key = 0;       // of the last row kept
      std::string last_name;
      while (s.Step()) {
        if (static_cast<int>(page.bodies.size()) == q.limit) {
          page.next = PageCursor{0, last_sort_key, std::move(last_name)};
          break;
        }
        // Kept as stored: the reply frames these bytes without parsing them.
        page.bodies.push_back(s.ColumnBlob(0));
        last_sort_key = s.ColumnInt64(1);
        last_name = s.ColumnText(2);
      }
      if (!s.Succeeded()) return s.status();
    }
    return page;
  }

  absl::Status Insert(const Event& e) override { return InsertBatch({e}); }

  absl::Status InsertBatch(const std::vector<Event>& events) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = BeginWrite(tx); !s.ok()) return s;
    std::string body;
    for (const Event& e : events) {
      body.clear();
      e.SerializeToString(&body);
      if (auto s = InsertLocked(e, "", body); !s.ok()) return s;
    }
    return CommitWrite(tx);
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Event>& events) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = BeginWrite(tx); !s.ok()) return s;
    std::string body;
    auto outcome = SqlitePluginState(db_.get()).Sync(
        plugin, version, fingerprint, events,
        [&](const std::string& p) { return DeletePluginEventsLocked(p); },
        [&](const Event& e) {
          body.clear();
          e.SerializeToString(&body);
          return InsertLocked(e, plugin, body);
        });
    if (!outcome.ok() || *outcome == SyncOutcome::kUnchanged) return outcome;
    changes_.TouchPlugins();
    if (auto s = CommitWrite(tx); !s.ok()) return s;
    return outcome;
  }

  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = BeginWrite(tx); !s.ok()) return s;
    auto removed = SqlitePluginState(db_.get()).RemoveExcept(
        keep, [&](const std::string& p) { return DeletePluginEventsLocked(p); });
    if (!removed.ok()) return removed.status();
    if (!removed->empty()) changes_.TouchPlugins();
    if (auto s = CommitWrite(tx); !s.ok()) return s;
    return removed;
  }

  absl::Status Update(const Event& e) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = BeginWrite(tx); !s.ok()) return s;
    auto old = FindApiRecordLocked(e.name());
    if (!old.ok()) return old.status();
    if (auto s = DeleteLocked(old->first, old->second); !s.ok()) return s;
    const std::string body = e.SerializeAsString();
    if (auto s = InsertLocked(e, "", body); !s.ok()) return s;
    return CommitWrite(tx);
  }

  absl::Status Delete(const std::string& name) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = BeginWrite(tx); !s.ok()) return s;
    auto old = FindApiRecordLocked(name);
    if (!old.ok()) return old.status();
    if (auto s = DeleteLocked(old->first, old->second); !s.ok()) return s;
    return CommitWrite(tx);
  }

  absl::StatusOr<ReleaseInfo> LatestRelease() override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    return LatestLocked();
  }

  absl::StatusOr<ReleaseInfo> FindRelease(const std::string& id) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    ReleaseInfo r;
    {
      auto st = db_->GetCachedStatement(kFindReleaseSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      (*st)->BindText(1, id);
      const bool row = (*st)->Step();
      if (!(*st)->Succeeded()) return (*st)->status();
      if (!row) return absl::NotFoundError(absl::StrCat("release \"", id, "\" not found"));
      r = ReleaseRow(**st);
    }
    auto floor = FloorLocked();
    if (!floor.ok()) return floor.status();
    if (r.seq < *floor) return PrunedError(r, *floor);
    return r;
  }

  absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(int64_t before_no, int limit) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto st = db_->GetCachedStatement(kListReleasesSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindInt64(1, before_no).BindInt64(2, limit);
    std::vector<ReleaseInfo> out;
    while ((*st)->Step()) {
      out.push_back(ReleaseRow(**st));
    }
    if (!(*st)->Succeeded()) return (*st)->status();
    return out;
  }

  absl::StatusOr<std::vector<ChangeRecord>> ListChanges(int64_t since, int limit) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto floor = FloorLocked();
    if (!floor.ok()) return floor.status();
    if (since < *floor) return PrunedSinceError(since, *floor);
    auto st = db_->GetCachedStatement(kListChangesSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindInt64(1, since).BindInt64(2, limit);
    std::vector<ChangeRecord> out;
    while ((*st)->Step()) {
      sql::Statement& s = **st;
      ChangeRecord c;
      c.seq = s.ColumnInt64(0);
      c.kind = static_cast<int>(s.ColumnInt64(1));
      c.name = s.ColumnText(2);
      if (!s.ColumnIsNull(3)) c.previous = s.ColumnBlob(3);
      c.commit_time_micros = s.ColumnInt64(4);
      if (!s.ColumnIsNull(5)) c.body = s.ColumnBlob(5);
      out.push_back(std::move(c));
    }
    if (!(*st)->Succeeded()) return (*st)->status();
    return out;
  }

  absl::StatusOr<std::string> GetSerializedAt(const std::string& name, int64_t seq) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    {
      auto st = db_->GetCachedStatement(kFirstChangeAfterSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      (*st)->BindText(1, name).BindInt64(2, seq);
      const bool row = (*st)->Step();
      if (!(*st)->Succeeded()) return (*st)->status();
      if (row) {
        if ((*st)->ColumnIsNull(1)) {  // created after that position
          return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
        }
        return (*st)->ColumnBlob(1);
      }
    }
    // Unchanged since: as stored now.
    auto st = db_->GetCachedStatement(kGetSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
    return (*st)->ColumnBlob(0);
  }

  absl::StatusOr<std::vector<ChangedRecord>> ChangedSince(int64_t seq, int limit) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    auto st = db_->GetCachedStatement(kChangedSinceSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindInt64(1, seq).BindInt64(2, limit);
    std::vector<ChangedRecord> out;
    while ((*st)->Step()) {
      sql::Statement& s = **st;
      ChangedRecord c;
      c.name = s.ColumnText(0);
      if (!s.ColumnIsNull(2)) c.then = s.ColumnBlob(2);
      if (!s.ColumnIsNull(3)) c.now = s.ColumnBlob(3);
      out.push_back(std::move(c));
    }
    if (!(*st)->Succeeded()) return (*st)->status();
    return out;
  }

  absl::Status PruneHistory(int64_t seq) override {
    std::unique_lock<std::timed_mutex> lock;
    if (auto s = sql::LockUntilCallLimits(mu_, &lock); !s.ok()) return s;
    sql::Transaction tx(db_.get());
    if (auto s = tx.Begin(); !s.ok()) return s;
    for (const char* sql : {kPruneChangesSql, kSetHistoryFloorSql}) {
      auto st = db_->GetCachedStatement(sql);
      if (!st.ok()) return st.status();
      (*st)->BindInt64(1, seq);
      if (auto s = (*st)->Run(); !s.ok()) return s;
    }
    return tx.Commit();
  }

  absl::Status Migrate() {
    if (auto s = sql::Migrate(db_.get(), kMigrations, kCompatibleVersion); !s.ok()) return s;
    return IndexPendingEvents();
  }

  // File databases only: ":memory:" has no WAL.
  absl::Status StartCheckpointer() {
    auto c = sql::BackgroundCheckpointer::Start(db_.get());
    if (!c.ok()) return c.status();
    checkpointer_ = std::move(*c);
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    std::lock_guard<std::timed_mutex> lock(mu_);
    return db_->SyncWal();
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
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    return row ? (*st)->ColumnInt64(0) : 0;
  }

  // Every write transaction goes through these two: the monthly counts
  // are summed in memory while the transaction runs and written once per
  // (dyad, month) at its end (a message of a bulk import touches far fewer
  // months than it has events).
  absl::Status BeginWrite(sql::Transaction& tx) {
    month_deltas_.clear();
    pending_dyads_.clear();
    changes_.Clear();
    return tx.Begin();
  }
  absl::Status CommitWrite(sql::Transaction& tx) {
    if (auto s = FlushPendingDyads(); !s.ok()) return s;
    if (auto s = FlushMonthCounts(); !s.ok()) return s;
    if (auto s = AppendChangesLocked(); !s.ok()) return s;
    return tx.Commit();
  }

  // The write transaction's net changes go to the log, and a release
  // follows when records or plugin versions changed. One connection writes,
  // so seq order is commit order.
  absl::Status AppendChangesLocked() {
    const std::vector<ChangeBuffer::Change> net = changes_.Net();
    if (net.empty() && !changes_.plugins_touched()) return absl::OkStatus();
    auto latest = LatestLocked();
    if (!latest.ok()) return latest.status();
    std::vector<std::pair<std::string, std::string>> versions;
    {
      auto st = db_->GetCachedStatement(kPluginVersionsSql);
      if (!st.ok()) return st.status();
      sql::ScopedReset reset(*st);
      while ((*st)->Step()) {
        versions.emplace_back((*st)->ColumnText(0), (*st)->ColumnText(1));
      }
      if (!(*st)->Succeeded()) return (*st)->status();
    }
    const std::string plugins = PluginsFingerprint(std::move(versions));
    if (net.empty() && plugins == latest->plugins_fingerprint) return absl::OkStatus();
    const int64_t now = NowMicros();
    int64_t seq = latest->seq;
    for (const auto& c : net) {
      auto st = db_->GetCachedStatement(kInsertChangeSql);
      if (!st.ok()) return st.status();
      (*st)->BindInt64(1, ++seq).BindText(2, c.name).BindInt64(3, c.kind);
      if (c.previous) (*st)->BindBlobRef(4, *c.previous); else (*st)->BindNull(4);
      (*st)->BindInt64(5, now);
      if (auto s = (*st)->Run(); !s.ok()) return s;
    }
    auto st = db_->GetCachedStatement(kInsertReleaseSql);
    if (!st.ok()) return st.status();
    (*st)->BindInt64(1, latest->no + 1).BindText(2, ReleaseId(seq, plugins)).BindInt64(3, seq);
    (*st)->BindText(4, plugins).BindInt64(5, now);
    return (*st)->Run();
  }

  static ReleaseInfo ReleaseRow(const sql::Statement& s) {
    ReleaseInfo r;
    r.no = s.ColumnInt64(0);
    r.id = s.ColumnText(1);
    r.seq = s.ColumnInt64(2);
    r.create_time_micros = s.ColumnInt64(3);
    r.plugins_fingerprint = s.ColumnText(4);
    return r;
  }

  absl::StatusOr<ReleaseInfo> LatestLocked() {
    auto st = db_->GetCachedStatement(kLatestReleaseSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::InternalError("event_releases is empty");
    return ReleaseRow(**st);
  }

  absl::StatusOr<int64_t> FloorLocked() {
    auto st = db_->GetCachedStatement(kHistoryFloorSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    return row ? (*st)->ColumnInt64(0) : 0;
  }

  // Caller holds mu_ and a write transaction: the API record `name`, with
  // its id, or NOT_FOUND / FAILED_PRECONDITION.
  absl::StatusOr<std::pair<int64_t, Event>> FindApiRecordLocked(const std::string& name) {
    auto st = db_->GetCachedStatement(kFindSql);
    if (!st.ok()) return st.status();
    sql::ScopedReset reset(*st);
    (*st)->BindText(1, name);
    const bool row = (*st)->Step();
    if (!(*st)->Succeeded()) return (*st)->status();
    if (!row) return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
    Event old;
    if (!old.ParseFromString((*st)->ColumnBlob(1))) {
      return absl::DataLossError(absl::StrCat("event \"", name, "\" is stored corrupt"));
    }
    if (auto s = CheckApiRecord(old); !s.ok()) return s;
    return std::make_pair((*st)->ColumnInt64(0), std::move(old));
  }

  // Caller holds mu_ and a write transaction. `body` is `e` serialized.
  // ALREADY_EXISTS when the name is taken, or, given `inserted`, OK with
  // *inserted false and nothing written.
  absl::Status InsertLocked(const Event& e, const std::string& plugin, const std::string& body,
                            bool* inserted = nullptr) {
    const int64_t first = FirstDay(e.date());
    const int64_t last = e.end_date().year() > 0 ? LastDay(e.end_date()) : LastDay(e.date());
    auto st = db_->GetCachedStatement(inserted ? kInsertIfAbsentSql : kInsertSql);
    if (!st.ok()) return st.status();
    // Bound without copies: everything outlives the statement's run.
    (*st)->BindTextRef(1, e.name())
        .BindInt64(2, SortKey(e.date()))
        .BindInt64(3, last)
        .BindInt64(4, last - first)
        .BindInt64(5, StoredOrigin(e))
        .BindTextRef(6, e.kind())
        .BindTextRef(7, e.domain())
        .BindTextRef(8, plugin)
        .BindBlobRef(9, body);
    if (auto s = (*st)->Run(); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return absl::AlreadyExistsError(absl::StrCat("event \"", e.name(), "\" already exists"));
      }
      return s;
    }
    if (inserted) {
      *inserted = db_->Changes() > 0;
      if (!*inserted) return absl::OkStatus();
    }
    if (auto s = IndexLocked(db_->LastInsertRowId(), e); !s.ok()) return s;
    changes_.Inserted(e.name(), body);
    return absl::OkStatus();
  }

  // The dyad, count and text rows of the stored event `id`.
  absl::Status IndexLocked(int64_t id, const Event& e);
  // Deletes the stored event `id` (whose proto is `e`) and its rows.
  absl::Status DeleteLocked(int64_t id, const Event& e);
  absl::Status DeletePluginEventsLocked(const std::string& plugin);
  absl::Status FlushMonthCounts();
  absl::Status FlushPendingDyads();
  // Indexes the events listed in event_index_pending (after migration 5).
  absl::Status IndexPendingEvents();

  // Count paths (event_import_store.inc).
  absl::Status AddScannedCounts(int a, int b, int64_t first,
                                int64_t last, const CountQuery& q, CountRows* rows);
  absl::Status AddMonthTotals(int a, int b, const WholeMonths& m,
                              int direction, int origin, int64_t ends_by, CountRows* rows);
  absl::StatusOr<int64_t> CountDyadRange(int a, int b, int64_t first, int64_t last,
                                         int64_t min_end, int origin);
  // The three reads CountWith and DyadTotalWith assemble (event_rows.h).
  CountReads Reads();
  absl::StatusOr<int64_t> DyadTotal(int a, int b, DaySpan period, int64_t span, int origin) {
    return DyadTotalWith(Reads(), a, b, period, span, origin);
  }

  std::timed_mutex mu_;  // waited for until the call's deadline (call_limits.h)
  std::unique_ptr<sql::Database> db_;
  MonthDeltas month_deltas_;  // of the open write transaction
  // event_dyads rows of the open write transaction, inserted sorted at its
  // end (or before a delete, which must see them).
  std::vector<PendingDyad> pending_dyads_;
  // Declared after db_: stopped before the connection closes.
  std::unique_ptr<sql::BackgroundCheckpointer> checkpointer_;
  ChangeBuffer changes_;  // of the open write transaction
};

#include "event_import_store.inc"

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> OpenSqliteEventStore(const std::string& path) {
  auto db = sql::Database::Open(path);
  if (!db.ok()) return db.status();
  // Bulk imports insert at many positions of the dyad index (one per
  // country and pair): a page cache of 64 MiB (a bound, not a reservation)
  // keeps its upper levels and recent leaves in memory. Statement journals
  // (to undo one failed statement) stay in memory.
  if (auto s = (*db)->Execute(kCacheSizeSql); !s.ok()) return s;
  auto store = std::make_unique<SqliteEventStore>(std::move(*db));
  if (auto s = store->Migrate(); !s.ok()) return s;
  if (path != ":memory:" && !path.empty()) {
    if (auto s = store->StartCheckpointer(); !s.ok()) return s;
  }
  return store;
}

}  // namespace dyad::events
