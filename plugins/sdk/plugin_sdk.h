// The C++ side of the plugin SDK, for plugin authors. A plugin with domain
// behaviour defines its hooks in one function:
//
//   #include "plugin_sdk.h"
//   const dyad::plugin::Hooks& DyadPluginHooks() {
//     static const dyad::plugin::Hooks hooks{
//         {dyad::plugin::v1::HOOK_VALIDATE}, &MyHook};
//     return hooks;
//   }
//
// and lists that file in dyad_add_plugin(... SOURCES hooks.cc). Everything
// else (entry point, manifest, embedded data) is generated.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "dyad/plugin/v1/plugin.pb.h"

namespace dyad::plugin {

using HookFn = absl::StatusOr<dyad::plugin::v1::HookResponse> (*)(
    const dyad::plugin::v1::HookRequest& request);

struct Hooks {
  std::vector<dyad::plugin::v1::Hook> hooks;  // the hooks implemented
  HookFn call = nullptr;                       // called for each of them
};

}  // namespace dyad::plugin

// Defined by the plugin's own code when dyad_add_plugin() is given SOURCES.
const dyad::plugin::Hooks& DyadPluginHooks();
