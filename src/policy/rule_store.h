// RuleStore: the organisation's mail flow rules, persisted as JSON in the
// store's settings, with a compiled RuleSet for the mail path that is rebuilt
// whenever the rules change. (A separate library from the pure policy code:
// this part does I/O.)
//
// A change is made to the rules as stored and written only if they are
// still those (store::UpdateSetting), so that rules made or changed at
// once, on one node or several, all hold, each with an id of its own.
//
// Thread-safety: thread-safe; changes are serialised by a mutex and the
// compiled set is swapped atomically under it.
#ifndef SEALPOST_POLICY_RULE_STORE_H_
#define SEALPOST_POLICY_RULE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "policy/evaluate.h"
#include "policy/rule.h"
#include "store/store.h"

namespace sealpost::policy {

class RuleStore {
 public:
  explicit RuleStore(store::Store& store) : store_(store) {}

  // By priority (0 first).
  Result<std::vector<Rule>> List();
  // Id or name (case-insensitive).
  Result<Rule> Get(std::string_view id_or_name);
  // Assigns the id; a priority past the end puts the rule last, otherwise
  // later rules move down one. Validated against `known_templates`.
  Result<Rule> Create(Rule rule,
                      const std::vector<std::string>& known_templates);
  // Replaces the rule with this id or name by what `edit` makes of it as
  // stored (it keeps its id; priority changes reorder). `edit` may run
  // more than once (store::UpdateSetting); an error stops the change.
  Result<Rule> Update(
      std::string_view id_or_name,
      const std::function<Result<Rule>(const Rule& current)>& edit,
      const std::vector<std::string>& known_templates);
  Status Remove(std::string_view id_or_name);
  // The compiled rules for evaluation; cached until the next change.
  Result<std::shared_ptr<const RuleSet>> Compiled();
  // Forgets the compiled rules (another node changed them): the next
  // Compiled() reads the store again.
  void Invalidate() SP_EXCLUDES(mu_);

 private:
  Result<std::vector<Rule>> Load() SP_REQUIRES(mu_);
  static Result<std::vector<Rule>> Parse(
      const std::optional<std::string>& text);
  // Changes the stored rules with `edit` (store::UpdateSetting), and keeps
  // them compiled.
  Status Edit(const std::function<Status(std::vector<Rule>&)>& edit)
      SP_REQUIRES(mu_);
  // Puts `rule` at its priority among `rules` and checks them all; the
  // rule as it will be saved (its priority renumbered).
  static Result<Rule> PlaceAndCheck(std::vector<Rule>& rules, Rule rule,
                                    const std::vector<std::string>& templates);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  Mutex mu_;
  std::shared_ptr<const RuleSet> compiled_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_RULE_STORE_H_
