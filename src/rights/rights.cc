#include "rights/rights.h"

#include "base/strings.h"

namespace sealpost::rights {
namespace {

constexpr std::array<std::string_view, kRightCount> kNames = {
    "VIEW",           "DOCEDIT",        "EDIT",     "COMMENT", "EXPORT",
    "FORWARD",        "REPLY",          "REPLYALL", "PRINT",   "EXTRACT",
    "VIEWRIGHTSDATA", "EDITRIGHTSDATA", "OBJMODEL", "OWNER"};

}  // namespace

std::string_view RightName(Right right) {
  return kNames[static_cast<uint8_t>(right)];
}

Result<Right> ParseRight(std::string_view name) {
  for (Right r : kAllRights) {
    if (EqualsIgnoringAsciiCase(name, RightName(r))) return r;
  }
  return InvalidArgumentError("unknown right \"" + std::string(name) + "\"");
}

int Rights::Count() const {
  int n = 0;
  for (Right r : kAllRights) n += Has(r) ? 1 : 0;
  return n;
}

std::vector<Right> Rights::List() const {
  std::vector<Right> out;
  for (Right r : kAllRights) {
    if (Has(r)) out.push_back(r);
  }
  return out;
}

std::string FormatRights(Rights rights) {
  std::string out;
  for (Right r : rights.List()) {
    if (!out.empty()) out += ',';
    out += RightName(r);
  }
  return out;
}

Result<Rights> ParseRights(std::string_view text) {
  Rights out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ',' || text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    size_t end = text.find_first_of(", \t", i);
    if (end == std::string_view::npos) end = text.size();
    SP_ASSIGN_OR_RETURN(Right r, ParseRight(text.substr(i, end - i)));
    out |= Rights{r};
    i = end;
  }
  return out;
}

}  // namespace sealpost::rights
