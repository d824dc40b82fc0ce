// ExplainChange: an indicator's change in a year against the year before,
// with the records of those years ranked as candidate factors (ranking.h).
#include "answers.h"
#include "common/status.h"
#include "common/validation.h"
#include "compose.h"
#include "ranking.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

absl::Status ExplainChangeAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (req.indicator().empty()) return InvalidField("indicator", "is required");
  if (auto s = ValidateText(req.indicator(), "indicator", 200); !s.ok()) return s;
  if (auto s = ValidateDyad(req.countries(), 2); !s.ok()) return s;
  if (auto s = ValidateYear(req.year()); !s.ok()) return s;
  if (req.year() < 2) return InvalidField("year", "must have a year before it");
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  const int year = req.year();
  const auto origin = req.origin();
  const std::string indicator = req.indicator();
  const Countries countries(req.countries().begin(), req.countries().end());
  const dyad::type::v1::DateRange window = ExplainWindow(year);
  const auto& group = call->group();
  Backends* b = call->backends();

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  *er.mutable_period() = window;
  er.set_origin(origin);
  // The dyad's yearly counts around the window: a spike or drop in
  // activity is a candidate factor of its own.
  auto counts = Skipped<ev::CountEventsResponse>();
  const auto intensity = IntensityRequest(countries, origin);
  const bool counted = intensity.has_value();
  if (auto cq = intensity) {
    cq->set_granularity(ev::GRANULARITY_YEAR);
    *cq->mutable_period() = ActivityWindow(year);
    counts = Read(CountEvents, group, b, *cq);
  }
  // Institutions are all curated: none when only machine-coded records are
  // asked for.
  auto institutions = Skipped<std::vector<in::Institution>>();
  auto kinds = Skipped<std::map<std::string, std::string>>();
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    *ir.mutable_founded() = window;
    institutions = Read(ListAllInstitutions, group, b, ir);
    kinds = Read(ListInstitutionKindDomains, group, b);
  }
  ec::GetSeriesRequest sr = SeriesRequest({indicator, countries[0], countries[1]}, year - 1, year);
  sr.set_origin(origin);

  // The event kinds: the weights their plugins declare for ranking.
  Gather(Read(ListAllEvents, group, b, er), counts, institutions, kinds,
         Read(ListIndicators, group, b), Read(GetSeries, group, b, sr),
         Read(ListEventKinds, group, b))
      .Then([call, resp, year, indicator, countries, origin, counted](
                Fetched<std::vector<ev::Event>> events, Fetched<ev::CountEventsResponse> counts,
                Fetched<std::vector<in::Institution>> institutions,
                Fetched<std::map<std::string, std::string>> kinds,
                Fetched<std::map<std::string, ec::Indicator>> indicators, Fetched<ec::Series> series,
                Fetched<std::map<std::string, ev::EventKind>> event_kinds) {
        // An unknown indicator or a bad argument is the caller's error, not
        // a backend failure.
        const auto code = series.status.error_code();
        if (code == grpc::StatusCode::NOT_FOUND || code == grpc::StatusCode::INVALID_ARGUMENT) {
          call->Finish(series.status);
          return;
        }
        ec::Indicator ind;
        if (auto it = indicators.value.find(indicator); it != indicators.value.end()) {
          ind = it->second;
        } else {
          ind.set_id(indicator);
        }
        RankingTarget target;
        target.indicator = indicator;
        // Without the economics backend the domain is the id's: trade and
        // investment figures are the economy's.
        target.domain = !ind.plugin().empty() ? IndicatorDomain(ind) : "economy";
        target.year = year;
        std::vector<gw::CandidateFactor> activity;
        if (counted && counts.ok()) {
          activity = ActivityFactors(target, DyadLabel(countries), counts.value, events.value,
                                     origin);
        }
        ComposeExplainChange(ind, series.value, year,
                             RankCandidateFactors(target, events.value, institutions.value,
                                                  kinds.value, std::move(activity),
                                                  event_kinds.value),
                             resp);
        AddParts(*call, ExplainChangeAnswer::kMethod,
                 FirstError({&events.status, &counts.status, &event_kinds.status}),
                 FirstError({&indicators.status, &series.status}),
                 FirstError({&kinds.status, &institutions.status}), resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
