// RuleStore: the organisation's mail flow rules, persisted as JSON in the
// store's settings, with a compiled RuleSet for the mail path that is rebuilt
// whenever the rules change. (A separate library from the pure policy code:
// this part does I/O.)
//
// Thread-safety: thread-safe; changes are serialised by a mutex and the
// compiled set is swapped atomically under it.
#ifndef SEALPOST_POLICY_RULE_STORE_H_
#define SEALPOST_POLICY_RULE_STORE_H_

#include <memory>
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
  // Replaces the rule with the same id (priority changes reorder).
  Result<Rule> Update(Rule rule,
                      const std::vector<std::string>& known_templates);
  Status Remove(std::string_view id_or_name);
  // The compiled rules for evaluation; cached until the next change.
  Result<std::shared_ptr<const RuleSet>> Compiled();

 private:
  // The rules setting is read, changed and written back under mu_, so no
  // two changes interleave.
  Result<std::vector<Rule>> Load() SP_REQUIRES(mu_);
  Status Save(std::vector<Rule> rules) SP_REQUIRES(mu_);
  // Puts `rule` at its priority among `rules`, checks and saves them all,
  // and returns the rule as saved (its priority renumbered).
  Result<Rule> PlaceAndSave(std::vector<Rule> rules, Rule rule,
                            const std::vector<std::string>& templates)
      SP_REQUIRES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  Mutex mu_;
  std::shared_ptr<const RuleSet> compiled_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_RULE_STORE_H_
