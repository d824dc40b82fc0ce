// ValidatePlugins(): the checks every set of plugins passes before a service
// serves their data. One failure stops start-up with one line naming the
// plugin, the record and the reason.
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "common/plugin_host.h"
#include "common/validation.h"

namespace dyad {
namespace {

absl::Status Fail(absl::string_view plugin, absl::string_view what, absl::string_view reason) {
  return absl::FailedPreconditionError(absl::StrCat("plugin ", plugin, ": ", what, ": ", reason));
}

bool ValidPluginName(absl::string_view n) {
  if (n.empty() || n.size() > 63) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Source ids are lower-kebab-case with dots allowed between the parts, so a
// dataset's version can be part of its id ("gdelt-2.0").
absl::Status CheckSourceId(absl::string_view plugin, const std::string& id) {
  bool ok = !id.empty() && id.size() <= 63;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) ok = false;
  }
  if (ok) {
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    ok = alnum(id.front()) && alnum(id.back());
  }
  if (!ok) {
    return Fail(plugin, absl::StrCat("source \"", id, "\""),
                "id must be 1..63 of [a-z0-9-.], starting and ending with a letter or digit");
  }
  return absl::OkStatus();
}

// A coded taxonomy's kinds (EventKind.taxonomy set) each carry a code, and a
// code names one kind per taxonomy across all plugins: imported events take
// the kind whose cameo_code equals their coded code.
class TaxonomyCodes {
 public:
  absl::Status Add(absl::string_view plugin, const dyad::events::v1::EventKind& k) {
    const std::string what = absl::StrCat("event kind \"", k.id(), "\"");
    if (k.quad_class() < 0 || k.quad_class() > 4) {
      return Fail(plugin, what, absl::StrCat("quad_class ", k.quad_class(), " is not in 0..4"));
    }
    if (k.has_goldstein() && !(k.goldstein() >= -10 && k.goldstein() <= 10)) {
      return Fail(plugin, what, absl::StrCat("goldstein ", k.goldstein(), " is not in -10..10"));
    }
    if (k.taxonomy().empty()) return absl::OkStatus();
    if (k.cameo_code().empty()) {
      return Fail(plugin, what, absl::StrCat("belongs to taxonomy \"", k.taxonomy(),
                                             "\" but has no cameo_code"));
    }
    auto [it, inserted] = owner_[k.taxonomy()].emplace(
        k.cameo_code(), absl::StrCat("kind ", k.id(), " of plugin ", plugin));
    if (!inserted) {
      return Fail(plugin, what, absl::StrCat("cameo_code \"", k.cameo_code(), "\" of taxonomy \"",
                                             k.taxonomy(), "\" is already the code of ", it->second));
    }
    return absl::OkStatus();
  }

 private:
  // taxonomy → code → "kind <id> of plugin <name>"
  std::map<std::string, std::map<std::string, std::string>> owner_;
};

constexpr absl::string_view kServices[] = {"events", "economics", "institutions"};

// Ids seen so far across all plugins, with the plugin that brought them.
class Registry {
 public:
  absl::Status Add(absl::string_view plugin, absl::string_view kind, const std::string& id) {
    auto [it, inserted] = seen_[std::string(kind)].emplace(id, std::string(plugin));
    if (!inserted) {
      return Fail(plugin, absl::StrCat(kind, " ", id),
                  it->second == plugin ? "duplicate id within the plugin"
                                       : absl::StrCat("duplicate id, also in plugin ", it->second));
    }
    return absl::OkStatus();
  }
  bool Has(absl::string_view kind, const std::string& id) const {
    auto it = seen_.find(std::string(kind));
    return it != seen_.end() && it->second.count(id) > 0;
  }

 private:
  std::map<std::string, std::map<std::string, std::string>> seen_;
};

absl::Status CheckCitations(absl::string_view plugin, absl::string_view record,
                            const google::protobuf::RepeatedPtrField<dyad::type::v1::Citation>& cs,
                            const Registry& reg) {
  if (cs.empty()) return Fail(plugin, record, "record without a citation");
  for (const auto& c : cs) {
    if (!reg.Has("source", c.source_id())) {
      return Fail(plugin, record, absl::StrCat("cites unknown source \"", c.source_id(), "\""));
    }
    if (c.locator().empty()) {
      return Fail(plugin, record, absl::StrCat("citation of ", c.source_id(), " has no locator"));
    }
  }
  return absl::OkStatus();
}

absl::Status Wrap(absl::string_view plugin, absl::string_view record, const absl::Status& s) {
  if (s.ok()) return s;
  return Fail(plugin, record, s.message());
}

absl::Status CheckName(absl::string_view plugin, const std::string& name, absl::string_view collection) {
  return Wrap(plugin, name.empty() ? absl::StrCat("a record of ", collection) : name,
              ParseResourceName(name, collection, "name").status());
}

bool KindKnown(const Registry& reg, absl::string_view registry, const std::string& kind) {
  return reg.Has(registry, kind);
}

}  // namespace

absl::Status ValidatePlugins(const std::vector<LoadedPlugin>& plugins) {
  Registry reg;
  TaxonomyCodes codes;
  // Pass 1: plugin names, services, and the vocabularies (sources, kinds,
  // indicators, institutions) that records of any plugin may refer to.
  for (const auto& p : plugins) {
    if (!ValidPluginName(p.name)) {
      return Fail(p.name.empty() ? "(unnamed)" : p.name, "name", "must be 1..63 of [a-z0-9_]");
    }
    if (p.version.empty()) return Fail(p.name, "version", "is empty");
    if (auto s = reg.Add(p.name, "plugin", p.name); !s.ok()) {
      return Fail(p.name, "name", "two plugins have this name");
    }
    for (const auto& svc : p.manifest.services()) {
      if (std::find(std::begin(kServices), std::end(kServices), svc) == std::end(kServices)) {
        return Fail(p.name, "manifest", absl::StrCat("unknown service \"", svc, "\""));
      }
    }
    const auto& b = p.bundle;
    auto needs = [&](bool has, absl::string_view svc, absl::string_view what) -> absl::Status {
      if (has && !p.Contributes(svc)) {
        return Fail(p.name, "manifest",
                    absl::StrCat("bundle has ", what, " but the manifest does not name the ", svc,
                                 " service"));
      }
      return absl::OkStatus();
    };
    if (auto s = needs(b.event_kinds_size() + b.events_size() > 0, "events", "events"); !s.ok()) return s;
    if (auto s = needs(b.indicators_size() + b.observations_size() > 0, "economics", "indicators"); !s.ok()) return s;
    if (auto s = needs(b.institution_kinds_size() + b.institutions_size() + b.memberships_size() > 0,
                       "institutions", "institutions");
        !s.ok()) {
      return s;
    }
    for (const auto& src : b.sources()) {
      if (auto s = CheckSourceId(p.name, src.id()); !s.ok()) return s;
      if (src.title().empty()) return Fail(p.name, absl::StrCat("source ", src.id()), "has no title");
      if (auto s = ValidatePartialDate(src.published(), "published"); !s.ok()) {
        return Wrap(p.name, absl::StrCat("source ", src.id()), s);
      }
      if (auto s = reg.Add(p.name, "source", src.id()); !s.ok()) return s;
    }
    for (const auto& k : b.event_kinds()) {
      if (k.id().empty() || k.label().empty() || k.domain().empty()) {
        return Fail(p.name, absl::StrCat("event kind \"", k.id(), "\""), "needs id, label and domain");
      }
      if (auto s = reg.Add(p.name, "event kind", k.id()); !s.ok()) return s;
      if (auto s = codes.Add(p.name, k); !s.ok()) return s;
    }
    for (const auto& ind : b.indicators()) {
      if (ind.id().empty() || ind.display_name().empty() || ind.unit().empty()) {
        return Fail(p.name, absl::StrCat("indicator \"", ind.id(), "\""),
                    "needs id, display_name and unit");
      }
      if (auto s = reg.Add(p.name, "indicator", ind.id()); !s.ok()) return s;
    }
    for (const auto& k : b.institution_kinds()) {
      if (k.id().empty() || k.label().empty() || k.domain().empty()) {
        return Fail(p.name, absl::StrCat("institution kind \"", k.id(), "\""),
                    "needs id, label and domain");
      }
      if (auto s = reg.Add(p.name, "institution kind", k.id()); !s.ok()) return s;
    }
    for (const auto& inst : b.institutions()) {
      if (auto s = CheckName(p.name, inst.name(), "institutions"); !s.ok()) return s;
      if (auto s = reg.Add(p.name, "institution", inst.name()); !s.ok()) return s;
    }
  }
  // Pass 2: the records, now that every vocabulary is known.
  for (const auto& p : plugins) {
    const auto& b = p.bundle;
    for (const auto& ind : b.indicators()) {
      for (const auto& in : ind.inputs()) {
        if (!reg.Has("indicator", in)) {
          return Fail(p.name, absl::StrCat("indicator ", ind.id()),
                      absl::StrCat("input \"", in, "\" is not a known indicator"));
        }
      }
      if (ind.derived() && ind.inputs().empty()) {
        return Fail(p.name, absl::StrCat("indicator ", ind.id()), "derived but lists no inputs");
      }
    }
    for (const auto& e : b.events()) {
      if (auto s = CheckName(p.name, e.name(), "events"); !s.ok()) return s;
      if (auto s = reg.Add(p.name, "event", e.name()); !s.ok()) return s;
      if (!KindKnown(reg, "event kind", e.kind())) {
        return Fail(p.name, e.name(), absl::StrCat("unknown event kind \"", e.kind(), "\""));
      }
      if (e.title().empty()) return Fail(p.name, e.name(), "has no title");
      if (auto s = ValidateRequiredDate(e.date(), "date"); !s.ok()) return Wrap(p.name, e.name(), s);
      if (auto s = ValidatePartialDate(e.end_date(), "end_date"); !s.ok()) return Wrap(p.name, e.name(), s);
      if (e.end_date().year() > 0 && LastDay(e.end_date()) < FirstDay(e.date())) {
        return Fail(p.name, e.name(), "end_date is before date");
      }
      if (e.countries().empty()) return Fail(p.name, e.name(), "lists no countries");
      if (auto s = ValidateCountries(e.countries(), "countries"); !s.ok()) return Wrap(p.name, e.name(), s);
      for (const auto& part : e.participants()) {
        if (!part.country().empty()) {
          if (auto s = ValidateCountry(part.country(), "participants.country"); !s.ok()) {
            return Wrap(p.name, e.name(), s);
          }
        }
      }
      if (!e.location().country().empty()) {
        if (auto s = ValidateCountry(e.location().country(), "location.country"); !s.ok()) {
          return Wrap(p.name, e.name(), s);
        }
      }
      if (auto s = CheckCitations(p.name, e.name(), e.citations(), reg); !s.ok()) return s;
    }
    for (const auto& o : b.observations()) {
      if (auto s = CheckName(p.name, o.name(), "observations"); !s.ok()) return s;
      if (auto s = reg.Add(p.name, "observation", o.name()); !s.ok()) return s;
      if (!reg.Has("indicator", o.indicator())) {
        return Fail(p.name, o.name(), absl::StrCat("unknown indicator \"", o.indicator(), "\""));
      }
      if (auto s = ValidateCountry(o.reporter(), "reporter"); !s.ok()) return Wrap(p.name, o.name(), s);
      if (!o.partner().empty()) {
        if (auto s = ValidateCountry(o.partner(), "partner"); !s.ok()) return Wrap(p.name, o.name(), s);
      }
      if (auto s = ValidatePartialDate(o.period(), "period"); !s.ok()) return Wrap(p.name, o.name(), s);
      if (auto s = ValidatePartialDate(o.as_of(), "as_of"); !s.ok()) return Wrap(p.name, o.name(), s);
      if (o.period().year() == 0 && o.as_of().year() == 0) {
        return Fail(p.name, o.name(), "needs a period or an as_of date");
      }
      if (!o.has_value()) return Fail(p.name, o.name(), "has no value");
      if (auto s = CheckCitations(p.name, o.name(), o.citations(), reg); !s.ok()) return s;
    }
    for (const auto& inst : b.institutions()) {
      if (inst.display_name().empty()) return Fail(p.name, inst.name(), "has no display_name");
      if (!KindKnown(reg, "institution kind", inst.kind())) {
        return Fail(p.name, inst.name(), absl::StrCat("unknown institution kind \"", inst.kind(), "\""));
      }
      if (!inst.host_country().empty()) {
        if (auto s = ValidateCountry(inst.host_country(), "host_country"); !s.ok()) {
          return Wrap(p.name, inst.name(), s);
        }
      }
      if (auto s = ValidateCountries(inst.countries(), "countries"); !s.ok()) return Wrap(p.name, inst.name(), s);
      if (auto s = ValidatePartialDate(inst.founded(), "founded"); !s.ok()) return Wrap(p.name, inst.name(), s);
      if (auto s = ValidatePartialDate(inst.closed(), "closed"); !s.ok()) return Wrap(p.name, inst.name(), s);
      for (const auto& partner : inst.partners()) {
        if (!reg.Has("institution", partner)) {
          return Fail(p.name, inst.name(), absl::StrCat("unknown partner \"", partner, "\""));
        }
      }
      if (!inst.parent().empty() && !reg.Has("institution", inst.parent())) {
        return Fail(p.name, inst.name(), absl::StrCat("unknown parent \"", inst.parent(), "\""));
      }
      if (auto s = CheckCitations(p.name, inst.name(), inst.citations(), reg); !s.ok()) return s;
    }
    for (const auto& m : b.memberships()) {
      const std::string label = absl::StrCat("membership ", m.country(), " in ", m.organization());
      if (auto s = ValidateCountry(m.country(), "country"); !s.ok()) return Wrap(p.name, label, s);
      if (!reg.Has("institution", m.organization())) {
        return Fail(p.name, label, "unknown organization");
      }
      if (auto s = ValidatePartialDate(m.since(), "since"); !s.ok()) return Wrap(p.name, label, s);
      if (auto s = reg.Add(p.name, "membership", absl::StrCat(m.country(), "|", m.organization(), "|", m.role()));
          !s.ok()) {
        return s;
      }
      if (auto s = CheckCitations(p.name, label, m.citations(), reg); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace dyad
