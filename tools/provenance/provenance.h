#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/plugin_host.h"

namespace dyad::provenance {

// Splits a seed document into paragraphs, numbered from 1 by position, with
// the rule of tools/paragraphs.py: when the median non-blank line is over 200
// characters the document writes one paragraph per line; otherwise a
// paragraph is a maximal run of non-blank lines (joined with spaces).
std::vector<std::string> SplitParagraphs(const std::string& text);

// One citation that failed the check.
struct Failure {
  std::string plugin;
  std::string record;
  std::string source_id;
  std::string locator;
  std::string reason;
};

struct SourceCoverage {
  std::string document;
  int records = 0;    // records citing it at least once
  int citations = 0;  // citations of it
};

struct Report {
  int records = 0;
  int citations = 0;
  int by_context_note = 0;   // passed through a "context:" note
  int unanchored_records = 0;  // records with no year, figure or city to look for
  std::vector<Failure> failures;
  std::map<std::string, SourceCoverage> coverage;  // by source id
  // "plugin: kind" for every event or institution kind a curated plugin
  // declares that no record of any plugin uses (coded taxonomies such as
  // CAMEO, whose kinds imported events take, are not curated kinds).
  std::vector<std::string> unused_kinds;
  std::string ToString() const;
};

// Checks every citation of every curated record: the cited document exists,
// the locator "pN" names one of its paragraphs, and that paragraph holds one
// of the record's anchors (a year of its dates, its figure as written, or an
// institution's city) unless the citation's note starts with "context:".
// Also lists the kinds curated plugins declare but no record uses.
absl::StatusOr<Report> Check(const PluginSet& plugins, const std::string& seeds_dir);

}  // namespace dyad::provenance
