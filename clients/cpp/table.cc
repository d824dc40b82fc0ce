#include "table.h"

#include <algorithm>

namespace dyad::cli {
namespace {

std::string Cut(const std::string& s, size_t max) {
  if (DisplayWidth(s) <= max) return s;
  std::string out;
  size_t cps = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = s[i];
    if ((c & 0xC0) != 0x80) {
      if (cps == max - 1) break;
      ++cps;
    }
    out += s[i];
  }
  return out + "…";
}

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\t', ' ');
  return s;
}

}  // namespace

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Table::Render() const {
  if (rows_.empty()) return "(none)\n";  // a header over nothing reads like a glitch
  std::vector<std::vector<std::string>> cells;
  cells.push_back(header_);
  for (const auto& r : rows_) {
    std::vector<std::string> row;
    for (const auto& c : r) row.push_back(Cut(OneLine(c), max_width_));
    cells.push_back(std::move(row));
  }
  std::vector<size_t> widths(header_.size(), 0);
  for (const auto& r : cells) {
    for (size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(r[i]));
    }
  }
  std::string out;
  for (size_t ri = 0; ri < cells.size(); ++ri) {
    const auto& r = cells[ri];
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string c = i < r.size() ? r[i] : "";
      line += c;
      if (i + 1 < widths.size()) line += std::string(widths[i] - DisplayWidth(c) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (ri == 0) {
      std::string rule;
      for (size_t i = 0; i < widths.size(); ++i) {
        rule += std::string(widths[i], '-');
        if (i + 1 < widths.size()) rule += "  ";
      }
      out += rule + "\n";
    }
  }
  return out;
}

}  // namespace dyad::cli
