#include "args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace dyad::cli {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& value_options,
                                 const std::vector<std::string>& bool_options) {
  auto is = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    if (w == "--") {
      a.positional_.insert(a.positional_.end(), argv.begin() + i + 1, argv.end());
      break;
    }
    if (w.size() > 2 && w.rfind("--", 0) == 0) {
      std::string name = w.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      std::replace(name.begin(), name.end(), '_', '-');
      if (is(bool_options, name)) {
        if (value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
        a.bools_[name] = true;
      } else if (is(value_options, name)) {
        if (!value) {
          if (i + 1 >= argv.size()) {
            return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
          }
          value = argv[++i];
        }
        a.values_[name] = *value;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("unknown option --", name));
      }
    } else {
      a.positional_.push_back(w);
    }
  }
  return a;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

std::vector<std::string> Args::List(const std::string& name) const {
  std::vector<std::string> out;
  auto v = Get(name);
  if (!v) return out;
  for (absl::string_view p : absl::StrSplit(*v, ',', absl::SkipWhitespace())) {
    out.push_back(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(p)));
  }
  return out;
}

absl::StatusOr<int> Args::Int(const std::string& name, int fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(*v, &n)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": not a whole number: ", *v));
  }
  return n;
}

absl::StatusOr<dyad::type::v1::PartialDate> ParseDate(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  dyad::type::v1::PartialDate d;
  int n[3] = {0, 0, 0};
  if (parts.empty() || parts.size() > 3) {
    return absl::InvalidArgumentError(absl::StrCat("not a date (YYYY, YYYY-MM or YYYY-MM-DD): ", text));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtoi(parts[i], &n[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a date (YYYY, YYYY-MM or YYYY-MM-DD): ", text));
    }
  }
  d.set_year(n[0]);
  d.set_month(n[1]);
  d.set_day(n[2]);
  return d;  // the server validates ranges and says which part is wrong
}

absl::StatusOr<std::optional<dyad::type::v1::PartialDate>> Args::Date(const std::string& name) const {
  auto v = Get(name);
  if (!v) return std::optional<dyad::type::v1::PartialDate>();
  auto d = ParseDate(*v);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", d.status().message()));
  return std::optional<dyad::type::v1::PartialDate>(*d);
}

}  // namespace dyad::cli
