// Search: one scoring rule for the hits of all three backends, so they
// interleave by relevance rather than by backend.
#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/partial_date.h"
#include "compose.h"

namespace dyad::gateway {
namespace {

// Lowercased words of `text`: runs of letters, digits and any non-ASCII
// byte (so "Azərbaycan" stays one word).
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string w;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c >= 0x80) {
      w.push_back(static_cast<char>(absl::ascii_tolower(c)));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  return words;
}

// The share of `words` that start a word of `text`.
double Coverage(const std::vector<std::string>& words, const std::string& text) {
  if (words.empty()) return 0;
  const std::vector<std::string> in = Words(text);
  int found = 0;
  for (const auto& w : words) {
    for (const auto& t : in) {
      if (absl::StartsWith(t, w)) {
        ++found;
        break;
      }
    }
  }
  return static_cast<double>(found) / static_cast<double>(words.size());
}

}  // namespace

std::vector<std::string> SearchWords(const std::string& query) { return Words(query); }

bool MatchesAllWords(const std::vector<std::string>& words, const std::string& text) {
  return !words.empty() && Coverage(words, text) == 1.0;
}

std::vector<dyad::gateway::v1::SearchHit> RankSearchHits(const std::vector<std::string>& words,
                                                         std::vector<SearchCandidate> candidates,
                                                         size_t limit) {
  for (auto& c : candidates) {
    const double title = Coverage(words, c.hit.title());
    const double text = Coverage(words, c.text);
    double score = 2 * title + text + (title == 1.0 ? 1.0 : 0.0) + 0.5 / (1 + c.rank);
    c.hit.set_score(std::round(score * 1000) / 1000);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const SearchCandidate& a, const SearchCandidate& b) {
                     // Curated first whatever the scores: imported rows
                     // (many, with generated titles) never bury a sourced
                     // record.
                     auto coded = [](const SearchCandidate& c) {
                       return c.hit.origin() == dyad::type::v1::ORIGIN_MACHINE_CODED;
                     };
                     if (coded(a) != coded(b)) return coded(b);
                     if (a.hit.score() != b.hit.score()) return a.hit.score() > b.hit.score();
                     // Newer first among equals, then by name.
                     auto when = [](const dyad::gateway::v1::SearchHit& h) {
                       return h.date().year() > 0 ? SortKey(h.date()) : INT64_MIN;
                     };
                     const int64_t da = when(a.hit), db = when(b.hit);
                     if (da != db) return da > db;
                     return a.hit.name() < b.hit.name();
                   });
  std::vector<dyad::gateway::v1::SearchHit> out;
  for (auto& c : candidates) {
    if (out.size() >= limit) break;
    out.push_back(std::move(c.hit));
  }
  return out;
}

}  // namespace dyad::gateway
