#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/plugin_host.h"
#include "dyad/institutions/v1/institutions.pb.h"
#include "institution_store.h"

namespace dyad::institutions {

// The institutions domain without gRPC: validation, taxonomy and memberships
// from plugins, plugin record loading, queries over an InstitutionStore.
class InstitutionCore {
 public:
  // `plugins` may be null.
  InstitutionCore(std::unique_ptr<InstitutionStore> store, const PluginSet* plugins);

  // Loads plugins' institutions into the store (idempotent) and drops those
  // of plugins no longer present. One log line per plugin.
  absl::StatusOr<std::vector<std::string>> LoadPluginRecords();

  absl::StatusOr<dyad::institutions::v1::Institution> GetInstitution(
      const dyad::institutions::v1::GetInstitutionRequest& req);
  absl::StatusOr<dyad::institutions::v1::ListInstitutionsResponse> ListInstitutions(
      const dyad::institutions::v1::ListInstitutionsRequest& req);
  absl::StatusOr<dyad::institutions::v1::ListInstitutionKindsResponse> ListInstitutionKinds(
      const dyad::institutions::v1::ListInstitutionKindsRequest& req) const;
  absl::StatusOr<dyad::institutions::v1::ListMembershipsResponse> ListMemberships(
      const dyad::institutions::v1::ListMembershipsRequest& req);
  // Authorization is the transport's job.
  absl::StatusOr<dyad::institutions::v1::Institution> CreateInstitution(
      const dyad::institutions::v1::CreateInstitutionRequest& req);
  dyad::institutions::v1::ListSourcesResponse ListSources() const;

 private:
  absl::Status ValidateNewInstitution(const dyad::institutions::v1::Institution& i);

  std::unique_ptr<InstitutionStore> store_;
  const PluginSet* plugins_;
  std::map<std::string, dyad::institutions::v1::InstitutionKind> kinds_;  // by id
  // Memberships come only from plugins (there is no write method for them),
  // so they live in memory, ordered by country then organization, with the
  // organization's display name filled in by LoadPluginRecords().
  std::vector<dyad::institutions::v1::Membership> memberships_;
};

}  // namespace dyad::institutions
