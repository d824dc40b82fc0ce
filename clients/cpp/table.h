#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

// A plain-text table: columns sized to their widest cell (by UTF-8 code
// points), cells longer than `max_width` cut with "…".
class Table {
 public:
  explicit Table(std::vector<std::string> header, size_t max_width = 60)
      : header_(std::move(header)), max_width_(max_width) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_width_;
};

// Number of UTF-8 code points.
size_t DisplayWidth(const std::string& s);

}  // namespace dyad::cli
