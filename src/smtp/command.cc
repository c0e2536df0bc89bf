#include "smtp/command.h"

#include "base/domain_name.h"
#include "base/strings.h"

namespace sealpost::smtp {
namespace {

bool IsAlpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool IsUtf8(char c) { return static_cast<unsigned char>(c) >= 0x80; }
char Upper(char c) { return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c; }

std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

// RFC 5322 atext, plus UTF-8 (RFC 6531 §3.3).
bool IsAtext(char c) {
  if (IsAlpha(c) || IsAsciiDigit(c) || IsUtf8(c)) return true;
  constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return kSpecials.find(c) != std::string_view::npos;
}

// Dot-string = Atom *("." Atom)
bool IsDotString(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!IsAtext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE (RFC 5321 §4.1.2).
bool IsQuotedString(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      // quoted-pairSMTP = %d92 %d32-126
      if (i + 2 >= s.size()) return false;
      unsigned char n = static_cast<unsigned char>(s[++i]);
      if (n < 32 || n > 126) return false;
    } else if (c == '"' || (c < 32) || c == 127) {
      return false;
    }
  }
  return true;
}

// The mailbox a path names, in one spelling: a quoted local part whose
// content is a Dot-string loses its quotes and the "\" of its quoted-pairs
// ("ceo"@x and "c\eo"@x become ceo@x). The quotes and that "\" are not
// part of the string (RFC 5322 §3.2.4, RFC 5321 §4.1.2), and the next hop
// (Postfix) delivers both spellings to one mailbox; but the mail flow and
// journal rules compare addresses as strings, so "ceo"@partner.test went
// out past a rule on ceo@partner.test, unprotected and unjournaled. Any
// other quoted content ("a b", "a..b", "", "carol@gmail.test") names a
// mailbox that no Dot-string names: kept as it came, so the syntax and
// routing checks see it as before.
std::string CanonicalMailbox(std::string_view path) {
  const size_t at = path.rfind('@');
  if (at == std::string_view::npos) return std::string(path);
  const std::string_view local = path.substr(0, at);
  if (!IsQuotedString(local)) return std::string(path);
  std::string content;
  for (size_t i = 1; i + 1 < local.size(); ++i) {
    // quoted-pairSMTP: the octet after "\" stands for itself;
    // IsQuotedString saw that there is one before the closing quote.
    if (local[i] == '\\') ++i;
    content += local[i];
  }
  if (!IsDotString(content)) return std::string(path);
  return content + std::string(path.substr(at));
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str],
// or a U-label (RFC 6531 §3.3); 255 octets at most (RFC 5321 §4.5.3.1.2).
constexpr DomainNameRules kEnvelopeDomain{.allow_8bit = true,
                                          .max_length = 255};

// address-literal = "[" ( IPv4 / IPv6 / General ) "]"; checked loosely: the
// content is printable ASCII without brackets or backslash (dcontent).
bool IsAddressLiteral(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') return false;
  }
  return true;
}

// Finds the ">" closing a path that starts at s[0] == '<', skipping quoted
// strings in the local part.
size_t FindPathEnd(std::string_view s) {
  bool quoted = false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

bool IsEsmtpKeyword(std::string_view s) {
  if (s.empty() || !(IsAlpha(s[0]) || IsAsciiDigit(s[0]))) return false;
  for (char c : s) {
    if (!IsAlpha(c) && !IsAsciiDigit(c) && c != '-') return false;
  }
  return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 §3.3).
bool IsEsmtpValue(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x80) continue;
    if (u < 33 || u > 126 || u == '=') return false;
  }
  return true;
}

bool IsHex(char c) {
  return IsAsciiDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::optional<CommandLine> SplitCommand(std::string_view line) {
  size_t sp = line.find(' ');
  std::string_view verb = line.substr(0, sp);
  for (char c : verb) {
    if (!IsAlpha(c)) return std::nullopt;
  }
  CommandLine out;
  out.verb = UpperAscii(verb);
  if (sp != std::string_view::npos) out.args = line.substr(sp + 1);
  return out;
}

bool HasNonAscii(std::string_view s) {
  for (char c : s) {
    if (IsUtf8(c)) return true;
  }
  return false;
}

bool IsValidMailbox(std::string_view mailbox) {
  size_t at = mailbox.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = mailbox.substr(0, at);
  std::string_view domain = mailbox.substr(at + 1);
  if (!IsDotString(local) && !IsQuotedString(local)) return false;
  return IsDomainName(domain, kEnvelopeDomain) || IsAddressLiteral(domain);
}

bool IsXtext(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      if (i + 2 >= s.size()) return false;
      if (!IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return false;
    }
  }
  return true;
}

std::optional<std::string> DecodeXtext(std::string_view s) {
  if (!IsXtext(s)) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      auto hex = [](char c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      };
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Result<PathArgument> ParsePathArgument(std::string_view args,
                                       std::string_view prefix) {
  if (!StartsWithIgnoringAsciiCase(args, prefix)) {
    return InvalidArgumentError("Syntax: expected " + std::string(prefix) +
                                "<address>");
  }
  std::string_view rest = args.substr(prefix.size());
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '<') {
    return InvalidArgumentError("Syntax: address must be in <>");
  }
  size_t end = FindPathEnd(rest);
  if (end == std::string_view::npos) {
    return InvalidArgumentError("Syntax: missing >");
  }
  if (end + 1 > kMaxPathLength) {
    return InvalidArgumentError("Path too long");
  }
  std::string_view path = rest.substr(1, end - 1);
  rest.remove_prefix(end + 1);

  PathArgument out;
  // A-d-l ":" — the obsolete source route is accepted and ignored
  // (RFC 5321 §4.1.1.3 and appendix C).
  if (!path.empty() && path.front() == '@') {
    size_t colon = path.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("Syntax: bad source route");
    }
    path.remove_prefix(colon + 1);
  }
  // Canonical before the caller's syntax and routing checks, so that they
  // judge the address the rules and the journal will read.
  out.address = CanonicalMailbox(path);

  // Mail-parameters = esmtp-param *(SP esmtp-param), after one SP.
  if (!rest.empty()) {
    if (rest.front() != ' ') return InvalidArgumentError("Syntax: after >");
    while (!rest.empty()) {
      if (rest.front() == ' ') {
        rest.remove_prefix(1);
        continue;
      }
      size_t sp = rest.find(' ');
      std::string_view param = rest.substr(0, sp);
      rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp);
      size_t eq = param.find('=');
      std::string_view keyword = param.substr(0, eq);
      if (!IsEsmtpKeyword(keyword)) {
        return InvalidArgumentError("Bad parameter syntax");
      }
      EsmtpParam p;
      p.keyword = UpperAscii(keyword);
      if (eq != std::string_view::npos) {
        std::string_view value = param.substr(eq + 1);
        if (!IsEsmtpValue(value)) {
          return InvalidArgumentError("Bad parameter value for " + p.keyword);
        }
        p.value = std::string(value);
      }
      for (const EsmtpParam& seen : out.params) {
        if (seen.keyword == p.keyword) {
          return InvalidArgumentError("Duplicate parameter " + p.keyword);
        }
      }
      out.params.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace sealpost::smtp
