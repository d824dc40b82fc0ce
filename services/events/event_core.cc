#include "event_core.h"

#include <cmath>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/partial_date.h"
#include "common/plugin_records.h"
#include "common/records.h"
#include "common/status.h"
#include "common/validation.h"
#include "common/wire.h"
#include "event_changes.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxSummary = 4000;
constexpr size_t kMaxShortText = 200;
// Caps on ListEventsRequest's lists (documented in event_service.proto).
constexpr int kMaxFilterCountries = 16;
constexpr int kMaxFilterKinds = 32;
constexpr int kMaxFilterDomains = 16;

std::string CanonicalFilters(const dyad::events::v1::ListEventsRequest& r) {
  return absl::StrCat(absl::StrJoin(r.countries(), ","), "|", r.period().start().year(), "-",
                      r.period().start().month(), "-", r.period().start().day(), "|",
                      r.period().end().year(), "-", r.period().end().month(), "-",
                      r.period().end().day(), "|", absl::StrJoin(r.kinds(), ","), "|",
                      absl::StrJoin(r.domains(), ","), "|", r.query(),
                      r.origin() != 0 ? absl::StrCat("|origin=", r.origin()) : "",
                      r.as_of().empty() ? "" : absl::StrCat("|as_of=", r.as_of()));
}

}  // namespace

EventCore::EventCore(std::unique_ptr<EventStore> store, const PluginSet* plugins,
                     size_t list_cache_entries, size_t list_cache_bytes)
    : store_(std::move(store)), list_cache_(list_cache_entries, list_cache_bytes), plugins_(plugins) {
  if (plugins_ != nullptr) {
    for (const auto& p : plugins_->plugins()) {
      for (auto k : p.bundle.event_kinds()) {
        k.set_plugin(p.name);
        kinds_[k.id()] = std::move(k);
      }
    }
  }
  IndexImportTables();
}

absl::StatusOr<std::vector<std::string>> EventCore::LoadPluginRecords() {
  list_cache_.Invalidate();
  return dyad::LoadPluginRecords(
      plugins_, "events", "events", *store_,
      [&](const LoadedPlugin& p) -> absl::StatusOr<std::vector<Event>> {
        std::vector<Event> events;
        events.reserve(p.bundle.events_size());
        for (Event e : p.bundle.events()) {
          e.set_plugin(p.name);
          e.set_origin(dyad::type::v1::ORIGIN_CURATED);
          e.set_domain(kinds_.at(e.kind()).domain());  // kinds checked by ValidatePlugins
          events.push_back(std::move(e));
        }
        return events;
      });
}

absl::StatusOr<Event> EventCore::GetEvent(const dyad::events::v1::GetEventRequest& req) {
  auto id = ParseResourceName(req.name(), "events", "name");
  if (!id.ok()) return id.status();
  return store_->Get(req.name());
}

absl::StatusOr<std::string> EventCore::GetEventSerialized(
    const dyad::events::v1::GetEventRequest& req) {
  auto id = ParseResourceName(req.name(), "events", "name");
  if (!id.ok()) return id.status();
  return store_->GetSerialized(req.name());
}

std::string SerializeListEventsResponse(const EventPage& page, const std::string& next_page_token) {
  dyad::events::v1::ListEventsResponse rest;  // every field but the events
  rest.set_total_size(static_cast<int32_t>(page.total_size));
  rest.set_next_page_token(next_page_token);
  if (!page.release.id.empty()) *rest.mutable_release() = ReleaseProto(page.release);
  return FramedReply(dyad::events::v1::ListEventsResponse::kEventsFieldNumber, page.bodies, rest);
}

absl::StatusOr<std::shared_ptr<const std::string>> EventCore::ListEventsSerialized(
    const dyad::events::v1::ListEventsRequest& req) {
  return list_cache_.GetOrComputeBytes(req, [&] { return QueryEvents(req); });
}

absl::StatusOr<dyad::events::v1::ListEventsResponse> EventCore::ListEvents(
    const dyad::events::v1::ListEventsRequest& req) {
  auto bytes = ListEventsSerialized(req);
  if (!bytes.ok()) return bytes.status();
  dyad::events::v1::ListEventsResponse resp;
  if (!resp.ParseFromString(**bytes)) return absl::InternalError("cannot decode cached page");
  return resp;
}

uint64_t EventCore::FilterFingerprint(const dyad::events::v1::ListEventsRequest& req) {
  return Fingerprint(CanonicalFilters(req));
}

absl::StatusOr<std::string> EventCore::QueryEvents(
    const dyad::events::v1::ListEventsRequest& req, const QueryOptions& options) {
  // List sizes first: nothing below (validation, SQL) should run over an
  // unbounded list.
  if (req.countries_size() > kMaxFilterCountries) {
    return InvalidField("countries", absl::StrCat("at most ", kMaxFilterCountries, " countries"));
  }
  if (req.kinds_size() > kMaxFilterKinds) {
    return InvalidField("kinds", absl::StrCat("at most ", kMaxFilterKinds, " kinds"));
  }
  if (req.domains_size() > kMaxFilterDomains) {
    return InvalidField("domains", absl::StrCat("at most ", kMaxFilterDomains, " domains"));
  }
  auto size = EffectivePageSize(req.page_size());
  if (!size.ok()) return size.status();
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.period(), "period"); !s.ok()) return s;
  if (auto s = ValidateText(req.query(), "query", kMaxQueryLength); !s.ok()) return s;
  if (!dyad::type::v1::Origin_IsValid(req.origin())) {
    return InvalidField("origin", absl::StrCat("unknown value ", req.origin()));
  }
  for (int i = 0; i < req.kinds_size(); ++i) {
    if (auto s = ValidateText(req.kinds(i), absl::StrCat("kinds[", i, "]"), kMaxShortText); !s.ok()) return s;
  }
  for (int i = 0; i < req.domains_size(); ++i) {
    if (auto s = ValidateText(req.domains(i), absl::StrCat("domains[", i, "]"), kMaxShortText); !s.ok()) return s;
  }
  const uint64_t fp = Fingerprint(CanonicalFilters(req));
  EventQuery q;
  if (!req.page_token().empty()) {
    auto cursor = DecodePageToken(req.page_token(), fp);
    if (!cursor.ok()) return cursor.status();
    q.after = *cursor;
  }
  std::set<std::string> countries(req.countries().begin(), req.countries().end());
  q.countries.assign(countries.begin(), countries.end());
  q.period = RangeDays(req.period());
  if (req.kinds_size() > 0) {
    // Kinds and their sub-kinds become the exact ids they stand for, so the
    // store matches each row against one set instead of every prefix.
    std::set<std::string> ids;
    for (const std::string& k : req.kinds()) {
      for (auto it = kinds_.lower_bound(k); it != kinds_.end() && absl::StartsWith(it->first, k);
           ++it) {
        if (it->first.size() == k.size() || it->first[k.size()] == '.') ids.insert(it->first);
      }
    }
    // Every stored event has a known kind: no known kind, no event.
    if (ids.empty()) return std::string();  // the empty ListEventsResponse
    q.kinds.assign(ids.begin(), ids.end());
  }
  q.domains.assign(req.domains().begin(), req.domains().end());
  q.fts_query = ToFtsQuery(req.query());
  q.limit = options.limit > 0 ? options.limit : *size;
  q.count_total = options.count_total;
  q.origin = req.origin();
  if (!req.as_of().empty()) {
    auto resp = QueryEventsAsOf(q, req.as_of(), fp);
    if (!resp.ok()) return resp.status();
    return resp->SerializeAsString();
  }
  auto page = store_->List(q);
  if (!page.ok()) return page.status();
  std::string token;
  if (page->next) {
    page->next->filter_fingerprint = fp;
    token = EncodePageToken(*page->next);
  }
  return SerializeListEventsResponse(*page, token);
}

absl::StatusOr<dyad::events::v1::ListEventKindsResponse> EventCore::ListEventKinds(
    const dyad::events::v1::ListEventKindsRequest& req) const {
  if (auto s = ValidateText(req.domain(), "domain", kMaxShortText); !s.ok()) return s;
  dyad::events::v1::ListEventKindsResponse resp;
  for (const auto& [id, k] : kinds_) {
    if (req.domain().empty() || k.domain() == req.domain()) *resp.add_kinds() = k;
  }
  return resp;
}

const std::vector<dyad::type::v1::Source>& EventCore::SourceCatalog() const {
  static const auto* const kNone = new std::vector<dyad::type::v1::Source>();
  return plugins_ != nullptr ? plugins_->sources() : *kNone;
}

absl::Status EventCore::ValidateNewEvent(const Event& e) const {
  if (e.kind().empty()) return InvalidField("event.kind", "is required");
  if (!kinds_.count(e.kind())) {
    return InvalidField("event.kind", absl::StrCat("unknown kind \"", e.kind().substr(0, 64),
                                                   "\"; ListEventKinds lists the known kinds"));
  }
  if (e.title().empty()) return InvalidField("event.title", "is required");
  if (auto s = ValidateText(e.title(), "event.title", kMaxTitle); !s.ok()) return s;
  if (auto s = ValidateMultilineText(e.summary(), "event.summary", kMaxSummary); !s.ok()) return s;
  if (auto s = ValidateText(e.fact(), "event.fact", kMaxShortText); !s.ok()) return s;
  if (auto s = ValidateRequiredDate(e.date(), "event.date"); !s.ok()) return s;
  if (auto s = ValidatePartialDate(e.end_date(), "event.end_date"); !s.ok()) return s;
  if (e.end_date().year() > 0 && LastDay(e.end_date()) < FirstDay(e.date())) {
    return InvalidField("event.end_date", "must not be before event.date");
  }
  if (!dyad::events::v1::DateBasis_IsValid(e.date_basis())) {
    return InvalidField("event.date_basis",
                        absl::StrCat("unknown value ", static_cast<int>(e.date_basis()),
                                     "; DATE_BASIS_STATED, DATE_BASIS_AFTER, DATE_BASIS_BY or unset"));
  }
  if (e.date_basis() == dyad::events::v1::DATE_BASIS_BY && e.end_date().year() > 0) {
    return InvalidField("event.end_date",
                        "must be unset when event.date_basis is DATE_BASIS_BY (event.date is "
                        "then the latest the event can be)");
  }
  if (e.countries().empty()) return InvalidField("event.countries", "at least one country is required");
  if (auto s = ValidateCountries(e.countries(), "event.countries"); !s.ok()) return s;
  if (auto s = ValidateDistinctCountries(e.countries(), "event.countries"); !s.ok()) return s;
  if (e.participants_size() > 100) return InvalidField("event.participants", "at most 100");
  for (int i = 0; i < e.participants_size(); ++i) {
    const auto& p = e.participants(i);
    const std::string f = absl::StrCat("event.participants[", i, "]");
    if (p.name().empty()) return InvalidField(absl::StrCat(f, ".name"), "is required");
    if (auto s = ValidateText(p.name(), absl::StrCat(f, ".name"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateText(p.role(), absl::StrCat(f, ".role"), kMaxShortText); !s.ok()) return s;
    if (!p.country().empty()) {
      if (auto s = ValidateCountry(p.country(), absl::StrCat(f, ".country")); !s.ok()) return s;
    }
  }
  if (auto s = ValidateText(e.location().name(), "event.location.name", kMaxShortText); !s.ok()) return s;
  if (!e.location().country().empty()) {
    if (auto s = ValidateCountry(e.location().country(), "event.location.country"); !s.ok()) return s;
  }
  if (e.has_amount()) {
    if (!std::isfinite(e.amount().value()) || !std::isfinite(e.amount().upper())) {
      return InvalidField("event.amount.value", "must be a finite number");
    }
    if (e.amount().unit().empty()) return InvalidField("event.amount.unit", "is required with an amount");
  }
  if (e.citations().empty()) {
    return InvalidField("event.citations", "at least one citation {source_id, locator} is required");
  }
  if (e.citations_size() > 50) return InvalidField("event.citations", "at most 50");
  for (int i = 0; i < e.citations_size(); ++i) {
    const auto& c = e.citations(i);
    const std::string f = absl::StrCat("event.citations[", i, "]");
    if (c.source_id().empty()) return InvalidField(absl::StrCat(f, ".source_id"), "is required");
    if (c.locator().empty()) return InvalidField(absl::StrCat(f, ".locator"), "is required");
    if (auto s = ValidateText(c.source_id(), absl::StrCat(f, ".source_id"), kMaxShortText * 5); !s.ok()) return s;
    if (auto s = ValidateText(c.locator(), absl::StrCat(f, ".locator"), kMaxShortText * 5); !s.ok()) return s;
    if (auto s = ValidateMultilineText(c.note(), absl::StrCat(f, ".note"), kMaxShortText * 5); !s.ok()) return s;
    if (auto s = ValidateKnownSource(c.source_id(), absl::StrCat(f, ".source_id"), SourceCatalog());
        !s.ok()) {
      return s;
    }
  }
  if (e.tags_size() > 32) return InvalidField("event.tags", "at most 32");
  for (int i = 0; i < e.tags_size(); ++i) {
    if (auto s = ValidateText(e.tags(i), absl::StrCat("event.tags[", i, "]"), 64); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<Event> EventCore::CreateEvent(const dyad::events::v1::CreateEventRequest& req) {
  if (!req.has_event()) return InvalidField("event", "is required");
  Event e = req.event();
  if (auto s = ValidateNewEvent(e); !s.ok()) return s;
  if (!req.event_id().empty()) {
    if (auto s = ValidateId(req.event_id(), "event_id"); !s.ok()) return s;
  }
  // Output-only fields are set here, whatever the client sent.
  e.set_domain(kinds_.at(e.kind()).domain());
  e.clear_plugin();
  e.set_origin(dyad::type::v1::ORIGIN_CURATED);
  e.clear_coded();  // machine-coded measures come only through the import path
  if (auto s = RunValidateHooks(e); !s.ok()) return s;
  const bool chosen = !req.event_id().empty();
  for (int attempt = 0; attempt < 3; ++attempt) {
    e.set_name(absl::StrCat("events/", chosen ? req.event_id()
                                              : absl::StrCat(Slug(e.title(), 54, "event"), "-",
                                                             RandomSuffix())));
    absl::Status s = store_->Insert(e);
    if (s.ok()) {
      list_cache_.Invalidate();
      return e;
    }
    if (!absl::IsAlreadyExists(s) || chosen) return s;
  }
  return absl::AbortedError("could not pick a free event id; retry");
}

absl::Status EventCore::RunValidateHooks(const Event& e) const {
  // Domain checks from plugins that implement the validate hook.
  if (plugins_ != nullptr) {
    for (const auto& p : plugins_->plugins()) {
      if (!p.Contributes("events") || !p.Implements(dyad::plugin::v1::HOOK_VALIDATE)) continue;
      dyad::plugin::v1::HookRequest hook;
      *hook.mutable_validate()->mutable_event() = e;
      auto resp = plugins_->CallHook(p, hook);
      if (!resp.ok()) return resp.status();
      if (resp->validate().violations_size() > 0) {
        const auto& v = resp->validate().violations(0);
        return InvalidField(v.field(), v.description());
      }
    }
  }
  return absl::OkStatus();
}

dyad::events::v1::ListSourcesResponse EventCore::ListSources() const {
  dyad::events::v1::ListSourcesResponse resp;
  if (plugins_ != nullptr) {
    for (const auto& s : plugins_->sources()) *resp.add_sources() = s;
  }
  return resp;
}

}  // namespace dyad::events
