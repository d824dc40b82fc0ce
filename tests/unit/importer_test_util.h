// Shared helpers for the importer tests.
#pragma once

#include <string>
#include <vector>

#include "import.h"

namespace dyad::importers::testing {

inline std::string Fixture(const std::string& name) {
  return std::string(DYAD_IMPORTER_FIXTURES) + "/" + name;
}
inline std::string RealData(const std::string& name) {
  return std::string(DYAD_REAL_DATA_DIR) + "/" + name;
}

class CollectingSink : public RecordSink {
 public:
  absl::Status Add(Event e) override {
    events.push_back(std::move(e));
    return absl::OkStatus();
  }
  absl::Status Add(Observation o) override {
    observations.push_back(std::move(o));
    return absl::OkStatus();
  }
  std::vector<Event> events;
  std::vector<Observation> observations;
};

}  // namespace dyad::importers::testing
