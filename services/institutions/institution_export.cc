// InstitutionService.ExportInstitutions, the domain side: the
// ListInstitutions query page after page, past the result cache, one page
// per streamed message (common/paged_export.h).
#include "absl/strings/str_cat.h"
#include "common/paged_export.h"
#include "institution_core.h"

namespace dyad::institutions {

using dyad::institutions::v1::ExportInstitutionsRequest;
using dyad::institutions::v1::ExportInstitutionsResponse;
using dyad::institutions::v1::ListInstitutionsRequest;
using dyad::institutions::v1::ListInstitutionsResponse;

absl::StatusOr<std::unique_ptr<ExportSource>> InstitutionCore::ExportInstitutions(
    const ExportInstitutionsRequest& req) {
  ListInstitutionsRequest list;
  *list.mutable_kinds() = req.kinds();
  *list.mutable_countries() = req.countries();
  list.set_host_country(req.host_country());
  list.set_city(req.city());
  if (req.has_founded()) *list.mutable_founded() = req.founded();
  list.set_query(req.query());
  const uint64_t fp = Fingerprint(absl::StrCat("ExportInstitutions|", list.SerializeAsString()));
  InstitutionCore* core = this;
  return PagedExport<ListInstitutionsRequest, ListInstitutionsResponse,
                     ExportInstitutionsResponse>::
      Start(std::move(list), fp, req.resume_token(),
            [core](const ListInstitutionsRequest& r) -> absl::StatusOr<ListInstitutionsResponse> {
              // Uncached: an export's pages would only evict ListInstitutions' own.
              auto bytes = core->QueryInstitutions(r);
              if (!bytes.ok()) return bytes.status();
              ListInstitutionsResponse page;
              if (!page.ParseFromString(*bytes)) {
                return absl::InternalError("cannot decode a listed page");
              }
              return page;
            },
            [](ListInstitutionsResponse& page, ExportInstitutionsResponse* out) {
              out->mutable_institutions()->Swap(page.mutable_institutions());
            });
}

}  // namespace dyad::institutions
