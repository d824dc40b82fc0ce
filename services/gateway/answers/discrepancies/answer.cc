// ListDiscrepancies: where sources disagree, across the three backends.
#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "answers.h"
#include "common/status.h"
#include "common/validation.h"
#include "compose.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

namespace {

// Whether a country takes part in a record, as the backends' `countries`
// filters read it (for an institution, its host counts).
bool TakesPart(const ev::Event& e, const std::string& country) {
  return std::find(e.countries().begin(), e.countries().end(), country) != e.countries().end();
}
bool TakesPart(const in::Institution& i, const std::string& country) {
  return i.host_country() == country ||
         std::find(i.countries().begin(), i.countries().end(), country) != i.countries().end();
}

// Records of several countries' reads, each once, keeping those of the
// whole dyad and those of a fact that a record of the whole dyad has
// (records of one fact may name different countries: who lent, a bank or a
// state).
template <typename Record>
std::vector<Record> OfTheDyadsFacts(const std::vector<std::vector<Record>>& reads,
                                    const Countries& countries) {
  std::map<std::string, const Record*> by_name;
  for (const auto& read : reads) {
    for (const auto& r : read) by_name.emplace(r.name(), &r);
  }
  auto of_dyad = [&](const Record& r) {
    for (const auto& c : countries) {
      if (!TakesPart(r, c)) return false;
    }
    return true;
  };
  std::set<std::string> facts;
  for (const auto& [name, r] : by_name) {
    if (!r->fact().empty() && of_dyad(*r)) facts.insert(r->fact());
  }
  std::vector<Record> out;
  for (const auto& [name, r] : by_name) {
    if (of_dyad(*r) || facts.count(r->fact())) out.push_back(*r);
  }
  return out;
}

// What economics gives: the figures linked by a fact key, and every
// sourced series of the dyad.
struct SourcedFigures {
  std::vector<ec::Observation> observations;
  std::vector<ec::Series> series;
};

}  // namespace

absl::Status ListDiscrepanciesAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  std::set<int> classes;
  for (int c : req.classes()) {
    if (c == gw::Discrepancy::CLASS_UNSPECIFIED || !gw::Discrepancy::Class_IsValid(c)) {
      return InvalidField("classes", absl::StrCat("unknown class ", c,
                                                  "; CLASS_CONFLICT, CLASS_WITHIN_WORDING or "
                                                  "CLASS_NEIGHBOURING_PERIOD"));
    }
    classes.insert(c);
  }
  const Countries countries(req.countries().begin(), req.countries().end());
  const auto origin = req.origin();
  const auto& group = call->group();
  Backends* b = call->backends();
  // One read per country (or one of everything): records of one fact may
  // name different countries. Only curated records carry fact keys, so
  // only they are read (imported datasets would make these reads every
  // event of each country with any partner); none when only machine-coded
  // records are asked for.
  const size_t reads = AdmitsCurated(origin) ? std::max<size_t>(1, countries.size()) : 0;
  std::vector<Async<std::vector<ev::Event>>> event_reads;
  std::vector<Async<std::vector<in::Institution>>> institution_reads;
  for (size_t k = 0; k < reads; ++k) {
    ev::ListEventsRequest er;
    if (!countries.empty()) er.add_countries(countries[k]);
    er.set_origin(dyad::type::v1::ORIGIN_CURATED);
    event_reads.push_back(Read(ListAllEvents, group, b, er));
    in::ListInstitutionsRequest ir;
    if (!countries.empty()) ir.add_countries(countries[k]);
    institution_reads.push_back(Read(ListAllInstitutions, group, b, ir));
  }

  // Every sourced series of the dyad, whole (derived ones have no sources
  // of their own to disagree).
  ec::ListObservationsRequest orq;
  SetCountries(countries, &orq);
  orq.set_origin(origin);
  Async<SourcedFigures> figures = [group, b, orq, origin](
                                      std::function<void(grpc::Status, SourcedFigures)> done) {
    ListFigures(group, b, orq, [group, b, origin, done](Figures f) {
      if (!f.ok()) {
        return done(FirstError({&f.indicators_status, &f.observations_status}), SourcedFigures());
      }
      auto out = std::make_shared<SourcedFigures>();
      // Figures linked by a fact key are compared whatever their periods.
      for (const auto& o : f.observations) {
        if (!o.fact().empty()) out->observations.push_back(o);
      }
      std::vector<ec::GetSeriesRequest> reqs;
      for (const auto& k : SeriesKeys(f.observations, f.indicators, false)) {
        if (f.indicators[k.indicator].derived()) continue;
        reqs.push_back(SeriesRequest(k));
        reqs.back().set_origin(origin);
      }
      GetSeriesAll(group, b, std::move(reqs),
                   [out, done](grpc::Status s, std::vector<ec::Series> series) {
                     out->series = std::move(series);
                     done(std::move(s), std::move(*out));
                   });
    });
  };

  Gather(All(std::move(event_reads)), All(std::move(institution_reads)), figures)
      .Then([call, resp, countries, classes](Fetched<std::vector<std::vector<ev::Event>>> events,
                                             Fetched<std::vector<std::vector<in::Institution>>> insts,
                                             Fetched<SourcedFigures> figures) {
        ComposeDiscrepancies(OfTheDyadsFacts(events.value, countries),
                             OfTheDyadsFacts(insts.value, countries), figures.value.series, resp,
                             figures.value.observations, classes);
        AddParts(*call, ListDiscrepanciesAnswer::kMethod, events.status, figures.status,
                 insts.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
