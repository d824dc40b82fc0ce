// Domain checks for diplomatic events written through the API.
#include <set>

#include "absl/strings/match.h"
#include "plugin_sdk.h"

namespace {

using dyad::plugin::v1::HookRequest;
using dyad::plugin::v1::HookResponse;

void Violate(HookResponse& resp, const char* field, const char* why) {
  auto* v = resp.mutable_validate()->add_violations();
  v->set_field(field);
  v->set_description(why);
}

absl::StatusOr<HookResponse> Call(const HookRequest& req) {
  HookResponse resp;
  resp.mutable_validate();  // an empty ValidateResponse means "acceptable"
  if (!req.has_validate() || !req.validate().has_event()) return resp;
  const auto& e = req.validate().event();
  if (!absl::StartsWith(e.kind(), "diplomacy.")) return resp;
  const std::set<std::string> countries(e.countries().begin(), e.countries().end());
  // Diplomacy here is between states: a recognition, the establishment of
  // relations or an embassy involves exactly two of them; any other
  // diplomatic event at least two.
  const bool pairwise = e.kind() == "diplomacy.recognition" ||
                        e.kind() == "diplomacy.relations.established" ||
                        e.kind() == "diplomacy.embassy.opened";
  if (pairwise && countries.size() != 2) {
    Violate(resp, "event.countries", "this kind of event involves exactly two distinct countries");
  } else if (countries.size() < 2) {
    Violate(resp, "event.countries", "a diplomatic event involves at least two distinct countries");
  }
  if (absl::StartsWith(e.kind(), "diplomacy.visit") && e.participants().empty()) {
    Violate(resp, "event.participants", "a visit names at least the visitor");
  }
  return resp;
}

}  // namespace

const dyad::plugin::Hooks& DyadPluginHooks() {
  static const dyad::plugin::Hooks hooks{{dyad::plugin::v1::HOOK_VALIDATE}, &Call};
  return hooks;
}
