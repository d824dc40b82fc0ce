// EventStore on PostgreSQL: the same behaviour as the SQLite store (the
// conformance suite tests/unit/event_store_conformance_test.cc runs both),
// for deployments whose replicas share one database.
//
// Layout mirrors SQLite's schema version 5 (sqlite_event_store.cc):
//   `events`             one row per event: its serialized proto, the
//                        filtered columns and a tsvector of title and
//                        summary for the text query (GIN index);
//   `event_dyads`        the dyad index, one row per country and per pair,
//                        keyed (country_a, country_b, sort_key, name), with
//                        what a count needs;
//   `event_month_counts` those rows summed per (dyad, month, origin,
//                        direction);
//   `event_plugin_state` version and fingerprint of each plugin's records.
// Names, kinds and domains are COLLATE "C": pages order bytewise as on
// SQLite and page tokens mean the same on both engines. The rows of
// `event_dyads` and `event_month_counts` are derived in C++ (event_rows.h),
// as on SQLite, so the two engines count alike.
//
// Writes: each call is one transaction on a pooled connection. Many rows
// travel as binary array parameters of one statement (INSERT … SELECT FROM
// unnest(…)), so a message of an import costs three statements whatever its
// size: events and dyad rows, the stored bodies of names already taken,
// the monthly totals.
// Concurrency between replicas: event names are inserted in name order and
// monthly totals are upserted in key order (one lock order for every
// writer); a deadlock or serialization failure (ABORTED) rolls the whole
// transaction back and it is run again — every write here is idempotent or
// fails as a whole. Plugin loading takes a transaction-scoped advisory lock,
// so replicas starting together load a plugin once (one reports loaded, the
// other unchanged). Commits are durable when they return
// (synchronous_commit), so Flush() has nothing to do.
//
// The text query: core hands over the FTS5 form (`"belt"* "road"*`); here it
// becomes the tsquery `'belt':* & 'road':*`, bound and parsed by
// to_tsquery('simple', unaccent(…)), as the institutions store does.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/partial_date.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "common/pg/search_terms.h"
#include "event_changes.h"
#include "event_rows.h"
#include "event_store.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

constexpr pg::Migration kMigrations[] = {
    {1, R"sql(
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  sort_key BIGINT NOT NULL,
  end_day BIGINT NOT NULL,
  span_days BIGINT NOT NULL,
  origin INTEGER NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  domain TEXT COLLATE "C" NOT NULL,
  plugin TEXT COLLATE "C" NOT NULL,
  search TSVECTOR NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX events_by_time ON events (sort_key, name);
CREATE INDEX events_by_plugin ON events (plugin) WHERE plugin <> '';
CREATE INDEX events_by_span ON events (span_days) WHERE span_days > 0;
CREATE INDEX events_by_search ON events USING GIN (search);
CREATE TABLE event_dyads (
  country_a INTEGER NOT NULL,
  country_b INTEGER NOT NULL,
  sort_key BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  event_id BIGINT NOT NULL,
  end_day BIGINT NOT NULL,
  origin INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  quad_class INTEGER NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  goldstein DOUBLE PRECISION,
  avg_tone DOUBLE PRECISION,
  PRIMARY KEY (country_a, country_b, sort_key, name)
);
CREATE TABLE event_month_counts (
  country_a INTEGER NOT NULL,
  country_b INTEGER NOT NULL,
  ym BIGINT NOT NULL,
  origin INTEGER NOT NULL,
  direction INTEGER NOT NULL,
  events BIGINT NOT NULL,
  goldstein_sum DOUBLE PRECISION NOT NULL,
  goldstein_count BIGINT NOT NULL,
  tone_sum DOUBLE PRECISION NOT NULL,
  tone_count BIGINT NOT NULL,
  PRIMARY KEY (country_a, country_b, ym, origin, direction)
);
CREATE TABLE event_plugin_state (
  plugin TEXT COLLATE "C" PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
    // Releases and the change log (docs/releases.md), as SQLite's version 6.
    // event_log_head is the one row every write transaction updates last:
    // its row lock orders writers, so seq order is commit order (a
    // BIGSERIAL is handed out at insert time, not at commit, and a later
    // number could become visible before an earlier one).
    {2, R"sql(
CREATE TABLE event_changes (
  seq BIGINT PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  kind INTEGER NOT NULL,
  prev_body BYTEA,
  commit_time BIGINT NOT NULL
);
CREATE INDEX event_changes_by_name ON event_changes (name, seq);
CREATE TABLE event_releases (
  no BIGINT PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  seq BIGINT NOT NULL,
  plugins TEXT NOT NULL,
  create_time BIGINT NOT NULL
);
INSERT INTO event_releases (no, id, seq, plugins, create_time)
  VALUES (0, 'r0', 0, '', (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT);
CREATE TABLE event_log_head (
  one_row INTEGER PRIMARY KEY CHECK (one_row = 1),
  seq BIGINT NOT NULL,
  release_no BIGINT NOT NULL,
  floor BIGINT NOT NULL
);
INSERT INTO event_log_head (one_row, seq, release_no, floor) VALUES (1, 0, 0, 0);
)sql"},
};
// Code before version 2 would write without logging its changes.
constexpr int kCompatibleVersion = 2;

constexpr char kLatestReleaseSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases ORDER BY no DESC LIMIT 1";
constexpr char kFindReleaseSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases WHERE id = $1";
constexpr char kListReleasesSql[] =
    "SELECT no, id, seq, create_time, plugins FROM event_releases WHERE no < $1 "
    "ORDER BY no DESC LIMIT $2";
constexpr char kPluginVersionsSql[] = "SELECT plugin, version FROM event_plugin_state";
// Taken last in a write transaction and held until its commit.
constexpr char kAdvanceHeadSql[] =
    "UPDATE event_log_head SET seq = seq + $1, release_no = release_no + 1 "
    "RETURNING seq, release_no";
constexpr char kInsertChangesSql[] =
    "INSERT INTO event_changes (seq, name, kind, prev_body, commit_time) SELECT * FROM "
    "unnest($1::BIGINT[], $2::TEXT[], $3::INT[], $4::BYTEA[], $5::BIGINT[])";
constexpr char kInsertReleaseSql[] =
    "INSERT INTO event_releases (no, id, seq, plugins, create_time) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (id) DO NOTHING";
constexpr char kHistoryFloorSql[] = "SELECT floor FROM event_log_head";
constexpr char kSetHistoryFloorSql[] =
    "UPDATE event_log_head SET floor = GREATEST(floor, $1)";
constexpr char kPruneChangesSql[] = "DELETE FROM event_changes WHERE seq <= $1";
constexpr char kListChangesSql[] =
    "SELECT c.seq, c.kind, c.name, c.prev_body, c.commit_time, CASE WHEN c.kind = 3 THEN NULL "
    "ELSE COALESCE((SELECT n.prev_body FROM event_changes n WHERE n.name = c.name "
    "AND n.seq > c.seq ORDER BY n.seq LIMIT 1), (SELECT e.body FROM events e "
    "WHERE e.name = c.name)) END FROM event_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2";
constexpr char kFirstChangeAfterSql[] =
    "SELECT kind, prev_body FROM event_changes WHERE name = $1 AND seq > $2 ORDER BY seq LIMIT 1";
constexpr char kChangedSinceSql[] =
    "SELECT c.name, c.kind, c.prev_body, e.body FROM event_changes c "
    "LEFT JOIN events e ON e.name = c.name WHERE c.seq > $1 AND NOT EXISTS "
    "(SELECT 1 FROM event_changes p WHERE p.name = c.name AND p.seq > $1 AND p.seq < c.seq) "
    "ORDER BY c.seq LIMIT $2";
constexpr char kFindOneSql[] = "SELECT id, body FROM events WHERE name = $1 FOR UPDATE";
constexpr char kDeleteOneSql[] = "DELETE FROM events WHERE id = $1";

constexpr char kGetSql[] = "SELECT body FROM events WHERE name = $1";
// Many events and their dyad rows in one statement, the events in the
// order given (name order: see the header). Every column travels as one
// binary array parameter. $8 = plugin ("" for records written through the
// API or imported). The dyad rows ($10..$20, three or more per event) are
// inserted for the events inserted, joined on the name; the statement
// returns those events' ids and names.
// The search column: lexemes folded in C++ ($9, one space-separated
// string per event) and the words left to the server ($22), see
// common/pg/search_terms.h.
std::string InsertEventsSql(const char* on_conflict) {
  return absl::StrCat(
      "WITH ins AS (INSERT INTO events (name, sort_key, end_day, span_days, origin, kind, domain, "
      "plugin, search, body) SELECT n, sk, ed, sp, o, k, d, $8::TEXT, ",
      pg::SearchVectorSql("t", "r"),
      ", b FROM unnest($1::TEXT[], $2::BIGINT[], $3::BIGINT[], "
      "$4::BIGINT[], $5::INT[], $6::TEXT[], $7::TEXT[], $9::TEXT[], $21::BYTEA[], $22::TEXT[]) "
      "WITH ORDINALITY AS u(n, sk, ed, sp, o, k, d, t, b, r, i) ORDER BY i ",
      on_conflict,
      " RETURNING id, name), "
      "dy AS (INSERT INTO event_dyads (country_a, country_b, sort_key, name, event_id, end_day, "
      "origin, direction, quad_class, kind, goldstein, avg_tone) SELECT r.a, r.b, r.s, r.n, "
      "ins.id, r.e, r.o, r.dir, r.q, r.k, r.g, r.t FROM unnest($10::INT[], $11::INT[], "
      "$12::BIGINT[], $13::TEXT[], $14::BIGINT[], $15::INT[], $16::INT[], $17::INT[], $18::TEXT[], "
      "$19::FLOAT8[], $20::FLOAT8[]) AS r(a, b, s, n, e, o, dir, q, k, g, t) "
      "JOIN ins ON ins.name = r.n COLLATE \"C\") "
      "SELECT id, name FROM ins");
}
const std::string& kInsertEventsSql = *new std::string(InsertEventsSql(""));
// Imports and plugin records: a name already taken inserts nothing.
const std::string& kInsertEventsIfAbsentSql =
    *new std::string(InsertEventsSql("ON CONFLICT (name) DO NOTHING"));
constexpr char kFindManySql[] = "SELECT id, name, body FROM events WHERE name = ANY($1::TEXT[])";
// A corrected dataset row replaces the stored record in place.
constexpr char kUpdateEventSql[] =
    "UPDATE events SET sort_key = $2, end_day = $3, span_days = $4, origin = $5, kind = $6, "
    "domain = $7, search = to_tsvector('simple', unaccent($8)), body = $9 "
    "WHERE id = $1";
constexpr char kInsertDyadsSql[] =
    "INSERT INTO event_dyads (country_a, country_b, sort_key, name, event_id, end_day, origin, "
    "direction, quad_class, kind, goldstein, avg_tone) SELECT * FROM unnest($1::INT[], $2::INT[], "
    "$3::BIGINT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[], $7::INT[], $8::INT[], $9::INT[], "
    "$10::TEXT[], $11::FLOAT8[], $12::FLOAT8[])";
constexpr char kDeleteDyadsSql[] =
    "DELETE FROM event_dyads d USING unnest($1::INT[], $2::INT[], $3::BIGINT[], $4::TEXT[]) "
    "AS k(a, b, s, n) WHERE d.country_a = k.a AND d.country_b = k.b AND d.sort_key = k.s "
    "AND d.name = k.n";
constexpr char kAddMonthCountsSql[] =
    "INSERT INTO event_month_counts AS m (country_a, country_b, ym, origin, direction, events, "
    "goldstein_sum, goldstein_count, tone_sum, tone_count) SELECT * FROM unnest($1::INT[], "
    "$2::INT[], $3::BIGINT[], $4::INT[], $5::INT[], $6::BIGINT[], $7::FLOAT8[], $8::BIGINT[], "
    "$9::FLOAT8[], $10::BIGINT[]) ON CONFLICT (country_a, country_b, ym, origin, direction) "
    "DO UPDATE SET events = m.events + excluded.events, "
    "goldstein_sum = m.goldstein_sum + excluded.goldstein_sum, "
    "goldstein_count = m.goldstein_count + excluded.goldstein_count, "
    "tone_sum = m.tone_sum + excluded.tone_sum, tone_count = m.tone_count + excluded.tone_count";
// A month left empty goes, sums and all.
constexpr char kDropEmptyMonthsSql[] =
    "DELETE FROM event_month_counts m USING unnest($1::INT[], $2::INT[], $3::BIGINT[], "
    "$4::INT[], $5::INT[]) AS k(a, b, ym, o, d) WHERE m.country_a = k.a AND m.country_b = k.b "
    "AND m.ym = k.ym AND m.origin = k.o AND m.direction = k.d AND m.events <= 0";
constexpr char kMaxSpanSql[] =
    "SELECT COALESCE(MAX(span_days), 0)::BIGINT FROM events WHERE span_days > 0";
constexpr char kPluginEventsSql[] = "SELECT body FROM events WHERE plugin = $1 AND plugin <> ''";
constexpr char kDeletePluginEventsSql[] = "DELETE FROM events WHERE plugin = $1 AND plugin <> ''";
// CountEvents, event by event: $1 $2 the dyad (0 for one country), $3..$4
// the sort-key range, $5 direction (0 any), $6 origin (0 any).
constexpr char kScanDyadSql[] =
    "SELECT sort_key, kind, quad_class, goldstein, avg_tone FROM event_dyads"
    " WHERE country_a = $1 AND country_b = $2 AND sort_key >= $3 AND sort_key <= $4"
    " AND ($5::INT = 0 OR direction = $5) AND ($6::INT = 0 OR origin = $6)";
// ... and by whole months: $3..$4 the ym range.
constexpr char kMonthCountsSql[] =
    "SELECT ym, SUM(events)::BIGINT, SUM(goldstein_sum), SUM(goldstein_count)::BIGINT,"
    " SUM(tone_sum), SUM(tone_count)::BIGINT FROM event_month_counts"
    " WHERE country_a = $1 AND country_b = $2 AND ym >= $3 AND ym <= $4"
    " AND ($5::INT = 0 OR direction = $5) AND ($6::INT = 0 OR origin = $6) GROUP BY ym";
// ListEvents' total for a dyad alone, row by row over part of the period.
constexpr char kCountDyadRangeSql[] =
    "SELECT COUNT(*) FROM event_dyads WHERE country_a = $1 AND country_b = $2"
    " AND sort_key >= $3 AND sort_key <= $4 AND end_day >= $5 AND ($6::INT = 0 OR origin = $6)";

constexpr char kReadSnapshot[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
// Rows per statement of a bulk write (bounds one parameter's size).
constexpr size_t kChunk = 4000;
// Runs of a write transaction that met a deadlock or serialization failure.
constexpr int kWriteAttempts = 5;

// A one-dimensional array in PostgreSQL's binary format (array_recv), for a
// parameter sent binary: one bound value carries a whole column of a
// multi-row statement, with no text to parse on either side.
class BinaryArray {
 public:
  enum Type : uint32_t { kInt4 = 23, kInt8 = 20, kFloat8 = 701, kText = 25, kBytea = 17 };
  explicit BinaryArray(Type type) : type_(type) {}
  void Int(int64_t v) {
    if (type_ == kInt4) {
      Put32(4);
      Put32(static_cast<uint32_t>(static_cast<int32_t>(v)));
    } else {
      Put32(8);
      Put64(static_cast<uint64_t>(v));
    }
    ++n_;
  }
  void Double(std::optional<double> v) {
    if (!v || !std::isfinite(*v)) {
      Put32(0xffffffffu);  // NULL
      nulls_ = true;
    } else {
      uint64_t bits;
      std::memcpy(&bits, &*v, sizeof bits);
      Put32(8);
      Put64(bits);
    }
    ++n_;
  }
  void Null() {
    Put32(0xffffffffu);
    nulls_ = true;
    ++n_;
  }
  void Text(std::string_view v) {  // text or bytea: the bytes as they are
    Put32(static_cast<uint32_t>(v.size()));
    data_.append(v.data(), v.size());
    ++n_;
  }
  size_t size() const { return n_; }
  // The encoded array (header, then the elements).
  std::string Done() const {
    std::string out;
    auto put = [&out](uint32_t v) {
      for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
    };
    put(n_ > 0 ? 1 : 0);  // dimensions
    put(nulls_ ? 1 : 0);
    put(type_);
    if (n_ > 0) {
      put(static_cast<uint32_t>(n_));
      put(1);  // lower bound
    }
    return out + data_;
  }

 private:
  void Put32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) data_ += static_cast<char>((v >> shift) & 0xff);
  }
  void Put64(uint64_t v) {
    Put32(static_cast<uint32_t>(v >> 32));
    Put32(static_cast<uint32_t>(v));
  }
  Type type_;
  std::string data_;
  size_t n_ = 0;
  bool nulls_ = false;
};

// float8 in binary result format (network byte order).
double Float8(const pg::Result& r, int row, int col) {
  const std::string b = r.Text(row, col);
  uint64_t n = 0;
  for (unsigned char c : b) n = (n << 8) | c;
  double d;
  std::memcpy(&d, &n, sizeof d);
  return d;
}
std::optional<double> OptionalFloat8(const pg::Result& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return Float8(r, row, col);
}

// The FTS5 form from ToFtsQuery ("\"w\"* \"x\"*") as a tsquery text.
std::string ToTsQuery(const std::string& fts) {
  std::string out;
  std::string word;
  bool in_word = false;
  for (char c : fts) {
    if (c == '"') {
      if (in_word && !word.empty()) {
        if (!out.empty()) out += " & ";
        out += '\'';
        for (char w : word) {
          if (w == '\'' || w == '\\') out += w;
          out += w;
        }
        out += "':*";
      }
      word.clear();
      in_word = !in_word;
    } else if (in_word) {
      word += c;
    }
  }
  return out;
}

// What the text query searches: title and summary with every ASCII byte
// that is neither letter nor digit made a space, so that words split as
// SQLite's unicode61 tokenizer (and ToFtsQuery) split them; PostgreSQL's
// parser alone keeps "e-mail.security" or "cameo.consult" as one token.
std::string SearchText(const Event& e) {
  std::string out = absl::StrCat(e.title(), " ", e.summary());
  for (char& c : out) {
    const unsigned char u = c;
    if (u < 0x80 && !absl::ascii_isalnum(c)) c = ' ';
  }
  return out;
}

absl::StatusOr<Event> Parse(const std::string& bytes, const std::string& name) {
  Event e;
  if (!e.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("event \"", name, "\" is stored corrupt"));
  }
  return e;
}

// The columns of an event row, computed once.
struct EventRow {
  const Event* event;
  std::string body;  // serialized
  int64_t sort_key, end_day, span_days;
  int origin;
};
EventRow RowOf(const Event& e, std::string body) {
  const int64_t first = FirstDay(e.date());
  const int64_t last = e.end_date().year() > 0 ? LastDay(e.end_date()) : LastDay(e.date());
  return EventRow{&e, std::move(body), SortKey(e.date()), last, last - first, StoredOrigin(e)};
}

// Columns of the dyad rows to insert or delete, accumulated per statement.
class DyadBatch {
 public:
  // Adds `e`'s rows (event `id`) and, with `deltas`, its monthly deltas.
  absl::Status Add(const Event& e, int64_t id, MonthDeltas* deltas, int sign) {
    auto rows = DyadRows(e);
    if (!rows.ok()) return rows.status();
    Add(e, *rows, id, deltas, sign);
    return absl::OkStatus();
  }
  // The same with `e`'s dyad rows already derived.
  void Add(const Event& e, const std::vector<DyadRow>& rows, int64_t id, MonthDeltas* deltas,
           int sign) {
    const int64_t key = SortKey(e.date());
    const int64_t end = e.end_date().year() > 0 ? LastDay(e.end_date()) : LastDay(e.date());
    const auto& c = e.coded();
    for (const DyadRow& r : rows) {
      a_.Int(r.a);
      b_.Int(r.b);
      key_.Int(key);
      name_.Text(e.name());
      id_.Int(id);
      end_.Int(end);
      origin_.Int(StoredOrigin(e));
      direction_.Int(r.direction);
      quad_.Int(c.quad_class());
      kind_.Text(e.kind());
      goldstein_.Double(c.has_goldstein() ? std::optional<double>(c.goldstein()) : std::nullopt);
      tone_.Double(c.has_avg_tone() ? std::optional<double>(c.avg_tone()) : std::nullopt);
    }
    if (deltas) AddToMonth(e, rows, sign, deltas);
  }
  // Appends the columns as parameters, in kInsertDyadsSql's order (event
  // ids included unless `with_ids` is false: the events insert joins them).
  void AppendTo(pg::Params& p, bool with_ids) const {
    p.Bytes(a_.Done()).Bytes(b_.Done()).Bytes(key_.Done()).Bytes(name_.Done());
    if (with_ids) p.Bytes(id_.Done());
    p.Bytes(end_.Done()).Bytes(origin_.Done()).Bytes(direction_.Done()).Bytes(quad_.Done());
    p.Bytes(kind_.Done()).Bytes(goldstein_.Done()).Bytes(tone_.Done());
  }
  absl::Status Insert(pg::Connection& c) const {
    if (a_.size() == 0) return absl::OkStatus();
    pg::Params p;
    AppendTo(p, /*with_ids=*/true);
    return c.Run(kInsertDyadsSql, p).status();
  }
  absl::Status Delete(pg::Connection& c) const {
    if (a_.size() == 0) return absl::OkStatus();
    pg::Params p;
    p.Bytes(a_.Done()).Bytes(b_.Done()).Bytes(key_.Done()).Bytes(name_.Done());
    return c.Run(kDeleteDyadsSql, p).status();
  }

 private:
  using A = BinaryArray;
  A a_{A::kInt4}, b_{A::kInt4}, key_{A::kInt8}, name_{A::kText}, id_{A::kInt8}, end_{A::kInt8},
      origin_{A::kInt4}, direction_{A::kInt4}, quad_{A::kInt4}, kind_{A::kText},
      goldstein_{A::kFloat8}, tone_{A::kFloat8};
};

// Writes the summed monthly deltas of a transaction, in key order.
absl::Status FlushMonthCounts(pg::Connection& c, const MonthDeltas& deltas) {
  using A = BinaryArray;
  A a(A::kInt4), b(A::kInt4), ym(A::kInt8), origin(A::kInt4), direction(A::kInt4),
      events(A::kInt8), gsum(A::kFloat8), gcount(A::kInt8), tsum(A::kFloat8), tcount(A::kInt8);
  A da(A::kInt4), db(A::kInt4), dym(A::kInt8), dorigin(A::kInt4), ddirection(A::kInt4);
  for (const auto& [k, m] : deltas) {
    if (m.empty()) continue;  // replaced in place
    a.Int(k.a);
    b.Int(k.b);
    ym.Int(k.ym);
    origin.Int(k.origin);
    direction.Int(k.direction);
    events.Int(m.events);
    gsum.Double(m.goldstein_sum);
    gcount.Int(m.goldstein_count);
    tsum.Double(m.tone_sum);
    tcount.Int(m.tone_count);
    if (m.events < 0) {
      da.Int(k.a);
      db.Int(k.b);
      dym.Int(k.ym);
      dorigin.Int(k.origin);
      ddirection.Int(k.direction);
    }
  }
  if (a.size() == 0) return absl::OkStatus();
  pg::Params p;
  p.Bytes(a.Done()).Bytes(b.Done()).Bytes(ym.Done()).Bytes(origin.Done());
  p.Bytes(direction.Done()).Bytes(events.Done()).Bytes(gsum.Done()).Bytes(gcount.Done());
  p.Bytes(tsum.Done()).Bytes(tcount.Done());
  if (auto r = c.Run(kAddMonthCountsSql, p); !r.ok()) return r.status();
  if (da.size() == 0) return absl::OkStatus();
  pg::Params d;
  d.Bytes(da.Done()).Bytes(db.Done()).Bytes(dym.Done()).Bytes(dorigin.Done());
  d.Bytes(ddirection.Done());
  return c.Run(kDropEmptyMonthsSql, d).status();
}

// One statement of InsertEvents: rows [start, end) and their parameters.
struct InsertChunk {
  size_t start = 0, end = 0;
  pg::Params params;
  std::vector<std::vector<DyadRow>> dyad_rows;  // per row, for the monthly totals
};

absl::StatusOr<InsertChunk> BuildInsertChunk(const std::vector<const EventRow*>& rows,
                                             size_t start, const std::string& plugin) {
  using A = BinaryArray;
  InsertChunk chunk;
  chunk.start = start;
  chunk.end = std::min(rows.size(), start + kChunk);
  A name(A::kText), key(A::kInt8), last(A::kInt8), span(A::kInt8), origin(A::kInt4),
      kind(A::kText), domain(A::kText), lexemes(A::kText), rest(A::kText), body(A::kBytea);
  DyadBatch dyads;
  chunk.dyad_rows.reserve(chunk.end - start);
  for (size_t i = start; i < chunk.end; ++i) {
    const EventRow& r = *rows[i];
    name.Text(r.event->name());
    key.Int(r.sort_key);
    last.Int(r.end_day);
    span.Int(r.span_days);
    origin.Int(r.origin);
    kind.Text(r.event->kind());
    domain.Text(r.event->domain());
    const pg::SearchTerms terms = pg::SplitSearchTerms(SearchText(*r.event));
    lexemes.Text(terms.lexemes);
    rest.Text(terms.rest);
    body.Text(r.body);
    auto dyad_rows = DyadRows(*r.event);
    if (!dyad_rows.ok()) return dyad_rows.status();
    dyads.Add(*r.event, *dyad_rows, 0, nullptr, +1);
    chunk.dyad_rows.push_back(*std::move(dyad_rows));
  }
  pg::Params& p = chunk.params;
  p.Bytes(name.Done()).Bytes(key.Done()).Bytes(last.Done()).Bytes(span.Done());
  p.Bytes(origin.Done()).Bytes(kind.Done()).Bytes(domain.Done()).Text(plugin);
  p.Bytes(lexemes.Done());
  dyads.AppendTo(p, /*with_ids=*/false);  // $10..$20
  p.Bytes(body.Done());                   // $21
  p.Bytes(rest.Done());                   // $22
  return chunk;
}

// Inserts `rows` (in the order given) as plugin `plugin`'s records, with
// their dyad rows, and adds the inserted ones to the monthly `deltas`.
// if_absent: a name already taken is skipped; otherwise it fails the
// statement with ALREADY_EXISTS. Returns name -> id of the rows inserted.
// A statement carries kChunk rows; the next one's parameters are built
// while the server runs the current one (the two processes overlap).
absl::StatusOr<std::map<std::string, int64_t>> InsertEvents(pg::Connection& c,
                                                            const std::vector<const EventRow*>& rows,
                                                            const std::string& plugin,
                                                            bool if_absent, MonthDeltas* deltas) {
  std::map<std::string, int64_t> ids;
  if (rows.empty()) return ids;
  const std::string& sql = if_absent ? kInsertEventsIfAbsentSql : kInsertEventsSql;
  absl::StatusOr<InsertChunk> chunk = BuildInsertChunk(rows, 0, plugin);
  for (;;) {
    if (!chunk.ok()) return chunk.status();
    if (auto s = c.Send(sql, chunk->params); !s.ok()) return s;
    std::optional<absl::StatusOr<InsertChunk>> next;
    if (chunk->end < rows.size()) next = BuildInsertChunk(rows, chunk->end, plugin);
    auto r = c.Receive();
    if (!r.ok()) return r.status();
    for (int i = 0; i < r->rows(); ++i) ids.emplace(r->Text(i, 1), r->Int64(i, 0));
    for (size_t i = chunk->start; i < chunk->end; ++i) {
      const Event& e = *rows[i]->event;
      if (!ids.count(e.name())) continue;
      AddToMonth(e, chunk->dyad_rows[i - chunk->start], +1, deltas);
    }
    if (!next) return ids;
    chunk = *std::move(next);
  }
}

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  absl::Status Migrate() {
    return pool_->With(
        [](pg::Connection& c) { return pg::Migrate(c, "events", kMigrations, kCompatibleVersion); },
        /*retry_on_loss=*/true);
  }

  absl::StatusOr<Event> Get(const std::string& name) override {
    auto bytes = GetSerialized(name);
    if (!bytes.ok()) return bytes.status();
    return Parse(*bytes, name);
  }

  absl::StatusOr<std::string> GetSerialized(const std::string& name) override {
    absl::StatusOr<std::string> out;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          auto r = c.Run(kGetSql, pg::Params().Text(name));
          if (!r.ok()) return r.status();
          if (r->rows() == 0) {
            out = absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
          } else {
            out = r->Text(0, 0);
          }
          return absl::OkStatus();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<EventPage> List(const EventQuery& q) override {
    std::vector<int> keys;
    for (const auto& c : q.countries) {
      const int key = CountryKey(c);
      if (key <= 0) return absl::InvalidArgumentError(absl::StrCat("no country code: \"", c, "\""));
      keys.push_back(key);
    }
    const bool by_dyad = !keys.empty();
    const int country_b = keys.size() >= 2 ? keys[1] : 0;
    const bool dyad_only = by_dyad && q.countries.size() <= 2 && q.kinds.empty() &&
                           q.domains.empty() && q.fts_query.empty();
    EventPage page;
    auto s = pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          page = EventPage();
          // One snapshot for the page and its total.
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(kReadSnapshot); !s.ok()) return s;
          auto release = Latest(c);
          if (!release.ok()) return release.status();
          page.release = std::move(*release);
          auto span_rows = c.Run(kMaxSpanSql);
          if (!span_rows.ok()) return span_rows.status();
          const int64_t span = span_rows->rows() ? span_rows->Int64(0, 0) : 0;
          // Sort keys are day*4 + precision; an event overlapping the period
          // starts at most `span` days before it.
          const int64_t upper = q.period.last == kMaxDay ? INT64_MAX : q.period.last * 4 + 3;
          const int64_t lower =
              q.period.first == kMinDay ? INT64_MIN : (q.period.first - span) * 4;
          const int64_t first_day = q.period.first == kMinDay ? INT64_MIN : q.period.first;
          for (int pass = 0; pass < 2; ++pass) {
            const bool count = pass == 1;
            if (count && !q.count_total) continue;  // an export page: no total
            if (count && dyad_only) {
              auto total = DyadTotalWith(Reads(c), keys[0], country_b, q.period, span, q.origin);
              if (!total.ok()) return total.status();
              page.total_size = *total;
              continue;
            }
            pg::Params p;
            p.Int(upper).Int(lower).Int(first_day);
            std::string sql;
            const char* t = by_dyad ? "d" : "e";
            if (by_dyad) {
              sql = count ? "SELECT COUNT(*)" : "SELECT e.body, d.sort_key, d.name";
              sql += " FROM event_dyads d JOIN events e ON e.id = d.event_id"
                     " WHERE d.sort_key <= $1 AND d.sort_key >= $2 AND d.end_day >= $3"
                     " AND d.country_a = $4 AND d.country_b = $5";
              p.Int(keys[0]).Int(country_b);
            } else {
              sql = count ? "SELECT COUNT(*)" : "SELECT e.body, e.sort_key, e.name";
              sql += " FROM events e WHERE e.sort_key <= $1 AND e.sort_key >= $2"
                     " AND e.end_day >= $3";
            }
            int n = p.size() + 1;
            if (!count) {
              absl::StrAppend(&sql, " AND (", t, ".sort_key, ", t, ".name) > ($", n, "::BIGINT, $",
                              n + 1, "::TEXT)");
              n += 2;
              p.Int(q.after ? q.after->sort_key : INT64_MIN).Text(q.after ? q.after->name : "");
            }
            if (q.countries.size() > 2) {
              // A third (or later) country: the event's row in that
              // country's slice of the dyad index.
              BinaryArray all(BinaryArray::kInt4);
              for (int k : keys) all.Int(k);
              absl::StrAppend(&sql,
                              " AND (SELECT COUNT(*) FROM event_dyads c WHERE c.country_a = ANY($",
                              n, "::INT[]) AND c.country_b = 0 AND c.sort_key = e.sort_key"
                              " AND c.name = e.name) = $", n + 1);
              n += 2;
              p.Bytes(all.Done()).Int(static_cast<int64_t>(keys.size()));
            }
            if (!q.kinds.empty()) {
              absl::StrAppend(&sql, " AND e.kind = ANY($", n++, "::TEXT[])");
              p.TextArray(q.kinds);
            }
            if (!q.domains.empty()) {
              absl::StrAppend(&sql, " AND e.domain = ANY($", n++, "::TEXT[])");
              p.TextArray(q.domains);
            }
            if (!q.fts_query.empty()) {
              absl::StrAppend(&sql, " AND e.search @@ to_tsquery('simple', unaccent($", n++,
                              "::TEXT))");
              p.Text(ToTsQuery(q.fts_query));
            }
            if (q.origin != 0) {
              absl::StrAppend(&sql, " AND e.origin = $", n++);
              p.Int(q.origin);
            }
            if (count) {
              auto r = c.Run(sql, p);
              if (!r.ok()) return r.status();
              page.total_size = r->rows() ? r->Int64(0, 0) : 0;
              continue;
            }
            absl::StrAppend(&sql, " ORDER BY ", t, ".sort_key, ", t, ".name LIMIT $", n);
            p.Int(q.limit + 1);  // one extra row tells whether more follow
            auto r = c.Run(sql, p);
            if (!r.ok()) return r.status();
            for (int i = 0; i < r->rows(); ++i) {
              if (static_cast<int>(page.bodies.size()) == q.limit) {
                page.next = PageCursor{0, r->Int64(i - 1, 1), r->Text(i - 1, 2)};
                break;
              }
              // Kept as stored: the reply frames these bytes without parsing them.
              page.bodies.push_back(r->Text(i, 0));
            }
          }
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return page;
  }

  absl::Status Insert(const Event& e) override { return InsertBatch({e}); }

  absl::Status InsertBatch(const std::vector<Event>& events) override {
    // Not retried on a lost connection: the commit may have happened.
    return Write(
        [&](pg::Connection& c, MonthDeltas& deltas, ChangeBuffer& changes) -> absl::Status {
          std::vector<EventRow> rows;
          rows.reserve(events.size());
          for (const Event& e : events) rows.push_back(RowOf(e, e.SerializeAsString()));
          std::vector<const EventRow*> order = InNameOrder(rows);
          auto ids = InsertEvents(c, order, "", /*if_absent=*/false, &deltas);
          if (!ids.ok()) {
            if (absl::IsAlreadyExists(ids.status())) {
              return absl::AlreadyExistsError(
                  events.size() == 1
                      ? absl::StrCat("event \"", events[0].name(), "\" already exists")
                      : absl::StrCat("an event of the batch already exists: ",
                                     ids.status().message()));
            }
            return ids.status();
          }
          for (const EventRow* r : order) changes.Inserted(r->event->name(), r->body);
          return absl::OkStatus();
        },
        /*retry_on_loss=*/false);
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Event>& events) override {
    SyncOutcome outcome = SyncOutcome::kUnchanged;
    // A retry after a lost connection is safe: the work is idempotent.
    auto s = Write(
        [&](pg::Connection& c, MonthDeltas& deltas, ChangeBuffer& changes) -> absl::Status {
          auto compared = plugin_state_.LockAndCompare(c, plugin, version, fingerprint);
          if (!compared.ok()) return compared.status();
          outcome = *compared;
          if (outcome == SyncOutcome::kUnchanged) return absl::OkStatus();
          if (auto s = DeletePluginEvents(c, plugin, &deltas, &changes); !s.ok()) return s;
          std::vector<EventRow> rows;
          rows.reserve(events.size());
          for (const Event& e : events) rows.push_back(RowOf(e, e.SerializeAsString()));
          std::vector<const EventRow*> order = InNameOrder(rows);
          auto ids = InsertEvents(c, order, plugin, /*if_absent=*/true, &deltas);
          if (!ids.ok()) return ids.status();
          for (const EventRow* r : order) {
            if (ids->count(r->event->name())) changes.Inserted(r->event->name(), r->body);
          }
          changes.TouchPlugins();
          for (const Event& e : events) {
            if (!ids->count(e.name())) return PluginNameTakenError(plugin, e.name());
          }
          return plugin_state_.Put(c, plugin, version, fingerprint);
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return outcome;
  }

  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    absl::StatusOr<std::vector<std::string>> removed;
    auto s = Write(
        [&](pg::Connection& c, MonthDeltas& deltas, ChangeBuffer& changes) -> absl::Status {
          removed = plugin_state_.RemoveExcept(c, keep, [&](pg::Connection& c, const std::string& p) {
            return DeletePluginEvents(c, p, &deltas, &changes);
          });
          if (removed.ok() && !removed->empty()) changes.TouchPlugins();
          return removed.status();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return removed;
  }

  absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedEvent>& events) override {
    std::vector<ImportOutcome> outcomes;
    // Not retried on a lost connection (the commit may have happened, and a
    // replay would report the rows unchanged); the stream fails instead and
    // the client sends it again, which is idempotent.
    // The rows, computed before the transaction (and once, however often
    // it runs); the first occurrence of each name is offered for insertion.
    std::vector<EventRow> rows;
    rows.reserve(events.size());
    for (const ImportedEvent& in : events) {
      rows.push_back(RowOf(*in.event, in.event->SerializeAsString()));
    }
    std::vector<const EventRow*> order = InNameOrder(rows);
    order.erase(std::unique(order.begin(), order.end(),
                            [](const EventRow* x, const EventRow* y) {
                              return x->event->name() == y->event->name();
                            }),
                order.end());
    auto s = Write(
        [&](pg::Connection& c, MonthDeltas& deltas, ChangeBuffer& changes) -> absl::Status {
          outcomes.assign(events.size(), ImportOutcome::kUnchanged);
          auto created = InsertEvents(c, order, "", /*if_absent=*/true, &deltas);
          if (!created.ok()) return created.status();
          // What each taken name holds now: read once, then followed
          // through the message in order (a name may come twice).
          struct Stored {
            int64_t id;
            std::string body;
          };
          std::map<std::string, Stored> stored;
          std::vector<std::string> taken;
          for (const EventRow* r : order) {
            if (!created->count(r->event->name())) taken.push_back(r->event->name());
          }
          if (!taken.empty()) {
            auto found = c.Run(kFindManySql, pg::Params().TextArray(taken));
            if (!found.ok()) return found.status();
            for (int i = 0; i < found->rows(); ++i) {
              stored[found->Text(i, 1)] = Stored{found->Int64(i, 0), found->Text(i, 2)};
            }
          }
          std::set<std::string> seen;
          for (size_t i = 0; i < events.size(); ++i) {
            const ImportedEvent& in = events[i];
            const EventRow& row = rows[i];
            const std::string& name = in.event->name();
            auto id = created->find(name);
            if (id != created->end() && seen.insert(name).second) {
              outcomes[i] = ImportOutcome::kCreated;
              stored[name] = Stored{id->second, row.body};
              changes.Inserted(name, row.body);
              continue;
            }
            auto it = stored.find(name);
            if (it == stored.end()) {
              return absl::InternalError(absl::StrCat("event \"", name, "\" vanished"));
            }
            if (it->second.body == row.body) {
              outcomes[i] = ImportOutcome::kUnchanged;
              continue;
            }
            auto old = Parse(it->second.body, name);
            if (!old.ok()) return old.status();
            if (!SameDatasetRow(*old, in)) {
              outcomes[i] = ImportOutcome::kNameTaken;
              continue;
            }
            // A corrected row: its old rows go, the record is rewritten in
            // place under the same name.
            DyadBatch gone;
            if (auto s = gone.Add(*old, it->second.id, &deltas, -1); !s.ok()) return s;
            if (auto s = gone.Delete(c); !s.ok()) return s;
            const Event& e = *in.event;
            pg::Params p;
            p.Int(it->second.id).Int(row.sort_key).Int(row.end_day).Int(row.span_days);
            p.Int(row.origin).Text(e.kind()).Text(e.domain()).Text(SearchText(e));
            p.Bytes(row.body);
            if (auto r = c.Run(kUpdateEventSql, p); !r.ok()) return r.status();
            DyadBatch added;
            if (auto s = added.Add(e, it->second.id, &deltas, +1); !s.ok()) return s;
            if (auto s = added.Insert(c); !s.ok()) return s;
            changes.Deleted(name, it->second.body);
            changes.Inserted(name, row.body);
            it->second.body = row.body;
            outcomes[i] = ImportOutcome::kUpdated;
          }
          return absl::OkStatus();
        },
        /*retry_on_loss=*/false);
    if (!s.ok()) return s;
    return outcomes;
  }

  absl::Status Update(const Event& e) override { return Rewrite(e.name(), &e); }
  absl::Status Delete(const std::string& name) override { return Rewrite(name, nullptr); }

  absl::StatusOr<ReleaseInfo> LatestRelease() override {
    absl::StatusOr<ReleaseInfo> out;
    auto s = pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          out = Latest(c);
          return out.status();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ReleaseInfo> FindRelease(const std::string& id) override {
    absl::StatusOr<ReleaseInfo> out;
    auto s = Snapshot([&](pg::Connection& c) -> absl::Status {
      auto r = c.Run(kFindReleaseSql, pg::Params().Text(id));
      if (!r.ok()) return r.status();
      if (r->rows() == 0) {
        out = absl::NotFoundError(absl::StrCat("release \"", id, "\" not found"));
        return absl::OkStatus();
      }
      auto floor = Floor(c);
      if (!floor.ok()) return floor.status();
      ReleaseInfo info = ReleaseRow(*r, 0);
      out = info.seq < *floor ? absl::StatusOr<ReleaseInfo>(PrunedError(info, *floor))
                              : absl::StatusOr<ReleaseInfo>(std::move(info));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<std::vector<ReleaseInfo>> ListReleases(int64_t before_no, int limit) override {
    std::vector<ReleaseInfo> out;
    auto s = pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          out.clear();
          auto r = c.Run(kListReleasesSql, pg::Params().Int(before_no).Int(limit));
          if (!r.ok()) return r.status();
          for (int i = 0; i < r->rows(); ++i) out.push_back(ReleaseRow(*r, i));
          return absl::OkStatus();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<std::vector<ChangeRecord>> ListChanges(int64_t since, int limit) override {
    absl::StatusOr<std::vector<ChangeRecord>> out;
    auto s = Snapshot([&](pg::Connection& c) -> absl::Status {
      auto floor = Floor(c);
      if (!floor.ok()) return floor.status();
      if (since < *floor) {
        out = PrunedSinceError(since, *floor);
        return absl::OkStatus();
      }
      auto r = c.Run(kListChangesSql, pg::Params().Int(since).Int(limit));
      if (!r.ok()) return r.status();
      std::vector<ChangeRecord> changes;
      for (int i = 0; i < r->rows(); ++i) {
        ChangeRecord ch;
        ch.seq = r->Int64(i, 0);
        ch.kind = static_cast<int>(r->Int64(i, 1));
        ch.name = r->Text(i, 2);
        if (!r->IsNull(i, 3)) ch.previous = r->Text(i, 3);
        ch.commit_time_micros = r->Int64(i, 4);
        if (!r->IsNull(i, 5)) ch.body = r->Text(i, 5);
        changes.push_back(std::move(ch));
      }
      out = std::move(changes);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<std::string> GetSerializedAt(const std::string& name, int64_t seq) override {
    absl::StatusOr<std::string> out;
    auto s = Snapshot([&](pg::Connection& c) -> absl::Status {
      auto r = c.Run(kFirstChangeAfterSql, pg::Params().Text(name).Int(seq));
      if (!r.ok()) return r.status();
      if (r->rows() > 0) {
        out = r->IsNull(0, 1)  // created after that position
                  ? absl::StatusOr<std::string>(
                        absl::NotFoundError(absl::StrCat("event \"", name, "\" not found")))
                  : absl::StatusOr<std::string>(r->Text(0, 1));
        return absl::OkStatus();
      }
      auto now = c.Run(kGetSql, pg::Params().Text(name));
      if (!now.ok()) return now.status();
      out = now->rows() == 0 ? absl::StatusOr<std::string>(absl::NotFoundError(
                                   absl::StrCat("event \"", name, "\" not found")))
                             : absl::StatusOr<std::string>(now->Text(0, 0));
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<std::vector<ChangedRecord>> ChangedSince(int64_t seq, int limit) override {
    std::vector<ChangedRecord> out;
    auto s = Snapshot([&](pg::Connection& c) -> absl::Status {
      out.clear();
      auto r = c.Run(kChangedSinceSql, pg::Params().Int(seq).Int(limit));
      if (!r.ok()) return r.status();
      for (int i = 0; i < r->rows(); ++i) {
        ChangedRecord ch;
        ch.name = r->Text(i, 0);
        if (!r->IsNull(i, 2)) ch.then = r->Text(i, 2);
        if (!r->IsNull(i, 3)) ch.now = r->Text(i, 3);
        out.push_back(std::move(ch));
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  absl::Status PruneHistory(int64_t seq) override {
    return pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          if (auto r = c.Run(kSetHistoryFloorSql, pg::Params().Int(seq)); !r.ok()) {
            return r.status();
          }
          if (auto r = c.Run(kPruneChangesSql, pg::Params().Int(seq)); !r.ok()) return r.status();
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
  }

  absl::StatusOr<std::vector<CountRow>> Count(const CountQuery& q) override {
    absl::StatusOr<std::vector<CountRow>> out;
    auto s = pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          // Whole months and part-months from one snapshot.
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(kReadSnapshot); !s.ok()) return s;
          out = CountWith(Reads(c), q);
          if (!out.ok()) {
            // A refused query is the answer; a failed read is the call's.
            if (absl::IsInvalidArgument(out.status())) return absl::OkStatus();
            return out.status();
          }
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

 private:
  // Runs `fn` in a write transaction on a pooled connection, then writes the
  // monthly totals it changed and commits. A deadlock or serialization
  // failure rolls everything back and runs it again.
  // The changes `fn` records go to the log last (AppendChanges).
  absl::Status Write(
      const std::function<absl::Status(pg::Connection&, MonthDeltas&, ChangeBuffer&)>& fn,
      bool retry_on_loss) {
    absl::Status s;
    for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
      s = pool_->With(
          [&](pg::Connection& c) -> absl::Status {
            MonthDeltas deltas;
            ChangeBuffer changes;
            pg::Transaction tx(&c);
            if (auto s = tx.Begin(); !s.ok()) return s;
            if (auto s = fn(c, deltas, changes); !s.ok()) return s;
            if (auto s = FlushMonthCounts(c, deltas); !s.ok()) return s;
            if (auto s = AppendChanges(c, changes); !s.ok()) return s;
            return tx.Commit();
          },
          retry_on_loss);
      if (!absl::IsAborted(s)) return s;
    }
    return s;
  }

  // `fn` in one read-only snapshot on a pooled connection.
  absl::Status Snapshot(const std::function<absl::Status(pg::Connection&)>& fn) {
    return pool_->With(
        [&](pg::Connection& c) -> absl::Status {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(kReadSnapshot); !s.ok()) return s;
          if (auto s = fn(c); !s.ok()) return s;
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
  }

  static std::vector<const EventRow*> InNameOrder(const std::vector<EventRow>& rows) {
    std::vector<const EventRow*> order;
    order.reserve(rows.size());
    for (const EventRow& r : rows) order.push_back(&r);
    std::stable_sort(order.begin(), order.end(), [](const EventRow* x, const EventRow* y) {
      return x->event->name() < y->event->name();
    });
    return order;
  }

  // The transaction's net changes and a release, after everything else:
  // the head row's lock, held to the commit, makes seq order commit order.
  static absl::Status AppendChanges(pg::Connection& c, const ChangeBuffer& changes) {
    const std::vector<ChangeBuffer::Change> net = changes.Net();
    if (net.empty() && !changes.plugins_touched()) return absl::OkStatus();
    auto v = c.Run(kPluginVersionsSql);
    if (!v.ok()) return v.status();
    std::vector<std::pair<std::string, std::string>> versions;
    for (int i = 0; i < v->rows(); ++i) versions.emplace_back(v->Text(i, 0), v->Text(i, 1));
    const std::string plugins = PluginsFingerprint(std::move(versions));
    if (net.empty()) {
      auto latest = c.Run(kLatestReleaseSql);
      if (!latest.ok()) return latest.status();
      if (latest->rows() && latest->Text(0, 4) == plugins) return absl::OkStatus();
    }
    auto head = c.Run(kAdvanceHeadSql, pg::Params().Int(static_cast<int64_t>(net.size())));
    if (!head.ok()) return head.status();
    if (head->rows() != 1) return absl::InternalError("event_log_head has no row");
    const int64_t last = head->Int64(0, 0);
    const int64_t no = head->Int64(0, 1);
    const int64_t now = NowMicros();
    using A = BinaryArray;
    for (size_t start = 0; start < net.size(); start += kChunk) {
      const size_t end = std::min(net.size(), start + kChunk);
      A seq(A::kInt8), name(A::kText), kind(A::kInt4), prev(A::kBytea), time(A::kInt8);
      for (size_t i = start; i < end; ++i) {
        seq.Int(last - static_cast<int64_t>(net.size()) + 1 + static_cast<int64_t>(i));
        name.Text(net[i].name);
        kind.Int(net[i].kind);
        if (net[i].previous) prev.Text(*net[i].previous); else prev.Null();
        time.Int(now);
      }
      pg::Params p;
      p.Bytes(seq.Done()).Bytes(name.Done()).Bytes(kind.Done()).Bytes(prev.Done());
      p.Bytes(time.Done());
      if (auto r = c.Run(kInsertChangesSql, p); !r.ok()) return r.status();
    }
    return c
        .Run(kInsertReleaseSql,
             pg::Params().Int(no).Text(ReleaseId(last, plugins)).Int(last).Text(plugins).Int(now))
        .status();
  }

  static ReleaseInfo ReleaseRow(const pg::Result& r, int i) {
    ReleaseInfo out;
    out.no = r.Int64(i, 0);
    out.id = r.Text(i, 1);
    out.seq = r.Int64(i, 2);
    out.create_time_micros = r.Int64(i, 3);
    out.plugins_fingerprint = r.Text(i, 4);
    return out;
  }

  static absl::StatusOr<ReleaseInfo> Latest(pg::Connection& c) {
    auto r = c.Run(kLatestReleaseSql);
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return absl::InternalError("event_releases is empty");
    return ReleaseRow(*r, 0);
  }

  static absl::StatusOr<int64_t> Floor(pg::Connection& c) {
    auto r = c.Run(kHistoryFloorSql);
    if (!r.ok()) return r.status();
    return r->rows() ? r->Int64(0, 0) : 0;
  }

  // Update (`replacement` set) or Delete of an API record.
  absl::Status Rewrite(const std::string& name, const Event* replacement) {
    return Write(
        [&](pg::Connection& c, MonthDeltas& deltas, ChangeBuffer& changes) -> absl::Status {
          auto found = c.Run(kFindOneSql, pg::Params().Text(name));
          if (!found.ok()) return found.status();
          if (found->rows() == 0) {
            return absl::NotFoundError(absl::StrCat("event \"", name, "\" not found"));
          }
          const int64_t id = found->Int64(0, 0);
          const std::string old_body = found->Text(0, 1);
          auto old = Parse(old_body, name);
          if (!old.ok()) return old.status();
          if (auto s = CheckApiRecord(*old); !s.ok()) return s;
          DyadBatch gone;
          if (auto s = gone.Add(*old, id, &deltas, -1); !s.ok()) return s;
          if (auto s = gone.Delete(c); !s.ok()) return s;
          changes.Deleted(name, old_body);
          if (!replacement) {
            return c.Run(kDeleteOneSql, pg::Params().Int(id)).status();
          }
          const Event& e = *replacement;
          const EventRow row = RowOf(e, e.SerializeAsString());
          pg::Params p;
          p.Int(id).Int(row.sort_key).Int(row.end_day).Int(row.span_days);
          p.Int(row.origin).Text(e.kind()).Text(e.domain()).Text(SearchText(e));
          p.Bytes(row.body);
          if (auto r = c.Run(kUpdateEventSql, p); !r.ok()) return r.status();
          DyadBatch added;
          if (auto s = added.Add(e, id, &deltas, +1); !s.ok()) return s;
          if (auto s = added.Insert(c); !s.ok()) return s;
          changes.Inserted(name, row.body);
          return absl::OkStatus();
        },
        /*retry_on_loss=*/false);
  }

  static absl::Status DeletePluginEvents(pg::Connection& c, const std::string& plugin,
                                         MonthDeltas* deltas, ChangeBuffer* changes) {
    auto r = c.Run(kPluginEventsSql, pg::Params().Text(plugin));
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return absl::OkStatus();
    for (int start = 0; start < r->rows(); start += static_cast<int>(kChunk)) {
      DyadBatch gone;
      for (int i = start; i < std::min(r->rows(), start + static_cast<int>(kChunk)); ++i) {
        const std::string body = r->Text(i, 0);
        auto e = Parse(body, absl::StrCat("of plugin ", plugin));
        if (!e.ok()) return e.status();
        changes->Deleted(e->name(), body);
        if (auto s = gone.Add(*e, 0, deltas, -1); !s.ok()) return s;
      }
      if (auto s = gone.Delete(c); !s.ok()) return s;
    }
    return c.Run(kDeletePluginEventsSql, pg::Params().Text(plugin)).status();
  }

  // The three count reads on connection `c` (event_rows.h).
  static CountReads Reads(pg::Connection& c) {
    CountReads reads;
    reads.scan = [&c](int a, int b, int64_t first, int64_t last, const CountQuery& q,
                      CountRows* rows) -> absl::Status {
      auto r = c.Run(kScanDyadSql, pg::Params()
                                       .Int(a)
                                       .Int(b)
                                       .Int(first * 4)
                                       .Int(last * 4 + 3)
                                       .Int(q.direction)
                                       .Int(q.origin));
      if (!r.ok()) return r.status();
      for (int i = 0; i < r->rows(); ++i) {
        AddScannedEvent(q, r->Int64(i, 0), r->Text(i, 1), static_cast<int>(r->Int64(i, 2)),
                        OptionalFloat8(*r, i, 3), OptionalFloat8(*r, i, 4), rows);
      }
      return absl::OkStatus();
    };
    reads.months = [&c](int a, int b, const WholeMonths& m, int direction, int origin,
                        int64_t ends_by, CountRows* rows) -> absl::Status {
      // From month 0 of the first year, where its year-only dates are.
      auto r = c.Run(kMonthCountsSql, pg::Params()
                                          .Int(a)
                                          .Int(b)
                                          .Int(m.ym_lo / 100 * 100)
                                          .Int(m.ym_hi)
                                          .Int(direction)
                                          .Int(origin));
      if (!r.ok()) return r.status();
      for (int i = 0; i < r->rows(); ++i) {
        MonthSums sums;
        sums.events = r->Int64(i, 1);
        sums.goldstein_sum = Float8(*r, i, 2);
        sums.goldstein_count = r->Int64(i, 3);
        sums.tone_sum = Float8(*r, i, 4);
        sums.tone_count = r->Int64(i, 5);
        AddMonthRow(m, ends_by, r->Int64(i, 0), sums, rows);
      }
      return absl::OkStatus();
    };
    reads.count_rows = [&c](int a, int b, int64_t first, int64_t last, int64_t min_end,
                            int origin) -> absl::StatusOr<int64_t> {
      auto r = c.Run(kCountDyadRangeSql, pg::Params()
                                             .Int(a)
                                             .Int(b)
                                             .Int(first * 4)
                                             .Int(last * 4 + 3)
                                             .Int(min_end)
                                             .Int(origin));
      if (!r.ok()) return r.status();
      return r->rows() ? r->Int64(0, 0) : 0;
    };
    return reads;
  }

  std::shared_ptr<pg::Pool> pool_;
  const PgPluginState plugin_state_{"event_plugin_state", "dyad.events.plugins"};
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> OpenPgEventStore(std::shared_ptr<pg::Pool> pool) {
  auto store = std::make_unique<PgEventStore>(std::move(pool));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::events
