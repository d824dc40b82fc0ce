#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/page_token.h"
#include "common/pg/pool.h"
#include "common/partial_date.h"
#include "common/plugin_records.h"
#include "dyad/institutions/v1/institutions.pb.h"

namespace dyad::institutions {

// What ListInstitutions asks of storage, validated and normalised.
struct InstitutionQuery {
  std::vector<std::string> kinds;      // id or dotted prefix; any may match
  std::vector<std::string> countries;  // sorted, distinct; each among countries or the host
  std::string host_country;            // empty: any
  std::string city_lower;              // ASCII lower case; empty: any
  std::optional<DaySpan> founded;      // overlap; unset: any (then undated ones match too)
  std::string fts_query;               // safe FTS5 form; empty: none
  int limit = 50;
  std::optional<PageCursor> after;     // keyset position (sort key of `founded`, name)
};

struct InstitutionPage {
  // Each institution as stored: the serialized Institution, not parsed
  // (ListInstitutions frames these bytes into its reply; common/wire.h).
  std::vector<std::string> bodies;
  int64_t total_size = 0;
  // Position of the last institution returned, when more may follow.
  std::optional<PageCursor> next;
};

// What happened to a plugin's records at start-up (common/plugin_records.h).
using ::dyad::SyncOutcome;

// Institution storage. Implementations are thread-safe.
class InstitutionStore : public PluginRecordStore<dyad::institutions::v1::Institution> {
 public:
  // SyncPlugin and RemovePluginsExcept: PluginRecordStore.

  // NOT_FOUND names the institution.
  virtual absl::StatusOr<dyad::institutions::v1::Institution> Get(const std::string& name) = 0;
  // A page ordered by founding date (undated last), then name, and the
  // number of matches across all pages.
  virtual absl::StatusOr<InstitutionPage> List(const InstitutionQuery& query) = 0;
  // Stores one institution as a record written through the API;
  // ALREADY_EXISTS when the name is taken. Durable when it returns OK.
  virtual absl::Status Insert(const dyad::institutions::v1::Institution& institution) = 0;

  // How the store would run List(query), one step per line (SQLite's
  // EXPLAIN QUERY PLAN), so tests can check the filters use indexes.
  // UNIMPLEMENTED where the store has no such notion.
  virtual absl::StatusOr<std::string> ExplainList(const InstitutionQuery& query) {
    (void)query;
    return absl::UnimplementedError("this store cannot explain its queries");
  }
};

// SQLite store at `path` (":memory:" allowed); creates or migrates the schema.
absl::StatusOr<std::unique_ptr<InstitutionStore>> OpenSqliteInstitutionStore(const std::string& path);

// PostgreSQL store over `pool`; creates or migrates the schema (under an
// advisory lock, so replicas may start together).
absl::StatusOr<std::unique_ptr<InstitutionStore>> OpenPgInstitutionStore(
    std::shared_ptr<pg::Pool> pool);

}  // namespace dyad::institutions
