// Search: one query over the three backends' records, ranked alike.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "answers.h"
#include "common/partial_date.h"
#include "common/status.h"
#include "common/validation.h"
#include "compose.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace ec = dyad::economics::v1;
namespace in = dyad::institutions::v1;
namespace gw = dyad::gateway::v1;

namespace {

// Search reads at most this many indicators' figures.
constexpr int kSearchIndicators = 5;

using Candidates = std::vector<SearchCandidate>;
using CandidatesDone = std::function<void(grpc::Status, Candidates)>;

// A search hit as its backend ranked it (`rank`: its position there), with
// the text its score reads besides the title, and its origin.
SearchCandidate Candidate(const std::string& name, const char* part, const std::string& title,
                          const dyad::type::v1::PartialDate& date,
                          const google::protobuf::RepeatedPtrField<dyad::type::v1::Citation>& citations,
                          const std::string& text, int rank, bool machine_coded) {
  SearchCandidate c;
  c.hit.set_origin(machine_coded ? dyad::type::v1::ORIGIN_MACHINE_CODED
                                 : dyad::type::v1::ORIGIN_CURATED);
  c.hit.set_name(name);
  c.hit.set_part(part);
  c.hit.set_title(title);
  *c.hit.mutable_date() = date;
  *c.hit.mutable_citations() = citations;
  c.text = text;
  c.rank = rank;
  return c;
}

// A page of events of one origin, as candidates.
Async<Candidates> EventHits(std::shared_ptr<CallGroup> group, Backends* b, ev::ListEventsRequest er) {
  return [group, b, er](CandidatesDone done) {
    ListEventsPage(group, b, er, [done](grpc::Status s, ev::ListEventsResponse out) {
      Candidates hits;
      for (int i = 0; i < out.events_size(); ++i) {
        const auto& e = out.events(i);
        hits.push_back(Candidate(e.name(), kEventsPart, e.title(), e.date(), e.citations(),
                                 e.summary(), i, IsMachineCoded(e)));
      }
      done(std::move(s), std::move(hits));
    });
  };
}

// Economics has no text search: the indicators whose name or description
// holds every word, then their figures, newest first.
Async<Candidates> FigureHits(std::shared_ptr<CallGroup> group, Backends* b,
                             std::vector<std::string> words, int limit,
                             dyad::type::v1::Origin origin) {
  return [group, b, words, limit, origin](CandidatesDone done) {
    ListIndicators(group, b, [group, b, words, limit, origin, done](
                                 grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
      std::vector<ec::Indicator> matching;
      for (const auto& [id, ind] : indicators) {
        if (static_cast<int>(matching.size()) >= kSearchIndicators) break;
        if (MatchesAllWords(words,
                            absl::StrCat(id, " ", ind.display_name(), " ", ind.description()))) {
          matching.push_back(ind);
        }
      }
      std::vector<Async<Candidates>> reads;
      for (const auto& ind : matching) {
        ec::ListObservationsRequest q;
        q.set_indicator(ind.id());
        q.set_page_size(kMaxPageSize);
        q.set_origin(origin);
        reads.push_back([group, b, q, ind, limit](CandidatesDone done) {
          ListAllObservations(group, b, q, [done, ind, limit](grpc::Status s,
                                                               std::vector<ec::Observation> obs) {
            std::stable_sort(obs.begin(), obs.end(), [](const auto& a, const auto& x) {
              auto when = [](const ec::Observation& o) {
                return o.period().year() > 0 ? SortKey(o.period()) : SortKey(o.as_of());
              };
              return when(a) > when(x);
            });
            Candidates hits;
            for (size_t i = 0; i < obs.size() && static_cast<int>(i) < limit; ++i) {
              const auto& o = obs[i];
              hits.push_back(Candidate(o.name(), kEconomicsPart, FigureTitle(o, ind.display_name()),
                                       o.period().year() > 0 ? o.period() : o.as_of(),
                                       o.citations(),
                                       absl::StrCat(ind.display_name(), " ", ind.description()),
                                       static_cast<int>(i), IsMachineCoded(o)));
            }
            done(std::move(s), std::move(hits));
          });
        });
      }
      All(std::move(reads))([s, done](grpc::Status figures, std::vector<Candidates> lists) {
        Candidates hits;
        for (auto& list : lists) {
          for (auto& c : list) hits.push_back(std::move(c));
        }
        done(!s.ok() ? s : figures, std::move(hits));
      });
    });
  };
}

}  // namespace

absl::Status SearchAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (req.query().empty()) return InvalidField("query", "is required");
  if (auto s = ValidateText(req.query(), "query", kMaxQueryLength); !s.ok()) return s;
  const std::vector<std::string> words = SearchWords(req.query());
  if (words.empty() || ToFtsQuery(req.query()).empty()) {
    return InvalidField("query", "needs at least one word");
  }
  auto size = EffectivePageSize(req.page_size(), "page_size", 20, 100);
  if (!size.ok()) return size.status();
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  const std::string query = req.query();
  const int limit = *size;
  const auto origin = req.origin();
  const auto& group = call->group();
  Backends* b = call->backends();
  // Events of each origin asked for, a page each: curated hits first in the
  // answer, and a page of imported rows cannot crowd them out of the read.
  Async<Candidates> events[2] = {Skipped<Candidates>(), Skipped<Candidates>()};
  size_t k = 0;
  for (auto o : {dyad::type::v1::ORIGIN_CURATED, dyad::type::v1::ORIGIN_MACHINE_CODED}) {
    if (o == dyad::type::v1::ORIGIN_CURATED ? !AdmitsCurated(origin) : !AdmitsMachineCoded(origin)) {
      continue;
    }
    ev::ListEventsRequest er;
    er.set_query(query);
    er.set_page_size(limit);
    er.set_origin(o);
    events[k++] = EventHits(group, b, er);
  }
  auto institutions = Skipped<Candidates>();  // institutions are all curated
  if (AdmitsCurated(origin)) {
    in::ListInstitutionsRequest ir;
    ir.set_query(query);
    ir.set_page_size(limit);
    institutions = [group, b, ir](CandidatesDone done) {
      ListInstitutionsPage(group, b, ir, [done](grpc::Status s, in::ListInstitutionsResponse out) {
        Candidates hits;
        for (int i = 0; i < out.institutions_size(); ++i) {
          const auto& inst = out.institutions(i);
          hits.push_back(Candidate(inst.name(), kInstitutionsPart, inst.display_name(),
                                   inst.founded(), inst.citations(), inst.description(), i, false));
        }
        done(std::move(s), std::move(hits));
      });
    };
  }

  Gather(events[0], events[1], institutions, FigureHits(group, b, words, limit, origin))
      .Then([call, resp, words, limit](Fetched<Candidates> first, Fetched<Candidates> second,
                                       Fetched<Candidates> institutions, Fetched<Candidates> figures) {
        Candidates all;
        for (auto* read : {&first.value, &second.value, &institutions.value, &figures.value}) {
          for (auto& c : *read) all.push_back(std::move(c));
        }
        for (auto& h : RankSearchHits(words, std::move(all), static_cast<size_t>(limit))) {
          *resp->add_hits() = std::move(h);
        }
        AddParts(*call, SearchAnswer::kMethod, FirstError({&first.status, &second.status}),
                 figures.status, institutions.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
