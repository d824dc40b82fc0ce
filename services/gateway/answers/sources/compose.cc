// ListSources: every backend serves the catalog its plugins cite; merged by
// id, so any one backend up is enough.
#include <map>

#include "compose.h"

namespace dyad::gateway {

std::vector<dyad::type::v1::Source> MergeSources(
    const std::vector<std::vector<dyad::type::v1::Source>>& catalogs) {
  std::map<std::string, dyad::type::v1::Source> by_id;
  for (const auto& catalog : catalogs) {
    for (const auto& s : catalog) by_id.emplace(s.id(), s);
  }
  std::vector<dyad::type::v1::Source> out;
  out.reserve(by_id.size());
  for (auto& [id, s] : by_id) out.push_back(std::move(s));
  return out;
}

}  // namespace dyad::gateway
