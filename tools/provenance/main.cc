// dyad-provenance: checks every citation of the curated data against the seed
// documents and prints the coverage report (records citing each source).
//
//   dyad-provenance --plugins=build/plugins --seeds=../shared/seeds
//
// Exits 0 when every citation passes, 1 when one fails, 2 on bad usage.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "provenance.h"

ABSL_FLAG(std::string, plugins, "", "Plugin directory");
ABSL_FLAG(std::string, seeds, "../shared/seeds", "Directory of the seed documents");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  dyad::PluginHostOptions o;
  o.dir = absl::GetFlag(FLAGS_plugins);
  auto plugins = dyad::PluginSet::Load(o);
  if (!plugins.ok()) {
    std::fprintf(stderr, "%s\n", std::string(plugins.status().message()).c_str());
    return 2;
  }
  auto report = dyad::provenance::Check(**plugins, absl::GetFlag(FLAGS_seeds));
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", std::string(report.status().message()).c_str());
    return 2;
  }
  std::fputs(report->ToString().c_str(), stdout);
  return report->failures.empty() ? 0 : 1;
}
