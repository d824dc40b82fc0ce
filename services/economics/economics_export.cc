// EconomicsService.ExportObservations, the domain side: ListObservations
// page after page (keyset pages, on SQLite and PostgreSQL alike), one page
// per streamed message (common/paged_export.h).
#include "absl/strings/str_cat.h"
#include "common/paged_export.h"
#include "economics_core.h"

namespace dyad::economics {

using dyad::economics::v1::ExportObservationsRequest;
using dyad::economics::v1::ExportObservationsResponse;
using dyad::economics::v1::ListObservationsRequest;
using dyad::economics::v1::ListObservationsResponse;

absl::StatusOr<std::unique_ptr<ExportSource>> EconomicsCore::ExportObservations(
    const ExportObservationsRequest& req) const {
  ListObservationsRequest list;
  list.set_indicator(req.indicator());
  *list.mutable_countries() = req.countries();
  if (req.has_period()) *list.mutable_period() = req.period();
  list.set_origin(req.origin());
  list.set_commodity(req.commodity());
  const uint64_t fp = Fingerprint(absl::StrCat("ExportObservations|", list.SerializeAsString()));
  const EconomicsCore* core = this;
  return PagedExport<ListObservationsRequest, ListObservationsResponse,
                     ExportObservationsResponse>::
      Start(std::move(list), fp, req.resume_token(),
            [core](const ListObservationsRequest& r) { return core->ListObservations(r); },
            [](ListObservationsResponse& page, ExportObservationsResponse* out) {
              out->mutable_observations()->Swap(page.mutable_observations());
            });
}

}  // namespace dyad::economics
