#pragma once

#include "absl/strings/string_view.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dyad/plugin/v1/plugin.pb.h"
#include "dyad/type/v1/citation.pb.h"

struct DyadPlugin;

namespace dyad {

// One plugin, loaded and checked.
struct LoadedPlugin {
  std::string name;
  std::string version;
  std::string path;
  std::string sha256;  // of the file as loaded (hex)
  dyad::plugin::v1::Manifest manifest;
  dyad::plugin::v1::DataBundle bundle;
  const DyadPlugin* api = nullptr;

  bool Contributes(absl::string_view service) const;
  bool Implements(dyad::plugin::v1::Hook hook) const;
};

struct PluginHostOptions {
  // Directory holding the plugins (*.so); every one is loaded, in name
  // order. Empty: no directory.
  std::string dir;
  // Explicit plugin files, loaded after the directory's (used by tests).
  std::vector<std::string> paths;
  // Optional allowlist in sha256sum format ("<hex>  <file name>" per line,
  // '#' comments). When set, exactly the listed files are loaded, each must
  // exist and match its hash, and any other plugin file is refused.
  std::string allowlist_file;
};

// The plugins of one process. Loading is all or nothing: every failure
// (missing file, missing symbol, wrong ABI, other schema, undecodable
// bundle, duplicate id across plugins, record without citation, hash
// mismatch...) returns FAILED_PRECONDITION with one line
// "plugin <name>: <reason>". Plugins are never unloaded (RTLD_NODELETE).
class PluginSet {
 public:
  static absl::StatusOr<std::unique_ptr<PluginSet>> Load(const PluginHostOptions& options);
  // For tests and tools: a set from bundles already in memory (no files).
  static absl::StatusOr<std::unique_ptr<PluginSet>> FromLoaded(std::vector<LoadedPlugin> plugins);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const LoadedPlugin* Find(absl::string_view name) const;
  // The merged source catalog, ordered by id.
  const std::vector<dyad::type::v1::Source>& sources() const { return sources_; }
  // "diplomacy@1.0.0,economy@1.0.0" (or "none").
  std::string Summary() const;

  // Runs a hook of a plugin that implements it.
  absl::StatusOr<dyad::plugin::v1::HookResponse> CallHook(
      const LoadedPlugin& plugin, const dyad::plugin::v1::HookRequest& request) const;

 private:
  explicit PluginSet(std::vector<LoadedPlugin> plugins);
  std::vector<LoadedPlugin> plugins_;
  std::vector<dyad::type::v1::Source> sources_;
};

// Checks a set of bundles together: names and ids well formed and unique
// across plugins, every curated record cited with a known source, dates and
// country codes valid, kinds/indicators/organizations referenced exist, and
// each plugin's records belong to a service its manifest names.
absl::Status ValidatePlugins(const std::vector<LoadedPlugin>& plugins);

// SHA-256 of a file's bytes as lower-case hex.
absl::StatusOr<std::string> Sha256File(const std::string& path);

}  // namespace dyad
