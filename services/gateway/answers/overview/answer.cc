// GetOverview: a dyad's milestones, counts and headline figures.
#include "answers.h"
#include "compose.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

namespace {

// The headline indicators' series (both directions of a directed one), then the
// latest point of each: two economics reads in a row.
Async<std::vector<gw::HeadlineFigure>> HeadlineFigures(std::shared_ptr<CallGroup> group,
                                                       Backends* b, Countries countries,
                                                       dyad::type::v1::Origin origin) {
  using Done = std::function<void(grpc::Status, std::vector<gw::HeadlineFigure>)>;
  return [group, b, countries, origin](Done done) {
    ListIndicators(group, b, [group, b, countries, origin, done](
                                 grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
      if (!s.ok()) return done(std::move(s), {});
      std::vector<SeriesKey> keys;
      for (const ec::Indicator* ind : HeadlineIndicators(indicators)) {
        keys.push_back({ind->id(), countries[0], countries[1]});
        if (ind->directed()) keys.push_back({ind->id(), countries[1], countries[0]});
      }
      std::vector<ec::GetSeriesRequest> reqs;
      for (const auto& k : keys) {
        reqs.push_back(SeriesRequest(k));
        reqs.back().set_origin(origin);
      }
      GetSeriesAll(group, b, std::move(reqs),
                   [done, keys, indicators = std::move(indicators)](
                       grpc::Status s, std::vector<ec::Series> series) {
                     std::vector<gw::HeadlineFigure> figures;
                     for (size_t i = 0; i < keys.size(); ++i) {
                       auto f = Headline(indicators.at(keys[i].indicator), series[i]);
                       if (f) figures.push_back(std::move(*f));
                     }
                     done(std::move(s), std::move(figures));
                   });
    });
  };
}

}  // namespace

absl::Status GetOverviewAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (auto s = ValidateDyad(req.countries(), 2); !s.ok()) return s;
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  const auto origin = req.origin();
  const Countries countries(req.countries().begin(), req.countries().end());
  const auto& group = call->group();
  Backends* b = call->backends();
  const auto intensity = IntensityRequest(countries, origin);
  const bool counted = intensity.has_value();  // by the backend, else here

  ev::ListEventsRequest er;
  SetCountries(countries, &er);
  er.set_origin(origin);
  auto by_kind = Skipped<ev::CountEventsResponse>();  // a dyad's counts per kind
  auto kinds = Skipped<std::map<std::string, std::string>>();
  auto by_month = Skipped<ev::CountEventsResponse>();  // a dyad's counts per month
  if (intensity) {
    // A dyad: the backend counts its events (imported datasets may hold
    // tens of thousands), so only the milestones are read.
    for (const auto& k : MilestoneKinds()) er.add_kinds(k);
    ev::CountEventsRequest kq = *intensity;
    kq.set_granularity(ev::GRANULARITY_YEAR);
    kq.set_group_by(ev::COUNT_GROUP_KIND);
    by_kind = Read(CountEvents, group, b, kq);
    kinds = Read(ListEventKindDomains, group, b);
    by_month = Read(CountEvents, group, b, *intensity);
  }
  // Otherwise three or more countries, which CountEvents does not count:
  // the events are read and counted here.
  auto institutions = Skipped<std::vector<in::Institution>>();  // all curated
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    SetCountries(countries, &ir);
    institutions = Read(ListAllInstitutions, group, b, ir);
  }

  Gather(Read(ListAllEvents, group, b, er), by_kind, kinds, by_month, institutions,
         HeadlineFigures(group, b, countries, origin))
      .Then([call, resp, countries, counted](
                Fetched<std::vector<ev::Event>> events, Fetched<ev::CountEventsResponse> by_kind,
                Fetched<std::map<std::string, std::string>> kinds,
                Fetched<ev::CountEventsResponse> by_month,
                Fetched<std::vector<in::Institution>> institutions,
                Fetched<std::vector<gw::HeadlineFigure>> figures) {
        *resp->mutable_countries() = {countries.begin(), countries.end()};
        // A failed count leaves the counts out (its part says so) rather
        // than counting the milestones, which are all that was read.
        const EventCounts counts = !counted     ? CountsOf(events.value)
                                   : by_kind.ok() ? CountsFromKindBuckets(by_kind.value, kinds.value)
                                                  : EventCounts{};
        ComposeOverview(events.value, counts, institutions.value, std::move(figures.value), resp);
        if (counted && by_month.ok()) *resp->mutable_intensity() = IntensityOf(by_month.value);
        AddParts(*call, GetOverviewAnswer::kMethod,
                 FirstError({&events.status, &by_kind.status, &kinds.status, &by_month.status}),
                 figures.status, institutions.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
