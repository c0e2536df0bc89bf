#include "policy/sender_choice.h"

#include <cctype>

#include "base/strings.h"
#include "policy/text_match.h"

namespace sealpost::policy {
namespace {

bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) != 0 || c == '_';
}

// A template name as it may appear in an SMTP reply: printable ASCII,
// at most 64 characters.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return out;
}

// Position of the first whole-keyword occurrence of `keyword` in `lower`
// (already lower-cased), or npos.
size_t FindKeyword(std::string_view lower, std::string_view keyword) {
  if (keyword.empty()) return std::string_view::npos;
  size_t pos = lower.find(keyword);
  while (pos != std::string_view::npos) {
    const size_t end = pos + keyword.size();
    const bool left_ok =
        !IsWordByte(keyword.front()) || pos == 0 || !IsWordByte(lower[pos - 1]);
    const bool right_ok = !IsWordByte(keyword.back()) || end == lower.size() ||
                          !IsWordByte(lower[end]);
    if (left_ok && right_ok) return pos;
    pos = lower.find(keyword, pos + 1);
  }
  return pos;
}

const std::string* FindTemplate(const std::vector<std::string>& known,
                                std::string_view name) {
  for (const std::string& t : known) {
    if (EqualsIgnoringAsciiCase(t, name)) return &t;
  }
  return nullptr;
}

}  // namespace

std::vector<SubjectKeyword> SenderChoiceConfig::DefaultKeywords() {
  return {{"[encrypt]", "Encrypt"},
          {"[secure]", "Encrypt"},
          {"[do not forward]", "Do Not Forward"}};
}

SenderChoice ParseSenderChoice(
    const MessageFacts& facts, const SenderChoiceConfig& config,
    const std::vector<std::string>& known_templates) {
  SenderChoice choice;
  choice.subject = facts.subject;

  const Header* header = nullptr;
  for (const Header& h : facts.headers) {
    if (EqualsIgnoringAsciiCase(TrimWhitespace(h.name), kTemplateHeader)) {
      header = &h;
      break;
    }
  }

  std::string requested;
  size_t keyword_pos = std::string::npos;
  size_t keyword_len = 0;
  if (header != nullptr) {
    requested = std::string(TrimWhitespace(header->value));
    choice.source = "header";
  } else {
    const std::string lower = AsciiLower(facts.subject);
    for (const SubjectKeyword& k : config.keywords) {
      const std::string keyword = AsciiLower(TrimWhitespace(k.keyword));
      const size_t pos = FindKeyword(lower, keyword);
      if (pos < keyword_pos) {
        keyword_pos = pos;
        keyword_len = keyword.size();
        requested = k.template_name;
      }
    }
    if (keyword_pos == std::string::npos) return choice;  // kNone
    choice.source = "subject keyword";
  }

  if (!facts.sender_internal || !facts.sender_licensed) {
    choice.outcome = SenderChoice::Outcome::kNotHonored;
    choice.error = !facts.sender_internal
                       ? "sender is outside the organization"
                       : "sender is not licensed to protect mail";
    return choice;
  }

  const std::string* known = FindTemplate(known_templates, requested);
  if (known == nullptr) {
    choice.outcome = SenderChoice::Outcome::kUnknownTemplate;
    choice.template_name = requested;
    choice.error = "unknown protection template \"" + Printable(requested) +
                   "\" requested by " +
                   (header != nullptr ? std::string(kTemplateHeader)
                                      : std::string("a subject keyword"));
    return choice;
  }

  choice.outcome = SenderChoice::Outcome::kProtect;
  choice.template_name = *known;
  if (keyword_pos != std::string::npos) {
    std::string& s = choice.subject;
    s.erase(keyword_pos, keyword_len);
    if (keyword_pos < s.size() && s[keyword_pos] == ' ') {
      s.erase(keyword_pos, 1);
    } else if (keyword_pos > 0 && s[keyword_pos - 1] == ' ') {
      s.erase(keyword_pos - 1, 1);
    }
  }
  return choice;
}

Plan ApplySenderChoice(Plan plan, const SenderChoice& choice) {
  switch (choice.outcome) {
    case SenderChoice::Outcome::kNone:
    case SenderChoice::Outcome::kNotHonored:
      return plan;
    case SenderChoice::Outcome::kUnknownTemplate:
      for (RecipientPlan& r : plan.recipients) {
        if (r.treatment.kind == Treatment::Kind::kReject) continue;
        r.treatment = Treatment{};
        r.treatment.kind = Treatment::Kind::kReject;
        r.treatment.enhanced_status = std::string(kDefaultRejectStatus);
        r.treatment.reject_text = "Unknown protection template \"" +
                                  Printable(choice.template_name) + "\"";
        r.treatment.decided_by = "sender";
      }
      return plan;
    case SenderChoice::Outcome::kProtect:
      for (RecipientPlan& r : plan.recipients) {
        if (r.treatment.kind == Treatment::Kind::kReject ||
            r.treatment.kind == Treatment::Kind::kProtect) {
          continue;
        }
        r.treatment = Treatment{};
        r.treatment.kind = Treatment::Kind::kProtect;
        r.treatment.template_name = choice.template_name;
        r.treatment.decided_by = "sender";
      }
      return plan;
  }
  return plan;
}

bool PinRequested(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (EqualsIgnoringAsciiCase(TrimWhitespace(name), kPinRequiredHeader)) {
      return EqualsIgnoringAsciiCase(TrimWhitespace(value), "yes");
    }
  }
  return false;
}

}  // namespace sealpost::policy
