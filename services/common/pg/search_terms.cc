#include "common/pg/search_terms.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dyad::pg {
namespace {

// Longest lexeme to_tsvector keeps (longer words are dropped with a notice).
constexpr size_t kMaxLexeme = 2047;

// Characters that yield no lexeme: unaccent maps them to ASCII punctuation
// (or leaves → alone) and the default parser skips them.
constexpr absl::string_view kSkipped[] = {"→", "–", "—", "…", "‘", "’", "“", "”", "«", "»"};

bool OnlySkipped(absl::string_view word) {
  while (!word.empty()) {
    bool matched = false;
    for (absl::string_view s : kSkipped) {
      if (word.substr(0, s.size()) == s) {
        word.remove_prefix(s.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

}  // namespace

SearchTerms SplitSearchTerms(absl::string_view text) {
  std::vector<std::string> lexemes;
  std::vector<absl::string_view> rest;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (c < 0x80 && !absl::ascii_isalnum(c)) {
      ++i;
      continue;
    }
    size_t j = i;
    bool ascii = true;
    while (j < text.size()) {
      const unsigned char d = text[j];
      if (d < 0x80 && !absl::ascii_isalnum(d)) break;
      if (d >= 0x80) ascii = false;
      ++j;
    }
    const absl::string_view word = text.substr(i, j - i);
    if (ascii) {
      if (word.size() <= kMaxLexeme) lexemes.push_back(absl::AsciiStrToLower(word));
    } else if (!OnlySkipped(word)) {
      rest.push_back(word);
    }
    i = j;
  }
  std::sort(lexemes.begin(), lexemes.end());
  lexemes.erase(std::unique(lexemes.begin(), lexemes.end()), lexemes.end());
  return SearchTerms{absl::StrJoin(lexemes, " "), absl::StrJoin(rest, " ")};
}

std::string SearchVectorSql(const std::string& lexemes, const std::string& rest) {
  return absl::StrCat("(array_to_tsvector(string_to_array(", lexemes, ", ' ')) || CASE WHEN ", rest,
                      " = '' THEN ''::tsvector ELSE to_tsvector('simple', unaccent(", rest,
                      ")) END)");
}

}  // namespace dyad::pg
