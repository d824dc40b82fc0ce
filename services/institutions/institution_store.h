#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "dyad/institutions/v1/institutions.pb.h"

namespace dyad::institutions {

// What ListInstitutions asks of storage, validated and normalised.
struct InstitutionQuery {
  std::vector<std::string> kinds;      // id or dotted prefix
  std::vector<std::string> countries;  // each among countries or the host
  std::string host_country;            // empty: any
  std::string city_lower;              // empty: any
  std::optional<DaySpan> founded;      // overlap; unset: any
  std::string fts_query;               // safe FTS5 form; empty: none
  int limit = 50;
  std::optional<PageCursor> after;
};

struct InstitutionPage {
  std::vector<dyad::institutions::v1::Institution> institutions;
  int64_t total_size = 0;
  std::optional<PageCursor> next;
};

enum class SyncOutcome { kUnchanged, kLoaded, kReplaced };

// Institution storage. Implementations are thread-safe.
class InstitutionStore {
 public:
  virtual ~InstitutionStore() = default;
  // NOT_FOUND names the institution.
  virtual absl::StatusOr<dyad::institutions::v1::Institution> Get(const std::string& name) = 0;
  virtual absl::StatusOr<InstitutionPage> List(const InstitutionQuery& query) = 0;
  // ALREADY_EXISTS when the name is taken; durable on OK.
  virtual absl::Status Insert(const dyad::institutions::v1::Institution& institution) = 0;
  // As EventStore::SyncPlugin: same version and fingerprint change nothing;
  // otherwise the plugin's records are replaced; API records are never
  // touched (a clash is FAILED_PRECONDITION).
  virtual absl::StatusOr<SyncOutcome> SyncPlugin(
      const std::string& plugin, const std::string& version, const std::string& fingerprint,
      const std::vector<dyad::institutions::v1::Institution>& institutions) = 0;
  virtual absl::StatusOr<std::vector<std::string>> RemovePluginsExcept(
      const std::set<std::string>& keep) = 0;
};

absl::StatusOr<std::unique_ptr<InstitutionStore>> OpenSqliteInstitutionStore(const std::string& path);

}  // namespace dyad::institutions
