// ObservationStore on PostgreSQL: the same behaviour as the SQLite store
// (tests/unit/economics_store_conformance_test.cc runs one suite on both),
// for deployments whose replicas share one database.
//
// Layout: `observations` (serialized proto plus the columns the queries
// need) and `observation_plugin_state`. Where the SQLite store keeps a side
// table with a row per country of a figure, PostgreSQL has two indexes
// (reporter, …) and (partner, …) in page order: a country's page is a merge
// of two index range scans (UNION ALL of two ordered, limited branches) and
// its count a BitmapOr. Each imported figure then costs one heap row and
// five index entries (name, indicator, series, reporter, partner).
//
// An imported figure's name is a function of its (dataset, upstream_id)
// (EconomicsCore::MapImported), so the unique name also keeps each upstream
// row once; imports find their stored rows by name and check the row's
// dataset and upstream_id, as the SQLite store finds them by those columns. Every text column that pages sort on or that a
// page token carries is COLLATE "C": names order bytewise, as in SQLite, and
// a page token means the same on both engines.
//
// Concurrency between replicas:
//   - migrations run under pg::Migrate's advisory lock;
//   - plugin loading runs in one transaction under the advisory lock
//     "dyad.economics.plugins": a second replica starting at the same time
//     waits, then finds version and fingerprint stored (kUnchanged);
//   - an import message is one transaction under the advisory lock
//     "dyad.economics.import", so two replicas importing the same upstream
//     rows never both "create" one (each message sees the other's committed
//     rows and reports created/updated/unchanged exactly as SQLite would).
//     Reads and API writes do not take it;
//   - API inserts rely on the UNIQUE name (ALREADY_EXISTS for the loser).
//
// The bulk path sends a message's rows as one array per column and writes
// them with one multi-row INSERT … SELECT FROM unnest(…): a round trip per
// statement, not per row. Bodies travel as hex bytea literals inside a
// text[] parameter.
#include <map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "observation_store.h"

namespace dyad::economics {
namespace {

using dyad::economics::v1::Observation;

constexpr pg::Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE observations (
  name TEXT COLLATE "C" PRIMARY KEY,
  indicator TEXT COLLATE "C" NOT NULL,
  reporter TEXT COLLATE "C" NOT NULL,
  partner TEXT COLLATE "C" NOT NULL,
  sort_key BIGINT NOT NULL,
  start_day BIGINT NOT NULL,
  end_day BIGINT NOT NULL,
  plugin TEXT COLLATE "C" NOT NULL,
  origin INTEGER NOT NULL,
  commodity TEXT COLLATE "C" NOT NULL,
  dataset TEXT COLLATE "C",
  upstream_id TEXT COLLATE "C",
  body BYTEA NOT NULL
);
CREATE INDEX observations_by_indicator ON observations (indicator, sort_key, name);
CREATE INDEX observations_by_reporter ON observations (reporter, indicator, sort_key, name);
CREATE INDEX observations_by_partner ON observations (partner, indicator, sort_key, name);
CREATE INDEX observations_by_series_commodity
  ON observations (indicator, reporter, partner, commodity, sort_key, name);
-- Plugin records only: imported and API rows (plugin '') never touch it.
CREATE INDEX observations_by_plugin ON observations (plugin) WHERE plugin <> '';
CREATE TABLE observation_plugin_state (
  plugin TEXT COLLATE "C" PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
};
constexpr int kCompatibleVersion = 1;

constexpr char kLockSql[] = "SELECT pg_advisory_xact_lock(hashtext($1))";
constexpr char kPluginsLock[] = "dyad.economics.plugins";
constexpr char kImportLock[] = "dyad.economics.import";

constexpr char kGetSql[] = "SELECT body FROM observations WHERE name = $1";
constexpr char kSeriesSql[] =
    "SELECT body, name FROM observations WHERE indicator = $1 AND reporter = $2 AND partner = $3"
    " AND commodity = $4 ORDER BY sort_key, name";
constexpr char kSeriesEitherOrderSql[] =
    "SELECT body, name, sort_key FROM observations"
    " WHERE indicator = $1 AND reporter = $2 AND partner = $3 AND commodity = $4"
    " UNION SELECT body, name, sort_key FROM observations"
    " WHERE indicator = $1 AND reporter = $3 AND partner = $2 AND commodity = $4"
    " ORDER BY sort_key, name";
// (plugin <> '' lets the partial index serve it.)
constexpr char kDeletePluginObservationsSql[] =
    "DELETE FROM observations WHERE plugin = $1 AND plugin <> ''";

// One figure written through the API. dataset/upstream_id are NULL for it.
constexpr char kInsertSql[] =
    "INSERT INTO observations (name, indicator, reporter, partner, sort_key, start_day, end_day, "
    "plugin, origin, commodity, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

// Many figures at once, one array per column, in one statement. A figure
// whose name is taken is written only when it is the same upstream row (an
// imported figure corrected): a curated or API record, or another row of
// the dataset, is never overwritten, and the row is skipped (no abort
// halfway). The names written come back. An empty dataset is NULL (a
// curated record).
constexpr char kUpsertManySql[] =
    "INSERT INTO observations (name, indicator, reporter, partner, sort_key, "
    "start_day, end_day, plugin, origin, commodity, dataset, upstream_id, body) "
    "SELECT n, i, r, p, k, f, l, $8::TEXT, o, c, NULLIF(d, ''), NULLIF(u, ''), b FROM unnest("
    "$1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::BIGINT[], $7::BIGINT[], "
    "$9::INTEGER[], $10::TEXT[], $11::TEXT[], $12::TEXT[], $13::BYTEA[]) "
    "AS t(n, i, r, p, k, f, l, o, c, d, u, b) "
    "ON CONFLICT (name) DO UPDATE SET indicator = excluded.indicator, "
    "reporter = excluded.reporter, partner = excluded.partner, sort_key = excluded.sort_key, "
    "start_day = excluded.start_day, end_day = excluded.end_day, origin = excluded.origin, "
    "commodity = excluded.commodity, body = excluded.body "
    "WHERE observations.dataset = excluded.dataset "
    "AND observations.upstream_id = excluded.upstream_id "
    "RETURNING name";
// The stored figures of these names (ord = position in the array, from 1).
constexpr char kFindByNameSql[] =
    "SELECT t.ord, o.dataset, o.upstream_id, o.body FROM unnest($1::TEXT[]) WITH ORDINALITY "
    "AS t(n, ord) JOIN observations o ON o.name = t.n";

// ListObservations: four shapes (by indicator or not, by country or not),
// each with its count. The period/commodity/origin filter takes four
// parameters starting at `n`; the keyset position and the limit are
// numbered per shape.
std::string Filter(int n) {
  return absl::StrCat(" AND o.start_day <= $", n, "::BIGINT AND o.end_day >= $", n + 1,
                      "::BIGINT AND o.commodity = $", n + 2, "::TEXT AND ($", n + 3,
                      "::INTEGER = 0 OR o.origin = $", n + 3, "::INTEGER)");
}
// $2: the second country, '' for none.
constexpr char kSecondCountry[] =
    " AND ($2::TEXT = '' OR o.reporter = $2::TEXT OR o.partner = $2::TEXT)";

struct ListShape {
  std::string list;   // rows of one page
  std::string count;  // total_size
};

// $1 after.indicator $2 after.sort_key $3 after.name, filter $4..$7, $8 limit.
const ListShape& AllShape() {
  static const ListShape* s = new ListShape{
      absl::StrCat("SELECT o.body FROM observations o WHERE (o.indicator, o.sort_key, o.name) > "
                   "($1::TEXT, $2::BIGINT, $3::TEXT)",
                   Filter(4), " ORDER BY o.indicator, o.sort_key, o.name LIMIT $8"),
      absl::StrCat("SELECT COUNT(*) FROM observations o WHERE TRUE", Filter(1))};
  return *s;
}
// $1 indicator $2 after.sort_key $3 after.name, filter $4..$7, $8 limit.
const ListShape& IndicatorShape() {
  static const ListShape* s = new ListShape{
      absl::StrCat("SELECT o.body FROM observations o WHERE o.indicator = $1::TEXT AND "
                   "(o.sort_key, o.name) > ($2::BIGINT, $3::TEXT)",
                   Filter(4), " ORDER BY o.sort_key, o.name LIMIT $8"),
      absl::StrCat("SELECT COUNT(*) FROM observations o WHERE o.indicator = $1::TEXT",
                   Filter(2))};
  return *s;
}
// A country's figures in page order: those it reports, merged with those
// where it is the partner and not also the reporter, each branch an index
// range scan cut at the limit. `where`, `keyset` and `order` are the shape's.
std::string CountryBranches(const std::string& where, const std::string& keyset,
                            const std::string& order) {
  auto branch = [&](const char* column, const char* extra) {
    return absl::StrCat("(SELECT o.body, o.indicator, o.sort_key, o.name FROM observations o"
                        " WHERE o.", column, " = $1::TEXT", extra, where, " AND ", keyset,
                        Filter(6), kSecondCountry, " ORDER BY ", order, " LIMIT $10)");
  };
  std::string outer_order = order;
  for (size_t p = outer_order.find("o."); p != std::string::npos;
       p = outer_order.find("o.", p + 2)) {
    outer_order[p] = 'u';
  }
  return absl::StrCat("SELECT u.body FROM (", branch("reporter", ""), " UNION ALL ",
                      branch("partner", " AND o.reporter <> $1::TEXT"), ") u ORDER BY ",
                      outer_order, " LIMIT $10");
}
constexpr char kEitherCountry[] = "(o.reporter = $1::TEXT OR o.partner = $1::TEXT)";

// $1 country $2 second country, $3 after.indicator $4 after.sort_key
// $5 after.name, filter $6..$9, $10 limit.
const ListShape& CountryShape() {
  static const ListShape* s = new ListShape{
      CountryBranches("", "(o.indicator, o.sort_key, o.name) > ($3::TEXT, $4::BIGINT, $5::TEXT)",
                      "o.indicator, o.sort_key, o.name"),
      absl::StrCat("SELECT COUNT(*) FROM observations o WHERE ", kEitherCountry, Filter(3),
                   kSecondCountry)};
  return *s;
}
// $1 country $2 second country $3 indicator $4 after.sort_key $5 after.name,
// filter $6..$9, $10 limit.
const ListShape& CountryIndicatorShape() {
  static const ListShape* s = new ListShape{
      CountryBranches(" AND o.indicator = $3::TEXT",
                      "(o.sort_key, o.name) > ($4::BIGINT, $5::TEXT)", "o.sort_key, o.name"),
      absl::StrCat("SELECT COUNT(*) FROM observations o WHERE ", kEitherCountry,
                   " AND o.indicator = $3::TEXT", Filter(4), kSecondCountry)};
  return *s;
}

// The date a figure is placed by: its period, else its as_of.
const dyad::type::v1::PartialDate& PlacingDate(const Observation& o) {
  return o.period().year() > 0 ? o.period() : o.as_of();
}

absl::StatusOr<Observation> Parse(const std::string& bytes, const std::string& name) {
  Observation o;
  if (!o.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("observation \"", name, "\" is stored corrupt"));
  }
  return o;
}

// A bytea value as its hex input form ("\x0a1b…").
std::string HexBytea(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 + bytes.size() * 2);
  out += "\\x";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// One row for kUpsertManySql.
struct Row {
  const Observation* observation;
  std::string dataset;      // '' for curated
  std::string upstream_id;  // '' for curated
  std::string body;         // serialized observation
};

// Column arrays of `rows` (each array bound as one text[] parameter).
struct Columns {
  std::vector<std::string> name, indicator, reporter, partner, sort_key, first, last, origin,
      commodity, dataset, upstream_id, body;
};

// Writes `rows` (those whose name is free or held by the same upstream
// row). Returns the names written. Caller holds a transaction.
absl::StatusOr<std::unordered_set<std::string>> InsertMany(
    pg::Connection& c, const std::vector<Row>& rows, const std::string& plugin) {
  std::unordered_set<std::string> written_names;
  if (rows.empty()) return written_names;
  Columns col;
  for (const Row& row : rows) {
    const Observation& o = *row.observation;
    const auto& date = PlacingDate(o);
    const bool dated = date.year() > 0;
    col.name.push_back(o.name());
    col.indicator.push_back(o.indicator());
    col.reporter.push_back(o.reporter());
    col.partner.push_back(o.partner());
    col.sort_key.push_back(std::to_string(ObservationSortKey(o)));
    col.first.push_back(std::to_string(dated ? FirstDay(date) : kMinDay));
    col.last.push_back(std::to_string(dated ? LastDay(date) : kMaxDay));
    col.origin.push_back(
        std::to_string(o.origin() != 0 ? o.origin() : dyad::type::v1::ORIGIN_CURATED));
    col.commodity.push_back(o.commodity());
    col.dataset.push_back(row.dataset);
    col.upstream_id.push_back(row.upstream_id);
    col.body.push_back(HexBytea(row.body));
  }
  pg::Params p;
  p.TextArray(col.name)
      .TextArray(col.indicator)
      .TextArray(col.reporter)
      .TextArray(col.partner)
      .TextArray(col.sort_key)
      .TextArray(col.first)
      .TextArray(col.last)
      .Text(plugin)
      .TextArray(col.origin)
      .TextArray(col.commodity)
      .TextArray(col.dataset)
      .TextArray(col.upstream_id)
      .TextArray(col.body);
  auto written = c.Run(kUpsertManySql, p);
  if (!written.ok()) return written.status();
  written_names.reserve(written->rows());
  for (int r = 0; r < written->rows(); ++r) written_names.insert(written->Text(r, 0));
  return written_names;
}

absl::Status Lock(pg::Connection& c, const char* key) {
  return c.Run(kLockSql, pg::Params().Text(key)).status();
}

class PgObservationStore final : public ObservationStore {
 public:
  explicit PgObservationStore(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  absl::Status Migrate() {
    return pool_->With(
        [](pg::Connection& c) {
          return pg::Migrate(c, "economics", kMigrations, kCompatibleVersion);
        },
        /*retry_on_loss=*/true);
  }

  absl::StatusOr<Observation> Get(const std::string& name) override {
    absl::StatusOr<Observation> out;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          auto r = c.Run(kGetSql, pg::Params().Text(name));
          if (!r.ok()) return r.status();
          if (r->rows() == 0) {
            out = absl::NotFoundError(absl::StrCat("observation \"", name, "\" not found"));
          } else {
            out = Parse(r->Text(0, 0), name);
          }
          return absl::OkStatus();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<ObservationPage> List(const ObservationQuery& q) override {
    const bool by_indicator = !q.indicator.empty();
    const bool by_country = !q.countries.empty();
    const ListShape& shape = by_country ? (by_indicator ? CountryIndicatorShape() : CountryShape())
                                        : (by_indicator ? IndicatorShape() : AllShape());
    const std::string after_indicator = q.after ? q.after->indicator : "";
    const int64_t after_key = q.after ? q.after->sort_key : INT64_MIN;
    const std::string after_name = q.after ? q.after->name : "";
    auto add_filter = [&](pg::Params& p) {
      p.Int(q.period.last).Int(q.period.first).Text(q.commodity).Int(q.origin);
    };
    pg::Params page_params, count_params;
    if (by_country) {
      const std::string second = q.countries.size() > 1 ? q.countries[1] : "";
      for (pg::Params* p : {&page_params, &count_params}) p->Text(q.countries[0]).Text(second);
      if (by_indicator) {
        page_params.Text(q.indicator).Int(after_key).Text(after_name);
        count_params.Text(q.indicator);
      } else {
        page_params.Text(after_indicator).Int(after_key).Text(after_name);
      }
    } else if (by_indicator) {
      page_params.Text(q.indicator).Int(after_key).Text(after_name);
      count_params.Text(q.indicator);
    } else {
      page_params.Text(after_indicator).Int(after_key).Text(after_name);
    }
    add_filter(page_params);
    add_filter(count_params);
    page_params.Int(q.limit + 1);  // one extra row tells whether more follow

    ObservationPage page;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          page = ObservationPage();
          // One snapshot for the page and its count.
          pg::Transaction tx(&c);
          if (auto s = tx.Begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s.ok()) {
            return s;
          }
          auto rows = c.Run(shape.list, page_params);
          if (!rows.ok()) return rows.status();
          for (int r = 0; r < rows->rows(); ++r) {
            if (static_cast<int>(page.observations.size()) == q.limit) {
              const Observation& last = page.observations.back();
              page.next =
                  ObservationCursor{last.indicator(), ObservationSortKey(last), last.name()};
              break;
            }
            auto o = Parse(rows->Text(r, 0), "?");
            if (!o.ok()) return o.status();
            page.observations.push_back(std::move(*o));
          }
          auto count = c.Run(shape.count, count_params);
          if (!count.ok()) return count.status();
          page.total_size = count->rows() ? count->Int64(0, 0) : 0;
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return page;
  }

  absl::StatusOr<std::vector<Observation>> ListSeries(const std::string& indicator,
                                                      const std::string& reporter,
                                                      const std::string& partner,
                                                      bool either_order,
                                                      const std::string& commodity) override {
    std::vector<Observation> out;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          out.clear();
          auto r = c.Run(either_order ? kSeriesEitherOrderSql : kSeriesSql,
                         pg::Params().Text(indicator).Text(reporter).Text(partner).Text(commodity));
          if (!r.ok()) return r.status();
          out.reserve(r->rows());
          for (int i = 0; i < r->rows(); ++i) {
            auto o = Parse(r->Text(i, 0), r->Text(i, 1));
            if (!o.ok()) return o.status();
            out.push_back(std::move(*o));
          }
          return absl::OkStatus();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::Status Insert(const Observation& o) override {
    const auto& date = PlacingDate(o);
    const bool dated = date.year() > 0;
    const int64_t key = ObservationSortKey(o);
    pg::Params p;
    p.Text(o.name())
        .Text(o.indicator())
        .Text(o.reporter())
        .Text(o.partner())
        .Int(key)
        .Int(dated ? FirstDay(date) : kMinDay)
        .Int(dated ? LastDay(date) : kMaxDay)
        .Text("")
        .Int(o.origin() != 0 ? o.origin() : dyad::type::v1::ORIGIN_CURATED)
        .Text(o.commodity())
        .Bytes(o.SerializeAsString());
    // Not retried on a lost connection: the commit may have happened.
    return pool_->With(
        [&](pg::Connection& c) {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          auto r = c.Run(kInsertSql, p);
          if (!r.ok()) {
            if (absl::IsAlreadyExists(r.status())) {
              return absl::AlreadyExistsError(
                  absl::StrCat("observation \"", o.name(), "\" already exists"));
            }
            return r.status();
          }
          return tx.Commit();
        },
        /*retry_on_loss=*/false);
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Observation>& observations) override {
    std::vector<Row> rows;
    rows.reserve(observations.size());
    std::unordered_set<std::string> seen;
    for (const Observation& o : observations) {
      // (One statement cannot write a name twice.)
      if (!seen.insert(o.name()).second) {
        return absl::FailedPreconditionError(
            absl::StrCat("plugin ", plugin, ": ", o.name(), " appears twice"));
      }
      rows.push_back(Row{&o, "", "", o.SerializeAsString()});
    }
    SyncOutcome outcome = SyncOutcome::kUnchanged;
    // A retry after a lost connection is safe: the work is idempotent.
    auto s = pool_->With(
        [&](pg::Connection& c) {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          auto compared = plugin_state_.LockAndCompare(c, plugin, version, fingerprint);
          if (!compared.ok()) return compared.status();
          outcome = *compared;
          if (outcome == SyncOutcome::kUnchanged) return tx.Commit();
          if (auto r = c.Run(kDeletePluginObservationsSql, pg::Params().Text(plugin)); !r.ok()) {
            return r.status();
          }
          auto ids = InsertMany(c, rows, plugin);
          if (!ids.ok()) return ids.status();
          if (ids->size() != rows.size()) {
            for (const Observation& o : observations) {
              if (!ids->count(o.name())) return PluginNameTakenError(plugin, o.name());
            }
          }
          if (auto s = plugin_state_.Put(c, plugin, version, fingerprint); !s.ok()) return s;
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return outcome;
  }

  absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) override {
    absl::StatusOr<std::vector<std::string>> removed;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          removed = plugin_state_.RemoveExcept(c, keep, [](pg::Connection& c, const std::string& p) {
            return c.Run(kDeletePluginObservationsSql, pg::Params().Text(p)).status();
          });
          if (!removed.ok()) return removed.status();
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return removed;
  }

  // Outcomes as the SQLite store gives them, row by row in order: a row
  // repeated within the message is compared with its previous occurrence; a
  // name held by another record (curated, API, or another upstream row
  // whose id maps to the same name) is kNameTaken for every row of its key.
  absl::StatusOr<std::vector<ImportOutcome>> Import(
      const std::vector<ImportedObservation>& observations) override {
    const size_t n = observations.size();
    std::vector<std::string> bodies(n);
    for (size_t i = 0; i < n; ++i) observations[i].observation.SerializeToString(&bodies[i]);
    // Distinct upstream rows (keys) in order of first appearance.
    std::map<std::pair<std::string, std::string>, size_t> key_of;
    std::vector<size_t> first_row;  // key → its first row
    std::vector<size_t> key(n);
    for (size_t i = 0; i < n; ++i) {
      auto [it, fresh] = key_of.emplace(
          std::make_pair(observations[i].dataset, observations[i].upstream_id), first_row.size());
      if (fresh) first_row.push_back(i);
      key[i] = it->second;
    }
    const size_t keys = first_row.size();
    std::vector<std::string> names(keys);
    for (size_t k = 0; k < keys; ++k) names[k] = observations[first_row[k]].observation.name();

    std::vector<ImportOutcome> outcomes;
    // Not retried on a lost connection: the commit may have happened, and a
    // second run would report the rows unchanged.
    auto s = pool_->With(
        [&](pg::Connection& c) {
          outcomes.assign(n, ImportOutcome::kUnchanged);
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          if (auto s = Lock(c, kImportLock); !s.ok()) return s;
          auto found = c.Run(kFindByNameSql, pg::Params().TextArray(names));
          if (!found.ok()) return found.status();
          std::vector<bool> exists(keys, false), taken(keys, false);
          std::vector<std::string> stored_body(keys);
          for (int r = 0; r < found->rows(); ++r) {
            const size_t k = static_cast<size_t>(found->Int64(r, 0) - 1);
            const ImportedObservation& in = observations[first_row[k]];
            if (!found->IsNull(r, 1) && found->Text(r, 1) == in.dataset &&
                found->Text(r, 2) == in.upstream_id) {
              exists[k] = true;
              stored_body[k] = found->Text(r, 3);
            } else {
              taken[k] = true;
            }
          }
          // Two upstream rows of this message whose ids map to one name: the
          // first has it.
          std::map<std::string, size_t> name_key;
          for (size_t k = 0; k < keys; ++k) {
            if (!taken[k] && !name_key.emplace(names[k], k).second) taken[k] = true;
          }
          // Walk the rows as SQLite does: compare each with what is stored
          // (or was written by an earlier row of this message).
          std::vector<const std::string*> current(keys, nullptr);
          std::vector<size_t> final_row(keys, SIZE_MAX);
          for (size_t k = 0; k < keys; ++k) {
            if (exists[k]) current[k] = &stored_body[k];
          }
          for (size_t i = 0; i < n; ++i) {
            const size_t k = key[i];
            if (taken[k]) {
              outcomes[i] = ImportOutcome::kNameTaken;
              continue;
            }
            if (current[k] != nullptr && *current[k] == bodies[i]) {
              outcomes[i] = ImportOutcome::kUnchanged;
              continue;
            }
            outcomes[i] = current[k] != nullptr ? ImportOutcome::kUpdated : ImportOutcome::kCreated;
            current[k] = &bodies[i];
            final_row[k] = i;
          }
          // Every figure to create or correct, in one statement.
          std::vector<Row> rows;
          for (size_t k = 0; k < keys; ++k) {
            if (final_row[k] == SIZE_MAX) continue;
            const ImportedObservation& in = observations[final_row[k]];
            rows.push_back(Row{&in.observation, in.dataset, in.upstream_id, bodies[final_row[k]]});
          }
          auto written = InsertMany(c, rows, "");
          if (!written.ok()) return written.status();
          if (written->size() != rows.size()) {
            // A name taken meanwhile (an API write racing this message).
            for (size_t i = 0; i < n; ++i) {
              if (final_row[key[i]] != SIZE_MAX && !written->count(names[key[i]])) {
                outcomes[i] = ImportOutcome::kNameTaken;
              }
            }
          }
          return tx.Commit();
        },
        /*retry_on_loss=*/false);
    if (!s.ok()) return s;
    return outcomes;
  }

 private:
  std::shared_ptr<pg::Pool> pool_;
  const PgPluginState plugin_state_{"observation_plugin_state", kPluginsLock};
};

}  // namespace

absl::StatusOr<std::unique_ptr<ObservationStore>> OpenPgObservationStore(
    std::shared_ptr<pg::Pool> pool) {
  auto store = std::make_unique<PgObservationStore>(std::move(pool));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::economics
