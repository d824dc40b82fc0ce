#include "provenance.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace dyad::provenance {
namespace {

using dyad::type::v1::Citation;

std::string CollapseSpaces(absl::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct Record {
  std::string plugin;
  std::string name;
  std::vector<std::string> anchors;
  const google::protobuf::RepeatedPtrField<Citation>* citations;
};

void AddYear(std::vector<std::string>& a, const dyad::type::v1::PartialDate& d) {
  if (d.year() > 0) a.push_back(absl::StrCat(d.year()));
}
void AddFigure(std::vector<std::string>& a, const dyad::type::v1::Quantity& q) {
  if (!q.as_written().empty()) a.push_back(CollapseSpaces(q.as_written()));
}

std::vector<Record> Records(const PluginSet& plugins) {
  std::vector<Record> out;
  for (const auto& p : plugins.plugins()) {
    for (const auto& e : p.bundle.events()) {
      Record r{p.name, e.name(), {}, &e.citations()};
      AddYear(r.anchors, e.date());
      AddYear(r.anchors, e.end_date());
      AddFigure(r.anchors, e.amount());
      out.push_back(std::move(r));
    }
    for (const auto& o : p.bundle.observations()) {
      Record r{p.name, o.name(), {}, &o.citations()};
      AddYear(r.anchors, o.period());
      AddYear(r.anchors, o.as_of());
      AddFigure(r.anchors, o.value());
      out.push_back(std::move(r));
    }
    for (const auto& i : p.bundle.institutions()) {
      Record r{p.name, i.name(), {}, &i.citations()};
      AddYear(r.anchors, i.founded());
      AddYear(r.anchors, i.closed());
      if (i.founded().year() == 0 && !i.city().empty()) r.anchors.push_back(i.city());
      out.push_back(std::move(r));
    }
    for (const auto& m : p.bundle.memberships()) {
      Record r{p.name, absl::StrCat("membership ", m.country(), " in ", m.organization()), {},
               &m.citations()};
      AddYear(r.anchors, m.since());
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitParagraphs(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  std::vector<size_t> lengths;
  for (const auto& l : lines) {
    auto t = absl::StripAsciiWhitespace(l);
    if (!t.empty()) lengths.push_back(t.size());
  }
  std::sort(lengths.begin(), lengths.end());
  const bool wrapped = lengths.empty() || lengths[lengths.size() / 2] <= 200;
  std::vector<std::string> out;
  std::vector<std::string> cur;
  for (const auto& l : lines) {
    std::string t(absl::StripAsciiWhitespace(l));
    if (t.empty()) {
      if (!cur.empty()) out.push_back(absl::StrJoin(cur, " "));
      cur.clear();
    } else if (wrapped) {
      cur.push_back(t);
    } else {
      out.push_back(t);
    }
  }
  if (!cur.empty()) out.push_back(absl::StrJoin(cur, " "));
  return out;
}

absl::StatusOr<Report> Check(const PluginSet& plugins, const std::string& seeds_dir) {
  std::map<std::string, std::vector<std::string>> paragraphs;  // by source id
  Report report;
  for (const auto& s : plugins.sources()) {
    if (s.document().empty()) continue;
    std::ifstream in(absl::StrCat(seeds_dir, "/", s.document()));
    if (!in) {
      return absl::NotFoundError(absl::StrCat("source ", s.id(), ": document ", s.document(),
                                              " not found in ", seeds_dir));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto ps = SplitParagraphs(ss.str());
    for (auto& p : ps) p = CollapseSpaces(p);
    paragraphs[s.id()] = std::move(ps);
    report.coverage[s.id()].document = s.document();
  }
  for (const Record& r : Records(plugins)) {
    ++report.records;
    if (r.anchors.empty()) ++report.unanchored_records;
    std::set<std::string> cited;
    for (const Citation& c : *r.citations) {
      ++report.citations;
      auto fail = [&](std::string why) {
        report.failures.push_back({r.plugin, r.name, c.source_id(), c.locator(), std::move(why)});
      };
      auto it = paragraphs.find(c.source_id());
      if (it == paragraphs.end()) {
        fail("source has no document to check against");
        continue;
      }
      auto& cov = report.coverage[c.source_id()];
      ++cov.citations;
      if (cited.insert(c.source_id()).second) ++cov.records;
      int n = 0;
      if (c.locator().size() < 2 || c.locator()[0] != 'p' ||
          !absl::SimpleAtoi(c.locator().substr(1), &n) || n < 1 ||
          n > static_cast<int>(it->second.size())) {
        fail(absl::StrCat("locator must be p1..p", it->second.size()));
        continue;
      }
      const std::string& para = it->second[n - 1];
      const bool anchored = std::any_of(r.anchors.begin(), r.anchors.end(), [&](const auto& a) {
        return absl::StrContains(para, a);
      });
      if (anchored || r.anchors.empty()) continue;
      if (absl::StartsWith(c.note(), "context:")) {
        ++report.by_context_note;
        continue;
      }
      fail(absl::StrCat("paragraph ", c.locator(), " holds none of ",
                        absl::StrJoin(r.anchors, ", "),
                        " (cite the paragraph that states it, or explain with a context: note)"));
    }
  }
  std::set<std::string> used;
  for (const auto& p : plugins.plugins()) {
    for (const auto& e : p.bundle.events()) used.insert(e.kind());
    for (const auto& i : p.bundle.institutions()) used.insert(i.kind());
  }
  for (const auto& p : plugins.plugins()) {
    for (const auto& k : p.bundle.event_kinds()) {
      if (k.taxonomy().empty() && !used.count(k.id())) {
        report.unused_kinds.push_back(absl::StrCat(p.name, ": ", k.id()));
      }
    }
    for (const auto& k : p.bundle.institution_kinds()) {
      if (!used.count(k.id())) report.unused_kinds.push_back(absl::StrCat(p.name, ": ", k.id()));
    }
  }
  return report;
}

std::string Report::ToString() const {
  std::string out = absl::StrFormat("%-12s %-28s %8s %10s\n", "source", "document", "records",
                                    "citations");
  for (const auto& [id, c] : coverage) {
    absl::StrAppend(&out, absl::StrFormat("%-12s %-28s %8d %10d\n", id, c.document, c.records,
                                          c.citations));
  }
  absl::StrAppend(&out, absl::StrFormat(
                            "%d records, %d citations: %d failed, %d passed through a context: "
                            "note, %d records have no year/figure/city to check\n",
                            records, citations, static_cast<int>(failures.size()), by_context_note,
                            unanchored_records));
  for (const auto& f : failures) {
    absl::StrAppend(&out, "FAIL plugin ", f.plugin, " ", f.record, " cites ", f.source_id, " ",
                    f.locator, ": ", f.reason, "\n");
  }
  for (const auto& k : unused_kinds) {
    absl::StrAppend(&out, "UNUSED kind ", k, " (use it in a record or remove it)\n");
  }
  return out;
}

}  // namespace dyad::provenance
