// The lexemes of a PostgreSQL text-search column, mostly computed here
// rather than by the server. On an import, to_tsvector('simple',
// unaccent(text)) was most of what PostgreSQL spent on a row (measured in
// docs/storage.md); words the client can fold exactly as the server would
// travel as ready lexemes, and only the rest is left to the server:
//   - the text splits at every ASCII byte that is neither letter nor digit
//     (the callers' texts are already split that way, as SQLite's
//     unicode61 tokenizer splits them);
//   - a word of ASCII letters and digits only is one lexeme of the default
//     parser, and the simple dictionary lower-cases it (ASCII case folding
//     is the same in every locale PostgreSQL accepts, Turkish aside);
//   - a word made only of punctuation that unaccent maps to ASCII
//     punctuation or leaves alone and the parser skips (→ – — … ‘ ’ “ ” « »)
//     gives no lexeme;
//   - every other word (any other non-ASCII character) goes to the server.
// The column is then kSearchVectorSql of the two parts. A test compares it
// with to_tsvector on the server, word list for word list
// (tests/unit/event_store_conformance_test.cc, SearchTerms*).
#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace dyad::pg {

struct SearchTerms {
  std::string lexemes;  // distinct, space-separated, sorted
  std::string rest;     // the words for the server, space-separated
};

SearchTerms SplitSearchTerms(absl::string_view text);

// The tsvector of a SearchTerms bound as $L (lexemes) and $R (rest):
// format with the two parameter references, e.g. "$9::TEXT", "$22::TEXT".
std::string SearchVectorSql(const std::string& lexemes, const std::string& rest);

}  // namespace dyad::pg
