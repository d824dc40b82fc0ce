// Generated per plugin by dyad_add_plugin() (see DyadPlugin.cmake).
#pragma once

#include <cstddef>

namespace dyad::plugin::internal {

struct PluginInfo {
  const char* name;
  const char* version;
  const char* description;
  const char* services;  // comma-separated: events,economics,institutions
  const unsigned char* bundle;  // serialized dyad.plugin.v1.DataBundle
  size_t bundle_size;
};

const PluginInfo& Info();

}  // namespace dyad::plugin::internal
