// InstitutionStore on PostgreSQL: the same behaviour as the SQLite store
// (the conformance suite in tests/unit/institution_store_test.cc runs both),
// for deployments whose replicas share one database.
//
// Layout mirrors the SQLite schema: `institutions` (serialized proto plus
// the filtered columns and a tsvector for the text query),
// `institution_countries`, `institution_plugin_state`. Every text column
// the pages sort or range-scan on is COLLATE "C", so names order bytewise
// exactly as in SQLite and page tokens mean the same on both engines.
//
// Concurrency: several replicas may migrate, load plugin records and
// write at once. Migrations and plugin loading each run in one transaction
// under a transaction-scoped advisory lock, so a second replica waits and
// then finds the plugin's version and fingerprint already stored
// (kUnchanged) instead of loading it twice; API inserts rely on the UNIQUE
// name (ALREADY_EXISTS for the loser of a race).
//
// The text query: core hands over the FTS5 form (`"belt"* "road"*`, words of
// letters/digits only, see ToFtsQuery); here it becomes the tsquery
// `'belt':* & 'road':*`, bound as a parameter and parsed by to_tsquery. Both
// sides are folded by unaccent() and the 'simple' configuration (lower
// case, no stemming, no stop words), as SQLite's unicode61 tokenizer with
// remove_diacritics folds them.
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/pg/migrations.h"
#include "common/pg/pool.h"
#include "institution_store.h"

namespace dyad::institutions {
namespace {

using dyad::institutions::v1::Institution;

constexpr pg::Migration kMigrations[] = {
    {1, R"sql(
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE institutions (
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  kind TEXT COLLATE "C" NOT NULL,
  host_country TEXT COLLATE "C" NOT NULL,
  city_lower TEXT COLLATE "C" NOT NULL,
  has_founded BOOLEAN NOT NULL,
  founded_first BIGINT NOT NULL,
  founded_last BIGINT NOT NULL,
  sort_key BIGINT NOT NULL,
  plugin TEXT COLLATE "C" NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  search TSVECTOR NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX institutions_by_founding ON institutions (sort_key, name);
CREATE INDEX institutions_by_plugin ON institutions (plugin);
CREATE INDEX institutions_by_kind ON institutions (kind);
CREATE INDEX institutions_by_host ON institutions (host_country, sort_key, name);
CREATE INDEX institutions_by_city ON institutions (city_lower, sort_key, name);
CREATE INDEX institutions_by_search ON institutions USING GIN (search);
CREATE TABLE institution_countries (
  country TEXT COLLATE "C" NOT NULL,
  institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
  PRIMARY KEY (country, institution_id)
);
CREATE INDEX institution_countries_by_institution ON institution_countries (institution_id);
CREATE TABLE institution_plugin_state (
  plugin TEXT COLLATE "C" PRIMARY KEY,
  version TEXT NOT NULL,
  fingerprint TEXT NOT NULL
);
)sql"},
};
constexpr int kCompatibleVersion = 1;

constexpr char kGetSql[] = "SELECT body FROM institutions WHERE name = $1";
// $12 = display name and description, folded for the text query.
constexpr char kInsertSql[] =
    "INSERT INTO institutions (name, kind, host_country, city_lower, has_founded, founded_first, "
    "founded_last, sort_key, plugin, display_name, description, body, search) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "to_tsvector('simple', unaccent($10 || ' ' || $11))) RETURNING id";
// The same for plugin records: a name already taken (by an API record; the
// plugin's own were deleted first) returns no row instead of aborting.
constexpr char kInsertPluginRecordSql[] =
    "INSERT INTO institutions (name, kind, host_country, city_lower, has_founded, founded_first, "
    "founded_last, sort_key, plugin, display_name, description, body, search) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
    "to_tsvector('simple', unaccent($10 || ' ' || $11))) "
    "ON CONFLICT (name) DO NOTHING RETURNING id";
constexpr char kInsertCountriesSql[] =
    "INSERT INTO institution_countries (country, institution_id) "
    "SELECT DISTINCT c, $2::BIGINT FROM unnest($1::TEXT[]) AS c ON CONFLICT DO NOTHING";
constexpr char kDeletePluginSql[] = "DELETE FROM institutions WHERE plugin = $1";

// ListInstitutions is composed from fixed fragments as in the SQLite store
// (so each filter present can use its index); values are always bound.
// $1, $2 = keyset position; the filters take $3...; the page's LIMIT last.
constexpr char kListHead[] =
    "SELECT i.body, i.sort_key, i.name FROM institutions i"
    " WHERE (i.sort_key, i.name) > ($1::BIGINT, $2::TEXT)";
constexpr char kCountHead[] = "SELECT COUNT(*) FROM institutions i WHERE TRUE";
// Each kind is an id or a dotted prefix.
constexpr char kKindsFilter[] =
    " AND EXISTS (SELECT 1 FROM unnest($%d::TEXT[]) AS k(v)"
    " WHERE i.kind = k.v OR starts_with(i.kind, k.v || '.'))";
// Every listed country (distinct) is among the institution's or its host.
constexpr char kCountriesFilter[] =
    " AND i.id IN (SELECT c.institution_id FROM institution_countries c"
    " WHERE c.country = ANY($%d::TEXT[]) GROUP BY c.institution_id HAVING COUNT(*) = $%d)";
constexpr char kHostFilter[] = " AND i.host_country = $%d";
constexpr char kCityFilter[] = " AND i.city_lower = $%d";
// Bounds on sort_key (an index range), then the exact overlap test.
constexpr char kFoundedFilter[] =
    " AND i.sort_key >= $%d AND i.sort_key <= $%d AND i.has_founded"
    " AND i.founded_last >= $%d AND i.founded_first <= $%d";
constexpr char kQueryFilter[] = " AND i.search @@ to_tsquery('simple', unaccent($%d))";

constexpr int64_t kMaxFoundedSpanDays = 366;

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
          if (w == '\'' || w == '\\') out += w == '\'' ? '\'' : '\\';
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

std::string Fragment(const char* format, int a, int b = 0, int c = 0, int d = 0) {
  char buf[512];
  snprintf(buf, sizeof buf, format, a, b, c, d);
  return buf;
}

// Fragments are numbered for the page statement ($3...); the count
// statement has the same fragments shifted down by two.
void Compose(const InstitutionQuery& q, int first, std::string* sql,
             std::vector<std::function<void(pg::Params&)>>* binds, int64_t* min_sort_key) {
  int n = first;
  if (!q.kinds.empty()) {
    *sql += Fragment(kKindsFilter, n, n);
    ++n;
    binds->push_back([&q](pg::Params& p) { p.TextArray(q.kinds); });
  }
  if (!q.countries.empty()) {
    *sql += Fragment(kCountriesFilter, n, n + 1);
    n += 2;
    binds->push_back([&q](pg::Params& p) {
      p.TextArray(q.countries).Int(static_cast<int64_t>(q.countries.size()));
    });
  }
  if (!q.host_country.empty()) {
    *sql += Fragment(kHostFilter, n++);
    binds->push_back([&q](pg::Params& p) { p.Text(q.host_country); });
  }
  if (!q.city_lower.empty()) {
    *sql += Fragment(kCityFilter, n++);
    binds->push_back([&q](pg::Params& p) { p.Text(q.city_lower); });
  }
  if (q.founded) {
    *sql += Fragment(kFoundedFilter, n, n + 1, n + 2, n + 3);
    n += 4;
    *min_sort_key = (q.founded->first - kMaxFoundedSpanDays) * 4;
    const int64_t lo = *min_sort_key;
    binds->push_back([&q, lo](pg::Params& p) {
      p.Int(lo).Int(q.founded->last * 4 + 3).Int(q.founded->first).Int(q.founded->last);
    });
  }
  if (!q.fts_query.empty()) {
    *sql += Fragment(kQueryFilter, n++);
    binds->push_back([&q](pg::Params& p) { p.Text(ToTsQuery(q.fts_query)); });
  }
  *sql += Fragment(" ORDER BY i.sort_key, i.name LIMIT $%d", n);
}

pg::Params RecordParams(const Institution& i, const std::string& plugin) {
  const bool has_founded = i.founded().year() > 0;
  pg::Params p;
  p.Text(i.name())
      .Text(i.kind())
      .Text(i.host_country())
      .Text(absl::AsciiStrToLower(i.city()))
      .Bool(has_founded)
      .Int(has_founded ? FirstDay(i.founded()) : 0)
      .Int(has_founded ? LastDay(i.founded()) : 0)
      .Int(SortKey(i.founded()))
      .Text(plugin)
      .Text(i.display_name())
      .Text(i.description())
      .Bytes(i.SerializeAsString());
  return p;
}

absl::Status InsertCountries(pg::Connection& c, const Institution& i, int64_t id) {
  std::vector<std::string> countries(i.countries().begin(), i.countries().end());
  if (!i.host_country().empty()) countries.push_back(i.host_country());
  if (countries.empty()) return absl::OkStatus();
  return c.Run(kInsertCountriesSql, pg::Params().TextArray(countries).Int(id)).status();
}

absl::StatusOr<Institution> Parse(const std::string& bytes, const std::string& name) {
  Institution i;
  if (!i.ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("institution \"", name, "\" is stored corrupt"));
  }
  return i;
}

class PgInstitutionStore final : public InstitutionStore {
 public:
  explicit PgInstitutionStore(std::shared_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  absl::Status Migrate() {
    return pool_->With(
        [](pg::Connection& c) {
          return pg::Migrate(c, "institutions", kMigrations, kCompatibleVersion);
        },
        /*retry_on_loss=*/true);
  }

  absl::StatusOr<Institution> Get(const std::string& name) override {
    absl::StatusOr<Institution> out;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          auto r = c.Run(kGetSql, pg::Params().Text(name));
          if (!r.ok()) return r.status();
          if (r->rows() == 0) {
            out = absl::NotFoundError(absl::StrCat("institution \"", name, "\" not found"));
          } else {
            out = Parse(r->Text(0, 0), name);
          }
          return absl::OkStatus();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return out;
  }

  absl::StatusOr<InstitutionPage> List(const InstitutionQuery& q) override {
    std::string filters;
    std::vector<std::function<void(pg::Params&)>> binds;
    int64_t min_sort_key = INT64_MIN;
    Compose(q, 3, &filters, &binds, &min_sort_key);
    const std::string list_sql = absl::StrCat(kListHead, filters);
    std::string count_filters;
    std::vector<std::function<void(pg::Params&)>> unused;
    int64_t unused_key = 0;
    Compose(q, 1, &count_filters, &unused, &unused_key);
    // The count has no ORDER BY/LIMIT tail.
    count_filters.erase(count_filters.rfind(" ORDER BY"));
    const std::string count_sql = absl::StrCat(kCountHead, count_filters);

    int64_t from_key = q.after ? q.after->sort_key : INT64_MIN;
    std::string from_name = q.after ? q.after->name : "";
    if (min_sort_key > from_key) {
      from_key = min_sort_key;
      from_name.clear();
    }
    pg::Params page_params;
    page_params.Int(from_key).Text(from_name);
    pg::Params count_params;
    for (const auto& b : binds) {
      b(page_params);
      b(count_params);
    }
    page_params.Int(q.limit + 1);  // one extra row tells whether more follow

    InstitutionPage page;
    auto s = pool_->With(
        [&](pg::Connection& c) {
          page = InstitutionPage();
          // One snapshot for the page and its count.
          pg::Transaction tx(&c);
          if (auto s = tx.Begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s.ok()) {
            return s;
          }
          auto rows = c.Run(list_sql, page_params);
          if (!rows.ok()) return rows.status();
          for (int r = 0; r < rows->rows(); ++r) {
            if (static_cast<int>(page.bodies.size()) == q.limit) {
              page.next = PageCursor{0, rows->Int64(r - 1, 1), rows->Text(r - 1, 2)};
              break;
            }
            // Kept as stored: the reply frames these bytes without parsing them.
            page.bodies.push_back(rows->Text(r, 0));
          }
          auto count = c.Run(count_sql, count_params);
          if (!count.ok()) return count.status();
          page.total_size = count->rows() ? count->Int64(0, 0) : 0;
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return page;
  }

  absl::Status Insert(const Institution& i) override {
    // Not retried on a lost connection: the commit may have happened.
    return pool_->With(
        [&](pg::Connection& c) {
          pg::Transaction tx(&c);
          if (auto s = tx.Begin(); !s.ok()) return s;
          auto r = c.Run(kInsertSql, RecordParams(i, ""));
          if (!r.ok()) {
            if (absl::IsAlreadyExists(r.status())) {
              return absl::AlreadyExistsError(
                  absl::StrCat("institution \"", i.name(), "\" already exists"));
            }
            return r.status();
          }
          if (auto s = InsertCountries(c, i, r->Int64(0, 0)); !s.ok()) return s;
          return tx.Commit();
        },
        /*retry_on_loss=*/false);
  }

  absl::StatusOr<SyncOutcome> SyncPlugin(const std::string& plugin, const std::string& version,
                                         const std::string& fingerprint,
                                         const std::vector<Institution>& records) override {
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
          if (auto r = c.Run(kDeletePluginSql, pg::Params().Text(plugin)); !r.ok()) {
            return r.status();
          }
          for (const Institution& i : records) {
            auto r = c.Run(kInsertPluginRecordSql, RecordParams(i, plugin));
            if (!r.ok()) return r.status();
            if (r->rows() == 0) return PluginNameTakenError(plugin, i.name());
            if (auto s = InsertCountries(c, i, r->Int64(0, 0)); !s.ok()) return s;
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
            return c.Run(kDeletePluginSql, pg::Params().Text(p)).status();
          });
          if (!removed.ok()) return removed.status();
          return tx.Commit();
        },
        /*retry_on_loss=*/true);
    if (!s.ok()) return s;
    return removed;
  }

 private:
  std::shared_ptr<pg::Pool> pool_;
  const PgPluginState plugin_state_{"institution_plugin_state", "dyad.institutions.plugins"};
};

}  // namespace

absl::StatusOr<std::unique_ptr<InstitutionStore>> OpenPgInstitutionStore(
    std::shared_ptr<pg::Pool> pool) {
  auto store = std::make_unique<PgInstitutionStore>(std::move(pool));
  if (auto s = store->Migrate(); !s.ok()) return s;
  return store;
}

}  // namespace dyad::institutions
