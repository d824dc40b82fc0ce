#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dyad/type/v1/date.pb.h"

namespace dyad::cli {

// Command-line arguments of one (sub)command: --name=value or --name value
// options, bare --flags, and positional words. Every option must be declared
// by the command (unknown ones are usage errors), so typos never pass
// silently.
class Args {
 public:
  // `value_options`: options taking a value; `bool_options`: bare flags.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& argv,
                                    const std::vector<std::string>& value_options,
                                    const std::vector<std::string>& bool_options);

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  bool Has(const std::string& name) const { return bools_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

  // "AZE,CHN" → {"AZE","CHN"} (upper-cased, empty parts dropped).
  std::vector<std::string> List(const std::string& name) const;
  absl::StatusOr<int> Int(const std::string& name, int fallback) const;
  // "2015", "2015-04", "2015-04-24" → PartialDate; errors name the option.
  absl::StatusOr<std::optional<dyad::type::v1::PartialDate>> Date(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> bools_;
  std::vector<std::string> positional_;
};

absl::StatusOr<dyad::type::v1::PartialDate> ParseDate(const std::string& text);

}  // namespace dyad::cli
