#include "institution_core.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/partial_date.h"
#include "common/records.h"
#include "common/status.h"
#include "common/validation.h"
#include "common/wire.h"

namespace dyad::institutions {
namespace {

using dyad::institutions::v1::Institution;
using dyad::institutions::v1::Membership;

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxDescription = 4000;
constexpr size_t kMaxShortText = 200;
constexpr int kMaxKinds = 32;
constexpr int kMaxFilterCountries = 16;  // ListInstitutionsRequest.countries
constexpr int kMaxListed = 50;  // partners, citations

// The filters of a normalised query, so a page token works only with the
// filters it came from (equivalent spellings, e.g. "baku" and "Baku", share
// tokens).
std::string CanonicalFilters(const InstitutionQuery& q) {
  return absl::StrCat(absl::StrJoin(q.kinds, ","), "|", absl::StrJoin(q.countries, ","), "|",
                      q.host_country, "|", q.city_lower, "|",
                      q.founded ? absl::StrCat(q.founded->first, "..", q.founded->last) : "-",
                      "|", q.fts_query);
}

}  // namespace

InstitutionCore::InstitutionCore(std::unique_ptr<InstitutionStore> store, const PluginSet* plugins,
                                 size_t list_cache_entries, size_t list_cache_bytes)
    : store_(std::move(store)), list_cache_(list_cache_entries, list_cache_bytes), plugins_(plugins) {
  if (plugins_ == nullptr) return;
  for (const auto& p : plugins_->plugins()) {
    if (!p.Contributes("institutions")) continue;
    for (auto k : p.bundle.institution_kinds()) {
      k.set_plugin(p.name);
      kinds_[k.id()] = std::move(k);
    }
    for (auto m : p.bundle.memberships()) {
      m.set_plugin(p.name);
      memberships_.push_back(std::move(m));
    }
  }
  std::sort(memberships_.begin(), memberships_.end(), [](const Membership& a, const Membership& b) {
    return std::tie(a.country(), a.organization(), a.role()) <
           std::tie(b.country(), b.organization(), b.role());
  });
}

absl::StatusOr<std::vector<std::string>> InstitutionCore::LoadPluginRecords() {
  list_cache_.Invalidate();
  auto lines = dyad::LoadPluginRecords(
      plugins_, "institutions", "institutions", *store_,
      [](const LoadedPlugin& p) -> absl::StatusOr<std::vector<Institution>> {
        std::vector<Institution> records;
        records.reserve(p.bundle.institutions_size());
        for (Institution i : p.bundle.institutions()) {
          i.set_plugin(p.name);
          records.push_back(std::move(i));
        }
        return records;
      },
      [](const LoadedPlugin& p) {
        return absl::StrCat(" memberships=", p.bundle.memberships_size());
      });
  if (!lines.ok()) return lines.status();
  for (auto& m : memberships_) {
    // ValidatePlugins checked that the organization is a plugin's institution.
    auto org = store_->Get(m.organization());
    if (org.ok()) {
      m.set_organization_display_name(org->display_name());
    } else if (!absl::IsNotFound(org.status())) {
      return org.status();
    }
  }
  return lines;
}

absl::StatusOr<Institution> InstitutionCore::GetInstitution(
    const dyad::institutions::v1::GetInstitutionRequest& req) {
  auto id = ParseResourceName(req.name(), "institutions", "name");
  if (!id.ok()) return id.status();
  return store_->Get(req.name());
}

absl::StatusOr<std::shared_ptr<const std::string>> InstitutionCore::ListInstitutionsSerialized(
    const dyad::institutions::v1::ListInstitutionsRequest& req) {
  return list_cache_.GetOrComputeBytes(req, [&] { return QueryInstitutions(req); });
}

absl::StatusOr<dyad::institutions::v1::ListInstitutionsResponse> InstitutionCore::ListInstitutions(
    const dyad::institutions::v1::ListInstitutionsRequest& req) {
  auto bytes = ListInstitutionsSerialized(req);
  if (!bytes.ok()) return bytes.status();
  dyad::institutions::v1::ListInstitutionsResponse resp;
  if (!resp.ParseFromString(**bytes)) return absl::InternalError("cannot decode cached page");
  return resp;
}

absl::StatusOr<std::string> InstitutionCore::QueryInstitutions(
    const dyad::institutions::v1::ListInstitutionsRequest& req) {
  if (req.kinds_size() > kMaxKinds) {
    return InvalidField("kinds", absl::StrCat("at most ", kMaxKinds, " kinds"));
  }
  if (req.countries_size() > kMaxFilterCountries) {
    return InvalidField("countries", absl::StrCat("at most ", kMaxFilterCountries, " countries"));
  }
  auto size = EffectivePageSize(req.page_size());
  if (!size.ok()) return size.status();
  for (int i = 0; i < req.kinds_size(); ++i) {
    const std::string field = absl::StrCat("kinds[", i, "]");
    if (req.kinds(i).empty()) {
      return InvalidField(field, "must not be empty (a kind id such as \"education\" or "
                                 "\"education.university\")");
    }
    if (auto s = ValidateText(req.kinds(i), field, kMaxShortText); !s.ok()) return s;
  }
  if (auto s = ValidateCountries(req.countries(), "countries"); !s.ok()) return s;
  if (!req.host_country().empty()) {
    if (auto s = ValidateCountry(req.host_country(), "host_country"); !s.ok()) return s;
  }
  if (auto s = ValidateText(req.city(), "city", kMaxShortText); !s.ok()) return s;
  if (auto s = ValidateDateRange(req.founded(), "founded"); !s.ok()) return s;
  if (auto s = ValidateText(req.query(), "query", kMaxQueryLength); !s.ok()) return s;

  InstitutionQuery q;
  std::set<std::string> kinds(req.kinds().begin(), req.kinds().end());
  q.kinds.assign(kinds.begin(), kinds.end());
  std::set<std::string> countries(req.countries().begin(), req.countries().end());
  q.countries.assign(countries.begin(), countries.end());
  q.host_country = req.host_country();
  // Case-insensitive for ASCII letters, as SQLite's own lower() is.
  q.city_lower = absl::AsciiStrToLower(req.city());
  const auto& f = req.founded();
  if (f.start().year() > 0 || f.end().year() > 0) q.founded = RangeDays(f);
  q.fts_query = ToFtsQuery(req.query());
  q.limit = *size;
  const uint64_t fp = Fingerprint(CanonicalFilters(q));
  if (!req.page_token().empty()) {
    auto cursor = DecodePageToken(req.page_token(), fp);
    if (!cursor.ok()) return cursor.status();
    q.after = *cursor;
  }
  auto page = store_->List(q);
  if (!page.ok()) return page.status();
  // The stored institutions are framed into the reply as they are (not
  // parsed and encoded again); the other fields follow.
  dyad::institutions::v1::ListInstitutionsResponse rest;
  rest.set_total_size(static_cast<int32_t>(page->total_size));
  if (page->next) {
    page->next->filter_fingerprint = fp;
    rest.set_next_page_token(EncodePageToken(*page->next));
  }
  return FramedReply(dyad::institutions::v1::ListInstitutionsResponse::kInstitutionsFieldNumber,
                     page->bodies, rest);
}

absl::StatusOr<dyad::institutions::v1::ListInstitutionKindsResponse>
InstitutionCore::ListInstitutionKinds(
    const dyad::institutions::v1::ListInstitutionKindsRequest& req) const {
  if (auto s = ValidateText(req.domain(), "domain", kMaxShortText); !s.ok()) return s;
  dyad::institutions::v1::ListInstitutionKindsResponse resp;
  for (const auto& [id, k] : kinds_) {
    if (req.domain().empty() || k.domain() == req.domain()) *resp.add_kinds() = k;
  }
  return resp;
}

absl::StatusOr<dyad::institutions::v1::ListMembershipsResponse> InstitutionCore::ListMemberships(
    const dyad::institutions::v1::ListMembershipsRequest& req) const {
  if (!req.country().empty()) {
    if (auto s = ValidateCountry(req.country(), "country"); !s.ok()) return s;
  }
  if (!req.organization().empty()) {
    auto id = ParseResourceName(req.organization(), "institutions", "organization");
    if (!id.ok()) return id.status();
  }
  dyad::institutions::v1::ListMembershipsResponse resp;
  for (const auto& m : memberships_) {
    if (!req.country().empty() && m.country() != req.country()) continue;
    if (!req.organization().empty() && m.organization() != req.organization()) continue;
    *resp.add_memberships() = m;
  }
  return resp;
}

const std::vector<dyad::type::v1::Source>& InstitutionCore::SourceCatalog() const {
  static const auto* const kNone = new std::vector<dyad::type::v1::Source>();
  return plugins_ != nullptr ? plugins_->sources() : *kNone;
}

absl::Status InstitutionCore::ValidateNewInstitution(const Institution& i) {
  if (i.display_name().empty()) return InvalidField("institution.display_name", "is required");
  if (auto s = ValidateText(i.display_name(), "institution.display_name", kMaxDisplayName); !s.ok()) return s;
  if (auto s = ValidateMultilineText(i.description(), "institution.description", kMaxDescription); !s.ok()) return s;
  if (i.kind().empty()) return InvalidField("institution.kind", "is required");
  if (!kinds_.count(i.kind())) {
    return InvalidField("institution.kind",
                        absl::StrCat("unknown kind \"", i.kind().substr(0, 64),
                                     "\"; ListInstitutionKinds lists the known kinds"));
  }
  if (!i.host_country().empty()) {
    if (auto s = ValidateCountry(i.host_country(), "institution.host_country"); !s.ok()) return s;
  }
  if (auto s = ValidateCountries(i.countries(), "institution.countries"); !s.ok()) return s;
  if (auto s = ValidateDistinctCountries(i.countries(), "institution.countries"); !s.ok()) return s;
  if (auto s = ValidateText(i.city(), "institution.city", kMaxShortText); !s.ok()) return s;
  if (!Institution::Status_IsValid(i.status())) {
    return InvalidField("institution.status", absl::StrCat("unknown status ", i.status()));
  }
  if (auto s = ValidatePartialDate(i.founded(), "institution.founded"); !s.ok()) return s;
  if (auto s = ValidatePartialDate(i.closed(), "institution.closed"); !s.ok()) return s;
  if (i.closed().year() > 0) {
    if (i.status() != Institution::STATUS_CLOSED) {
      return InvalidField("institution.closed",
                          absl::StrCat("only an institution with status STATUS_CLOSED has a "
                                       "closing date, got ", Institution::Status_Name(i.status())));
    }
    if (i.founded().year() > 0 && LastDay(i.closed()) < FirstDay(i.founded())) {
      return InvalidField("institution.closed", "must not be before institution.founded");
    }
  }
  if (auto s = ValidateText(i.fact(), "institution.fact", kMaxShortText); !s.ok()) return s;
  if (i.external_ids_size() > kMaxListed) {
    return InvalidField("institution.external_ids", absl::StrCat("at most ", kMaxListed));
  }
  for (int k = 0; k < i.external_ids_size(); ++k) {
    const std::string f = absl::StrCat("institution.external_ids[", k, "]");
    const auto& x = i.external_ids(k);
    if (x.scheme().empty()) return InvalidField(absl::StrCat(f, ".scheme"), "is required");
    if (x.id().empty()) return InvalidField(absl::StrCat(f, ".id"), "is required");
    if (auto s = ValidateText(x.scheme(), absl::StrCat(f, ".scheme"), 64); !s.ok()) return s;
    if (auto s = ValidateText(x.id(), absl::StrCat(f, ".id"), kMaxShortText); !s.ok()) return s;
  }
  // Partners and the parent must name institutions that exist now.
  auto check_reference = [this](const std::string& name, const std::string& field) -> absl::Status {
    auto id = ParseResourceName(name, "institutions", field);
    if (!id.ok()) return id.status();
    auto found = store_->Get(name);
    if (absl::IsNotFound(found.status())) {
      return InvalidField(field, absl::StrCat("no institution \"", name, "\""));
    }
    return found.status();
  };
  if (i.partners_size() > kMaxListed) {
    return InvalidField("institution.partners", absl::StrCat("at most ", kMaxListed));
  }
  for (int k = 0; k < i.partners_size(); ++k) {
    if (auto s = check_reference(i.partners(k), absl::StrCat("institution.partners[", k, "]"));
        !s.ok()) {
      return s;
    }
  }
  if (!i.parent().empty()) {
    if (auto s = check_reference(i.parent(), "institution.parent"); !s.ok()) return s;
  }
  if (i.citations().empty()) {
    return InvalidField("institution.citations",
                        "at least one citation {source_id, locator} is required");
  }
  if (i.citations_size() > kMaxListed) {
    return InvalidField("institution.citations", absl::StrCat("at most ", kMaxListed));
  }
  for (int k = 0; k < i.citations_size(); ++k) {
    const auto& c = i.citations(k);
    const std::string f = absl::StrCat("institution.citations[", k, "]");
    if (c.source_id().empty()) return InvalidField(absl::StrCat(f, ".source_id"), "is required");
    if (c.locator().empty()) return InvalidField(absl::StrCat(f, ".locator"), "is required");
    if (auto s = ValidateText(c.source_id(), absl::StrCat(f, ".source_id"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateText(c.locator(), absl::StrCat(f, ".locator"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateMultilineText(c.note(), absl::StrCat(f, ".note"), kMaxShortText * 5); !s.ok()) return s;
    if (auto s = ValidateKnownSource(c.source_id(), absl::StrCat(f, ".source_id"), SourceCatalog());
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Institution> InstitutionCore::CreateInstitution(
    const dyad::institutions::v1::CreateInstitutionRequest& req) {
  if (!req.has_institution()) return InvalidField("institution", "is required");
  Institution i = req.institution();
  if (auto s = ValidateNewInstitution(i); !s.ok()) return s;
  if (!req.institution_id().empty()) {
    if (auto s = ValidateId(req.institution_id(), "institution_id"); !s.ok()) return s;
  }
  i.clear_plugin();
  if (plugins_ != nullptr) {
    for (const auto& p : plugins_->plugins()) {
      if (!p.Contributes("institutions") || !p.Implements(dyad::plugin::v1::HOOK_VALIDATE)) continue;
      dyad::plugin::v1::HookRequest hook;
      *hook.mutable_validate()->mutable_institution() = i;
      auto resp = plugins_->CallHook(p, hook);
      if (!resp.ok()) return resp.status();
      if (resp->validate().violations_size() > 0) {
        const auto& v = resp->validate().violations(0);
        return InvalidField(v.field(), v.description());
      }
    }
  }
  const bool chosen = !req.institution_id().empty();
  for (int attempt = 0; attempt < 3; ++attempt) {
    i.set_name(absl::StrCat("institutions/",
                            chosen ? req.institution_id()
                                   : absl::StrCat(Slug(i.display_name(), 54, "institution"), "-",
                                                  RandomSuffix())));
    absl::Status s = store_->Insert(i);
    if (s.ok()) {
      list_cache_.Invalidate();
      return i;
    }
    if (!absl::IsAlreadyExists(s) || chosen) return s;
  }
  return absl::AbortedError("could not pick a free institution id; retry");
}

dyad::institutions::v1::ListSourcesResponse InstitutionCore::ListSources() const {
  dyad::institutions::v1::ListSourcesResponse resp;
  if (plugins_ != nullptr) {
    for (const auto& s : plugins_->sources()) *resp.add_sources() = s;
  }
  return resp;
}

}  // namespace dyad::institutions
