// libFuzzer target: the plugin data bundle decoder and the checks every
// bundle passes at load time (ValidatePlugins). Any bytes must end in a
// load or a one-line refusal, never a crash.
#include <cstddef>
#include <cstdint>

#include "common/plugin_host.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dyad::LoadedPlugin p;
  p.name = "fuzz";
  p.version = "1";
  p.manifest.set_name("fuzz");
  for (const char* s : {"events", "economics", "institutions"}) p.manifest.add_services(s);
  if (!p.bundle.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::vector<dyad::LoadedPlugin> v;
  v.push_back(std::move(p));
  (void)dyad::PluginSet::FromLoaded(std::move(v));
  return 0;
}
