// GDELT-shaped events for the benchmarks: the records an importer makes of
// GDELT 2.0 export rows (kind empty, coded measures, one citation naming
// the dataset row and the article URL), and a plugin set whose CAMEO
// kinds cover their codes. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/plugin_host.h"
#include "dyad/events/v1/event_service.pb.h"

namespace dyad::bench {

inline constexpr char kGdeltDataset[] = "gdelt-2-0";

// One plugin, "bench_cameo": the source kGdeltDataset and a CAMEO-taxonomy
// kind for each code the generator uses (20 roots, ten sub-codes each).
std::unique_ptr<PluginSet> GdeltPlugins();

// Events as GDELT's daily files bring them: 40 countries, a tenth of the
// rows the AZE-GEO dyad (a busy dyad to read back), dates counting back
// from 2024-12-31, one file per `rows_per_day` rows: 90% of a file's rows
// dated that day, 8% in the 30 days before, 2% up to ten years before.
// rows_per_day 0: every date uniform over 2015..2024.
class GdeltGenerator {
 public:
  GdeltGenerator(int seed, int rows_per_day);
  // Appends the next `n` events to `m`.
  void Fill(int n, dyad::events::v1::ImportEventsRequest* m);
  int64_t rows() const { return next_; }

 private:
  std::mt19937_64 rng_;
  int rows_per_day_;
  int64_t next_ = 0;
  std::vector<std::string> codes_;
};

}  // namespace dyad::bench
