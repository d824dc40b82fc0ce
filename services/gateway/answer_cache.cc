#include "answer_cache.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dyad::gateway {

std::string AnswerCache::Key(absl::string_view method, const google::protobuf::Message& request) {
  // Method names hold no NUL byte, so the key is unambiguous.
  return absl::StrCat(method, absl::string_view("\0", 1), request.SerializeAsString());
}

std::shared_ptr<const std::string> AnswerCache::Lookup(const std::string& key, absl::Time now) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.bytes;
}

void AnswerCache::Remember(const std::string& key, const google::protobuf::Message& answer,
                           const google::protobuf::RepeatedPtrField<dyad::gateway::v1::Part>& parts,
                           absl::Time now) {
  if (!enabled()) return;
  if (!std::all_of(parts.begin(), parts.end(),
                   [](const dyad::gateway::v1::Part& p) { return p.code() == "OK"; })) {
    return;
  }
  auto bytes = std::make_shared<const std::string>(answer.SerializeAsString());
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= max_entries_ && entries_.find(key) == entries_.end()) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_[key] = Entry{now + ttl_, std::move(bytes)};
}

size_t AnswerCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace dyad::gateway
