#include "event_changes.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/partial_date.h"
#include "event_rows.h"

namespace dyad::events {
namespace {

uint64_t Fnv1a(std::string_view bytes, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

void ChangeBuffer::Inserted(const std::string& name, const std::string& body) {
  auto [it, added] = entries_.try_emplace(name);
  if (added) it->second.order = entries_.size();  // absent before
  it->second.after = Fnv1a(body);
}

void ChangeBuffer::Deleted(const std::string& name, const std::string& body) {
  auto [it, added] = entries_.try_emplace(name);
  if (added) {
    it->second.order = entries_.size();
    it->second.before = body;
  }
  it->second.after.reset();
}

void ChangeBuffer::Clear() {
  entries_.clear();
  plugins_touched_ = false;
}

std::vector<ChangeBuffer::Change> ChangeBuffer::Net() const {
  std::vector<std::pair<size_t, Change>> out;
  for (const auto& [name, e] : entries_) {
    Change c;
    c.name = name;
    if (!e.before && !e.after) continue;  // created and deleted within
    if (!e.before) {
      c.kind = 1;  // CHANGE_KIND_CREATED
    } else if (!e.after) {
      c.kind = 3;  // CHANGE_KIND_DELETED
      c.previous = e.before;
    } else {
      if (Fnv1a(*e.before) == *e.after) continue;  // written back unchanged
      c.kind = 2;  // CHANGE_KIND_UPDATED
      c.previous = e.before;
    }
    out.emplace_back(e.order, std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<Change> changes;
  changes.reserve(out.size());
  for (auto& [order, c] : out) changes.push_back(std::move(c));
  return changes;
}

std::string PluginsFingerprint(std::vector<std::pair<std::string, std::string>> plugins) {
  std::sort(plugins.begin(), plugins.end());
  uint64_t h = Fnv1a("dyad.plugins.v1");
  for (const auto& [name, version] : plugins) {
    h = Fnv1a(name, h);
    h = Fnv1a(std::string_view("\0", 1), h);
    h = Fnv1a(version, h);
    h = Fnv1a(std::string_view("\n", 1), h);
  }
  return absl::StrFormat("%016x", h);
}

std::string ReleaseId(int64_t seq, const std::string& plugins_fingerprint) {
  return absl::StrCat(seq, "-", plugins_fingerprint.substr(0, 8));
}

dyad::type::v1::Release ReleaseProto(const ReleaseInfo& r) {
  dyad::type::v1::Release out;
  out.set_id(r.id);
  out.set_seq(r.seq);
  out.set_create_time_micros(r.create_time_micros);
  out.set_plugins_fingerprint(r.plugins_fingerprint);
  return out;
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

absl::Status CheckApiRecord(const dyad::events::v1::Event& stored) {
  if (!stored.plugin().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "event \"", stored.name(), "\" belongs to plugin ", stored.plugin(),
        "; only records written through the API can be changed"));
  }
  if (stored.origin() == dyad::type::v1::ORIGIN_MACHINE_CODED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "event \"", stored.name(), "\" was imported from a dataset; import the corrected row "
        "instead"));
  }
  return absl::OkStatus();
}

absl::Status PrunedError(const ReleaseInfo& r, int64_t floor) {
  return absl::FailedPreconditionError(absl::StrCat(
      "release \"", r.id, "\" can no longer be read: its history was pruned (changes up to ",
      floor, " are gone)"));
}

absl::Status PrunedSinceError(int64_t since, int64_t floor) {
  return absl::FailedPreconditionError(absl::StrCat(
      "since: changes up to ", floor, " were pruned; ", since,
      " is too old (start again from ListReleases' oldest release)"));
}

bool MatchesQuery(const dyad::events::v1::Event& e, const EventQuery& q) {
  if (!q.countries.empty()) {
    std::set<std::string> has(e.countries().begin(), e.countries().end());
    for (const auto& c : q.countries) {
      if (!has.count(c)) return false;
    }
  }
  const int64_t first = FirstDay(e.date());
  const int64_t last = e.end_date().year() > 0 ? LastDay(e.end_date()) : LastDay(e.date());
  if (q.period.last != kMaxDay && first > q.period.last) return false;
  if (q.period.first != kMinDay && last < q.period.first) return false;
  if (!q.kinds.empty() && std::find(q.kinds.begin(), q.kinds.end(), e.kind()) == q.kinds.end()) {
    return false;
  }
  if (!q.domains.empty() &&
      std::find(q.domains.begin(), q.domains.end(), e.domain()) == q.domains.end()) {
    return false;
  }
  if (q.origin != 0 && StoredOrigin(e) != q.origin) return false;
  return true;
}

}  // namespace dyad::events
