// GetYearInReview: a year's events (with their counts by month),
// institutions founded, and every figure of the year with its change.
// Four reads, one per backend but events' two: ListEvents, CountEvents,
// ListInstitutions, and one ListSeries for all of the year's series.
#include "answers.h"
#include "compose.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

absl::Status GetYearInReviewAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (auto s = ValidateDyad(req.countries(), 1); !s.ok()) return s;
  if (auto s = ValidateYear(req.year()); !s.ok()) return s;
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  const int year = req.year();
  const auto origin = req.origin();
  const Countries countries(req.countries().begin(), req.countries().end());
  const auto& group = call->group();
  Backends* b = call->backends();

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  *er.mutable_period() = Years(year, year);
  er.set_origin(origin);

  // The year's events by month.
  auto counts = Skipped<ev::CountEventsResponse>();
  const auto intensity = IntensityRequest(countries, origin);
  const bool counted = intensity.has_value();
  if (auto cr = intensity) {
    *cr->mutable_period() = Years(year, year);
    counts = Read(CountEvents, group, b, *cr);
  }

  // Institutions are all curated: none when only machine-coded records are
  // asked for.
  auto institutions = Skipped<std::vector<in::Institution>>();
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    *ir.mutable_founded() = Years(year, year);
    institutions = Read(ListAllInstitutions, group, b, ir);
  }

  // Economics: every series with a figure of the year (and the derived
  // ones their inputs give), over the year and the one before.
  auto series = Skipped<ec::ListSeriesResponse>();
  if (countries.size() <= 2) {
    ec::ListSeriesRequest sr;
    SetCountries(countries, &sr);
    *sr.mutable_period() = Years(year, year);
    *sr.mutable_points_period() = Years(year - 1, year);
    sr.set_origin(origin);
    sr.set_with_derived(true);
    series = Read(ListSeries, group, b, sr);
  }

  Gather(Read(ListAllEvents, group, b, er), counts, institutions, series)
      .Then([call, resp, year, counted](Fetched<std::vector<ev::Event>> events,
                               Fetched<ev::CountEventsResponse> counts,
                               Fetched<std::vector<in::Institution>> institutions,
                               Fetched<ec::ListSeriesResponse> series) {
        std::map<std::string, ec::Indicator> indicators;
        for (auto& ind : *series.value.mutable_indicators()) indicators[ind.id()] = ind;
        std::vector<gw::IndicatorValue> values;
        for (const auto& s : series.value.series()) {
          auto v = ValueForYear(indicators[s.indicator()], s, year);
          if (v) values.push_back(std::move(*v));
        }
        ComposeYearInReview(year, std::move(events.value), std::move(institutions.value),
                            std::move(values), resp);
        if (counted && counts.ok()) *resp->mutable_intensity() = IntensityOf(counts.value);
        AddParts(*call, GetYearInReviewAnswer::kMethod,
                 FirstError({&events.status, &counts.status}), series.status,
                 institutions.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
