// TemplateStore: the four default templates (rights/template.h) plus the
// organisation's custom ones (at most 500), persisted in settings. Defaults
// cannot be edited or removed, only archived. Archived templates still open
// the content protected with them but are not offered for new protection.
// Also the JSON form of templates and concrete grants used by the store and
// the API.
//
// Thread-safety: thread-safe; a change is made to its document as stored
// and written only if it is still that (store::UpdateSetting), so changes
// at once, on one node or several, all hold.
#ifndef SEALPOST_LICENSE_TEMPLATES_H_
#define SEALPOST_LICENSE_TEMPLATES_H_

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
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
  // Replaces the custom template `id` by what `edit` makes of it as
  // stored (it keeps its id; `edit` may run more than once); defaults
  // only accept `archived` (SetArchived).
  Status Update(
      std::string_view id,
      const std::function<Result<rights::Template>(const rights::Template&)>&
          edit);
  Status SetArchived(std::string_view id_or_name, bool archived);

 private:
  Result<std::vector<rights::Template>> Custom();
  Result<std::vector<std::string>> ArchivedDefaults();
  // Changes the custom templates with `edit` (store::UpdateSetting), all
  // of them checked before they are saved.
  Status EditCustom(
      const std::function<Status(std::vector<rights::Template>&)>& edit);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
};

std::string TemplateToJson(const rights::Template& t);
Result<rights::Template> TemplateFromJson(std::string_view json);
std::string GrantsToJson(const rights::ConcreteGrants& g);
Result<rights::ConcreteGrants> GrantsFromJson(std::string_view json);

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_TEMPLATES_H_
