// TemplateStore: the four default templates (rights/template.h) plus the
// organisation's custom ones (at most 500), persisted in settings. Defaults
// cannot be edited or removed, only archived. Archived templates still open
// the content protected with them but are not offered for new protection.
// Also the JSON form of templates and concrete grants used by the store and
// the API.
//
// Thread-safety: thread-safe; writes are serialised by a mutex.
#ifndef SEALPOST_LICENSE_TEMPLATES_H_
#define SEALPOST_LICENSE_TEMPLATES_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "rights/evaluate.h"
#include "rights/template.h"
#include "store/store.h"

namespace sealpost::license {

class TemplateStore {
 public:
  explicit TemplateStore(store::Store& store) : store_(store) {}

  // Defaults first, then custom ones in creation order.
  Result<std::vector<rights::Template>> List();
  // By id or by name (case-insensitive).
  Result<rights::Template> Find(std::string_view id_or_name);
  // Creates a custom template; the id is derived from the name.
  Result<rights::Template> Create(rights::Template t);
  // Replaces a custom template (same id); defaults only accept `archived`.
  Status Update(const rights::Template& t);
  Status SetArchived(std::string_view id_or_name, bool archived);

 private:
  Result<std::vector<rights::Template>> Custom();
  Result<std::vector<std::string>> ArchivedDefaults();
  // A change loads, edits and saves its document under mu_, so no two
  // changes interleave; reads need no lock.
  Status SaveCustom(const std::vector<rights::Template>& custom)
      SP_REQUIRES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  Mutex mu_;
};

std::string TemplateToJson(const rights::Template& t);
Result<rights::Template> TemplateFromJson(std::string_view json);
std::string GrantsToJson(const rights::ConcreteGrants& g);
Result<rights::ConcreteGrants> GrantsFromJson(std::string_view json);

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_TEMPLATES_H_
