#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/export_source.h"
#include "common/plugin_host.h"
#include "common/result_cache.h"
#include "dyad/institutions/v1/institutions.pb.h"
#include "institution_store.h"

namespace dyad::institutions {

// The institutions domain without gRPC: request validation, the taxonomy and
// memberships from plugins, plugin record loading, and queries over an
// InstitutionStore.
class InstitutionCore {
 public:
  // `plugins` may be null (no plugins: no kinds, no curated records).
  // `list_cache_entries` bounds the ListInstitutions result cache (0
  // disables it).
  InstitutionCore(std::unique_ptr<InstitutionStore> store, const PluginSet* plugins,
                  size_t list_cache_entries = 1024,
                  size_t list_cache_bytes = kDefaultResultCacheBytes);

  // Loads every plugin's institutions into the store (idempotent: unchanged
  // plugins are skipped), drops those of plugins no longer present, and
  // fills each membership's organization display name. Returns one human
  // line per plugin for the log.
  absl::StatusOr<std::vector<std::string>> LoadPluginRecords();

  absl::StatusOr<dyad::institutions::v1::Institution> GetInstitution(
      const dyad::institutions::v1::GetInstitutionRequest& req);
  absl::StatusOr<dyad::institutions::v1::ListInstitutionsResponse> ListInstitutions(
      const dyad::institutions::v1::ListInstitutionsRequest& req);
  // The same answer as serialized bytes, shared with the result cache: the
  // transport sends them without copying or re-encoding.
  absl::StatusOr<std::shared_ptr<const std::string>> ListInstitutionsSerialized(
      const dyad::institutions::v1::ListInstitutionsRequest& req);
  // institution_export.cc: an ExportInstitutions stream, one page per
  // message read past the result cache (common/paged_export.h). A bad
  // resume_token is INVALID_ARGUMENT naming it.
  absl::StatusOr<std::unique_ptr<ExportSource>> ExportInstitutions(
      const dyad::institutions::v1::ExportInstitutionsRequest& req);
  absl::StatusOr<dyad::institutions::v1::ListInstitutionKindsResponse> ListInstitutionKinds(
      const dyad::institutions::v1::ListInstitutionKindsRequest& req) const;
  absl::StatusOr<dyad::institutions::v1::ListMembershipsResponse> ListMemberships(
      const dyad::institutions::v1::ListMembershipsRequest& req) const;
  // Authorization is the caller's job (the transport checks the token).
  absl::StatusOr<dyad::institutions::v1::Institution> CreateInstitution(
      const dyad::institutions::v1::CreateInstitutionRequest& req);
  dyad::institutions::v1::ListSourcesResponse ListSources() const;

 private:
  absl::Status ValidateNewInstitution(const dyad::institutions::v1::Institution& i);
  // The sources a citation may name: those of the loaded plugins.
  const std::vector<dyad::type::v1::Source>& SourceCatalog() const;

  // The serialized ListInstitutionsResponse, framed from the stored bytes.
  absl::StatusOr<std::string> QueryInstitutions(
      const dyad::institutions::v1::ListInstitutionsRequest& req);

  std::unique_ptr<InstitutionStore> store_;
  ResultCache list_cache_;  // ListInstitutions pages; cleared by every write
  const PluginSet* plugins_;
  std::map<std::string, dyad::institutions::v1::InstitutionKind> kinds_;  // by id
  // Memberships are served from memory rather than stored: only plugins
  // contribute them (there is no write method), so they change only when
  // the plugin set does, i.e. at start-up; they are few (a handful per
  // plugin); and ValidatePlugins has already checked that each names a
  // known organization. A table would be a second copy of the plugin set
  // with its own sync step and nothing to gain. Ordered by country, then
  // organization (then role); the organization's display name is filled in
  // by LoadPluginRecords() from the stored institution.
  std::vector<dyad::institutions::v1::Membership> memberships_;
};

}  // namespace dyad::institutions
