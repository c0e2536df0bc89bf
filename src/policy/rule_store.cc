#include "policy/rule_store.h"

#include "base/strings.h"

#include <algorithm>
#include <boost/json.hpp>

#include "policy/rule_json.h"
#include "policy/validate.h"
#include "store/update_setting.h"

namespace sealpost::policy {
namespace {

namespace json = boost::json;

constexpr std::string_view kSettingsKey = "rules";

// Renumbers priorities 0..n-1 in order.
void Renumber(std::vector<Rule>& rules) {
  std::stable_sort(
      rules.begin(), rules.end(),
      [](const Rule& a, const Rule& b) { return a.priority < b.priority; });
  for (size_t i = 0; i < rules.size(); ++i) {
    rules[i].priority = static_cast<int32_t>(i);
  }
}

// Puts `rule` at its priority, moving the others down.
void Place(std::vector<Rule>& rules, Rule rule) {
  Renumber(rules);
  size_t at =
      std::min(static_cast<size_t>(std::max(rule.priority, 0)), rules.size());
  rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(at),
               std::move(rule));
  for (size_t i = 0; i < rules.size(); ++i) {
    rules[i].priority = static_cast<int32_t>(i);
  }
}

}  // namespace

Result<std::vector<Rule>> RuleStore::Load() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kSettingsKey));
  return Parse(text);
}

Result<std::vector<Rule>> RuleStore::Parse(
    const std::optional<std::string>& text) {
  std::vector<Rule> out;
  if (!text.has_value()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_array()) return DataLossError("stored rules are corrupt");
  for (const auto& r : v.as_array()) {
    SP_ASSIGN_OR_RETURN(Rule rule, RuleFromJsonValue(r));
    out.push_back(std::move(rule));
  }
  Renumber(out);
  return out;
}

Status RuleStore::Edit(const std::function<Status(std::vector<Rule>&)>& edit) {
  std::shared_ptr<const RuleSet> compiled;
  SP_RETURN_IF_ERROR(store::UpdateSetting(
      store_, kSettingsKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        SP_ASSIGN_OR_RETURN(std::vector<Rule> rules, Parse(text));
        SP_RETURN_IF_ERROR(edit(rules));
        Renumber(rules);
        SP_ASSIGN_OR_RETURN(RuleSet set, RuleSet::Compile(rules));
        compiled = std::make_shared<const RuleSet>(std::move(set));
        json::array a;
        for (const auto& r : rules) a.push_back(RuleToJsonValue(r));
        return json::serialize(a);
      }));
  compiled_ = std::move(compiled);
  return Status::Ok();
}

Result<std::vector<Rule>> RuleStore::List() {
  MutexLock lock(&mu_);
  return Load();
}

Result<Rule> RuleStore::Get(std::string_view id_or_name) {
  MutexLock lock(&mu_);
  SP_ASSIGN_OR_RETURN(auto rules, Load());
  for (const auto& r : rules) {
    if (r.id == id_or_name || AsciiLower(r.name) == AsciiLower(id_or_name))
      return r;
  }
  return NotFoundError("no rule '" + std::string(id_or_name) +
                       "' (see `sealpost rule list`)");
}

Result<Rule> RuleStore::PlaceAndCheck(
    std::vector<Rule>& rules, Rule rule,
    const std::vector<std::string>& templates) {
  Place(rules, rule);
  SP_RETURN_IF_ERROR(ValidateRules(rules, templates));
  for (const auto& r : rules) {
    if (r.id == rule.id) rule = r;
  }
  return rule;
}

Result<Rule> RuleStore::Create(Rule rule,
                               const std::vector<std::string>& templates) {
  MutexLock lock(&mu_);
  Rule made;
  SP_RETURN_IF_ERROR(Edit([&](std::vector<Rule>& rules) -> Status {
    // Numbered past the highest id on file now (an id another node has
    // just given is on file when this runs again).
    int next = 1;
    for (const auto& r : rules) {
      if (r.id.starts_with("r") && r.id.size() > 1) {
        next = std::max(next, std::atoi(r.id.c_str() + 1) + 1);
      }
    }
    Rule placed = rule;
    placed.id = "r" + std::to_string(next);
    SP_ASSIGN_OR_RETURN(made,
                        PlaceAndCheck(rules, std::move(placed), templates));
    return Status::Ok();
  }));
  return made;
}

Result<Rule> RuleStore::Update(
    std::string_view id_or_name,
    const std::function<Result<Rule>(const Rule& current)>& edit,
    const std::vector<std::string>& templates) {
  MutexLock lock(&mu_);
  Rule updated;
  SP_RETURN_IF_ERROR(Edit([&](std::vector<Rule>& rules) -> Status {
    auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) {
      return r.id == id_or_name || AsciiLower(r.name) == AsciiLower(id_or_name);
    });
    if (it == rules.end()) {
      return NotFoundError("no rule '" + std::string(id_or_name) + "'");
    }
    SP_ASSIGN_OR_RETURN(Rule rule, edit(*it));
    rule.id = it->id;
    rules.erase(it);
    SP_ASSIGN_OR_RETURN(updated,
                        PlaceAndCheck(rules, std::move(rule), templates));
    return Status::Ok();
  }));
  return updated;
}

Status RuleStore::Remove(std::string_view id_or_name) {
  MutexLock lock(&mu_);
  return Edit([&](std::vector<Rule>& rules) -> Status {
    auto before = rules.size();
    std::erase_if(rules, [&](const Rule& r) {
      return r.id == id_or_name || AsciiLower(r.name) == AsciiLower(id_or_name);
    });
    if (rules.size() == before) {
      return NotFoundError("no rule '" + std::string(id_or_name) + "'");
    }
    return Status::Ok();
  });
}

Result<std::shared_ptr<const RuleSet>> RuleStore::Compiled() {
  MutexLock lock(&mu_);
  if (compiled_ == nullptr) {
    SP_ASSIGN_OR_RETURN(auto rules, Load());
    SP_ASSIGN_OR_RETURN(RuleSet set, RuleSet::Compile(std::move(rules)));
    compiled_ = std::make_shared<const RuleSet>(std::move(set));
  }
  return compiled_;
}

void RuleStore::Invalidate() {
  MutexLock lock(&mu_);
  compiled_ = nullptr;
}

}  // namespace sealpost::policy
