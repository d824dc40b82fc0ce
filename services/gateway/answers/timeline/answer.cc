// GetTimeline: events, institutions founded and figures in one
// chronological stream, a page at a time.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "answers.h"
#include "common/page_token.h"
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

// The most domains a GetTimeline request may name (as ListEvents).
constexpr int kMaxDomains = 16;

using PageDone = std::function<void(grpc::Status, FetchedPage)>;

}  // namespace

absl::Status GetTimelineAnswer::Start(const Request& req, Response* resp, AnswerCall* call) {
  if (auto s = ValidateDyad(req.countries(), 1); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (auto s = ValidateOrigin(req.origin()); !s.ok()) return s;
  // Capped like the backends' lists (docs/security.md): the domains are
  // copied into every backend request of every page.
  if (req.domains_size() > kMaxDomains) {
    return InvalidField("domains", absl::StrCat("at most ", kMaxDomains, " domains"));
  }
  for (int i = 0; i < req.domains_size(); ++i) {
    if (auto s = ValidateText(req.domains(i), absl::StrCat("domains[", i, "]"), 200); !s.ok()) {
      return s;
    }
  }
  auto size = EffectivePageSize(req.page_size());
  if (!size.ok()) return size.status();
  gw::GetTimelineRequest canonical = req;
  canonical.clear_page_size();
  canonical.clear_page_token();
  TimelineCursor cursor;
  cursor.filter_fingerprint = Fingerprint(canonical.SerializeAsString());
  if (!req.page_token().empty()) {
    auto c = DecodeTimelineToken(req.page_token(), cursor.filter_fingerprint);
    if (!c.ok()) return c.status();
    cursor = *c;
  }
  const size_t limit = static_cast<size_t>(*size);
  const gw::GetTimelineRequest r = canonical;
  const std::set<std::string> domains(req.domains().begin(), req.domains().end());
  auto wanted = [domains](const std::string& d) { return domains.empty() || domains.count(d) > 0; };
  const auto group = call->group();
  Backends* b = call->backends();
  // Rows to ask a backend for: the page, plus those of its page already served.
  auto rows = [limit](const StreamPosition& p) {
    return static_cast<int>(std::min<size_t>(limit + static_cast<size_t>(p.skip), kMaxPageSize));
  };

  // The three backends are read in parallel, each on its own: one page of
  // events, one of institutions, and the figures from the last one served
  // to the filter's end. No backend's read waits for another's, so a part's
  // code reflects that backend only (a hung events backend cannot make the
  // economics read start late and miss the deadline). The page is assembled
  // once all three are in; figures after what the other streams reach are
  // held back by AssembleTimelinePage.

  // Events: one page after the position.
  auto events = Skipped<FetchedPage>();
  if (!cursor.events.done) {
    ev::ListEventsRequest q;
    *q.mutable_countries() = r.countries();
    *q.mutable_period() = r.period();
    *q.mutable_domains() = r.domains();
    q.set_origin(r.origin());
    q.set_page_size(rows(cursor.events));
    q.set_page_token(cursor.events.token);
    const int skip = cursor.events.skip;
    events = [group, b, q, skip](PageDone done) {
      ListEventsPage(group, b, q, [skip, done](grpc::Status s, ev::ListEventsResponse out) {
        FetchedPage page;
        page.ok = s.ok();
        for (int i = skip; i < out.events_size(); ++i) {
          page.entries.push_back(EventEntry(out.events(i)));
        }
        page.next_token = out.next_page_token();
        done(std::move(s), std::move(page));
      });
    };
  }

  // Institutions with a founding date in the period: the kinds' domains
  // first (to filter by domain and label entries), then one page. They are
  // all curated: none when only machine-coded records are asked for.
  auto institutions = Skipped<FetchedPage>();
  if (!cursor.institutions.done && AdmitsCurated(r.origin())) {
    const StreamPosition pos = cursor.institutions;
    const int page_rows = rows(pos);
    institutions = [group, b, r, pos, page_rows, domains](PageDone done) {
      ListInstitutionKindDomains(group, b, [group, b, r, pos, page_rows, domains, done](
                                               grpc::Status s,
                                               std::map<std::string, std::string> kind_domains) {
        if (!s.ok()) {
          FetchedPage failed;
          failed.ok = false;
          return done(std::move(s), std::move(failed));
        }
        in::ListInstitutionsRequest q;
        *q.mutable_countries() = r.countries();
        *q.mutable_founded() = r.period();
        // Only institutions with a known founding date have a place in time.
        if (q.founded().start().year() == 0) q.mutable_founded()->mutable_start()->set_year(1);
        if (!domains.empty()) {
          for (const auto& [kind, domain] : kind_domains) {
            if (domains.count(domain)) q.add_kinds(kind);
          }
          // No institution kind in those domains.
          if (q.kinds().empty()) return done(grpc::Status::OK, FetchedPage());
        }
        q.set_page_size(page_rows);
        q.set_page_token(pos.token);
        ListInstitutionsPage(
            group, b, q,
            [done, skip = pos.skip, kind_domains = std::move(kind_domains)](
                grpc::Status s, in::ListInstitutionsResponse out) {
              FetchedPage page;
              page.ok = s.ok();
              for (int i = skip; i < out.institutions_size(); ++i) {
                const auto& inst = out.institutions(i);
                page.entries.push_back(
                    InstitutionEntry(inst, InstitutionDomain(inst.kind(), kind_domains)));
              }
              page.next_token = out.next_page_token();
              done(std::move(s), std::move(page));
            });
      });
    };
  }

  // Figures: the indicators first (titles, domains), then the figures of
  // the window; both economics reads.
  auto figures = Skipped<FetchedFigures>();
  const auto window = FigureWindow(r.period(), cursor.figures, std::nullopt);
  if (!cursor.figures.done && window) {
    figures = [group, b, r, window = *window,
               wanted](std::function<void(grpc::Status, FetchedFigures)> done) {
      ListIndicators(group, b, [group, b, r, window, wanted, done](
                                   grpc::Status s, std::map<std::string, ec::Indicator> indicators) {
        if (!s.ok()) return done(std::move(s), FetchedFigures());
        ec::ListObservationsRequest q;
        *q.mutable_countries() = r.countries();
        *q.mutable_period() = window;
        q.set_origin(r.origin());
        ListAllObservations(group, b, q,
                            [wanted, done, indicators = std::move(indicators)](
                                grpc::Status s, std::vector<ec::Observation> obs) mutable {
                              FetchedFigures figures;
                              for (const auto& o : obs) {
                                // Stocks "to date" have no place in time.
                                if (o.period().year() == 0) continue;
                                const ec::Indicator& ind = indicators[o.indicator()];
                                if (!wanted(IndicatorDomain(ind))) continue;
                                figures.entries.push_back(FigureEntry(o, ind));
                              }
                              done(std::move(s), std::move(figures));
                            });
      });
    };
  }

  Gather(events, institutions, figures)
      .Then([call, resp, cursor, limit](Fetched<FetchedPage> events, Fetched<FetchedPage> institutions,
                                        Fetched<FetchedFigures> figures) {
        figures.value.ok = figures.ok();
        figures.value.complete = true;  // read to the filter's end
        TimelinePage page = AssembleTimelinePage(cursor, events.value, institutions.value,
                                                 figures.value, limit);
        for (auto& e : page.entries) *resp->add_entries() = std::move(e);
        if (page.more) resp->set_next_page_token(EncodeTimelineToken(page.next));
        AddParts(*call, GetTimelineAnswer::kMethod, events.status, figures.status,
                 institutions.status, resp->mutable_parts());
        call->FinishAnswer(*resp);
      });
  return absl::OkStatus();
}

}  // namespace dyad::gateway
