// The change log and releases, the part both EventStore engines share
// (docs/releases.md): what a write transaction changed, coalesced per record
// (a plugin reload deletes and re-inserts its records; only those whose
// bytes differ are changes), the fingerprint of the loaded plugin versions
// and the release id made of it, and the filters of ListEvents applied to a
// record in C++ (reads as_of an earlier release).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "dyad/type/v1/release.pb.h"
#include "event_store.h"

namespace dyad::events {

// What one write transaction did to records, in first-touch order.
class ChangeBuffer {
 public:
  // `name` was inserted with these bytes.
  void Inserted(const std::string& name, const std::string& body);
  // `name`, holding these bytes, was deleted (or is about to be rewritten).
  void Deleted(const std::string& name, const std::string& body);
  // The plugin state table was written: the release may change even when
  // no record did.
  void TouchPlugins() { plugins_touched_ = true; }
  bool plugins_touched() const { return plugins_touched_; }
  void Clear();

  struct Change {
    std::string name;
    int kind = 0;                          // dyad.type.v1.ChangeKind
    std::optional<std::string> previous;   // none for a creation
  };
  // The net changes, in first-touch order.
  std::vector<Change> Net() const;

 private:
  struct Entry {
    size_t order = 0;
    std::optional<std::string> before;  // bytes before the transaction
    std::optional<uint64_t> after;      // hash of the bytes now; none: absent
  };
  std::map<std::string, Entry> entries_;
  bool plugins_touched_ = false;
};

// 16 hex digits over (plugin, version) pairs, in any order.
std::string PluginsFingerprint(std::vector<std::pair<std::string, std::string>> plugins);
// "<seq>-<first 8 digits of the fingerprint>".
std::string ReleaseId(int64_t seq, const std::string& plugins_fingerprint);
int64_t NowMicros();

// Only records written through the API may be updated or deleted:
// FAILED_PRECONDITION for a plugin's or an imported one.
absl::Status CheckApiRecord(const dyad::events::v1::Event& stored);
// FAILED_PRECONDITION naming a release older than the kept history.
absl::Status PrunedError(const ReleaseInfo& r, int64_t floor);
absl::Status PrunedSinceError(int64_t since, int64_t floor);

// Whether `e` matches the filters of `q` as ListEvents applies them (all
// countries take part, the period overlaps, kind, domain, origin). The text
// query is not applied here (callers refuse it).
dyad::type::v1::Release ReleaseProto(const ReleaseInfo& r);

bool MatchesQuery(const dyad::events::v1::Event& e, const EventQuery& q);

}  // namespace dyad::events
