// libFuzzer target: arbitrary bytes as a mail flow rule in JSON. Parsing and
// validation must never crash, and any rule that parses must survive a
// JSON round trip unchanged; a rule that validates must also compile and
// evaluate against a fixed message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "policy/evaluate.h"
#include "policy/rule_json.h"
#include "policy/validate.h"

namespace {

namespace policy = sealpost::policy;

const std::vector<std::string>& KnownTemplates() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "Encrypt", "Do Not Forward", "Confidential", "Confidential View Only"};
  return *names;
}

const policy::MessageFacts& Facts() {
  static const policy::MessageFacts* facts = [] {
    auto* m = new policy::MessageFacts;
    m->sender = "alice@corp.example";
    m->sender_internal = true;
    m->recipients = {{"bob@corp.example", true}, {"carol@ext.example", false}};
    m->subject = "[encrypt] Quarterly report";
    m->body_text = "Hello,\nIBAN DE00 1234\n";
    m->headers = {{"X-Classification", "Secret"}};
    m->attachments = {{"report.docx", 1000}};
    m->has_attachment = true;
    m->size = 5000;
    return m;
  }();
  return *facts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto rule = policy::RuleFromJson(input);
  if (!rule.ok()) return 0;
  auto again = policy::RuleFromJson(policy::RuleToJson(*rule));
  if (!again.ok() || !(*again == *rule)) std::abort();
  if (!policy::ValidateRule(*rule, KnownTemplates()).ok()) return 0;
  auto set = policy::RuleSet::Compile({*rule});
  if (!set.ok()) std::abort();  // validated rules must compile
  (void)policy::GroupByTreatment(set->Evaluate(Facts()));
  return 0;
}
