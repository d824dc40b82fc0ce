// ListSources: the source catalogs of the three backends, merged.
#include "answers.h"
#include "compose.h"

namespace dyad::gateway {

using Catalog = std::vector<dyad::type::v1::Source>;

absl::Status ListSourcesAnswer::Start(const Request&, Response* resp, AnswerCall* call) {
  const auto& group = call->group();
  Backends* b = call->backends();
  Gather(Read(ListEventSources, group, b), Read(ListEconomicsSources, group, b),
         Read(ListInstitutionSources, group, b))
      .Then([call, resp](Fetched<Catalog> events, Fetched<Catalog> economics, Fetched<Catalog> institutions) {
        for (auto& s : MergeSources({events.value, economics.value, institutions.value})) {
          *resp->add_sources() = std::move(s);
        }
        AddParts(*call, ListSourcesAnswer::kMethod, events.status, economics.status,
                 institutions.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
