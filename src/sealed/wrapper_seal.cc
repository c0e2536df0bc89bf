#include "sealed/wrapper_seal.h"

#include <charconv>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"

namespace sealpost::sealed {
namespace {

constexpr std::string_view kSealContext = "sealpost-wrapper-v1";

// SHA-256 of the signed fields of `header`, canonical (see the header).
std::string SignedFieldsDigest(std::string_view header) {
  struct Field {
    std::string name;  // lower case
    std::string value;
  };
  std::vector<Field> fields;
  for (size_t pos = 0; pos < header.size();) {
    size_t nl = header.find('\n', pos);
    std::string_view line = header.substr(
        pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? header.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (!fields.empty()) fields.back().value += ' ' + std::string(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fields.push_back({AsciiLower(TrimBlanks(line.substr(0, colon))),
                      std::string(line.substr(colon + 1))});
  }
  crypto::Sha256Hasher hasher;
  for (std::string_view name : kSignedFields) {
    for (const Field& f : fields) {
      if (f.name != name) continue;
      std::string value;
      bool blank = false;
      for (char c : Trim(f.value)) {
        bool is_blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (is_blank && blank) continue;
        value += is_blank ? ' ' : c;
        blank = is_blank;
      }
      hasher.Update(f.name);
      hasher.Update(":");
      hasher.Update(value);
      hasher.Update("\r\n");
    }
  }
  return hasher.Finish();
}

// A parameter value that is not an RFC 2045 §5.1 token is quoted.
bool NeedsQuotes(std::string_view v) {
  for (char c : v) {
    if (c <= ' ' || c >= 127 ||
        std::string_view("()<>@,;:\\\"/[]?=").find(c) !=
            std::string_view::npos) {
      return true;
    }
  }
  return v.empty();
}

}  // namespace

ProtectedMarker ParseProtectedHeader(std::string_view value) {
  ProtectedMarker out;
  size_t pos = 0;
  while (pos < value.size()) {
    // One "key=value" or "key=\"quoted\"" parameter, ';'-separated.
    size_t eq = value.find('=', pos);
    size_t semi = value.find(';', pos);
    if (eq == std::string_view::npos ||
        (semi != std::string_view::npos && semi < eq)) {
      pos = semi == std::string_view::npos ? value.size() : semi + 1;
      continue;
    }
    std::string key = AsciiLower(Trim(value.substr(pos, eq - pos)));
    std::string v;
    size_t i = eq + 1;
    while (i < value.size() && value[i] == ' ') ++i;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v += value[i];
      }
      size_t next = value.find(';', i);
      pos = next == std::string_view::npos ? value.size() : next + 1;
    } else {
      size_t end = value.find(';', i);
      v = std::string(Trim(value.substr(i, end == std::string_view::npos
                                               ? std::string_view::npos
                                               : end - i)));
      pos = end == std::string_view::npos ? value.size() : end + 1;
    }
    if (key == "id" && out.id.empty()) {
      out.id = std::move(v);
    } else if (key == "template" && out.template_name.empty()) {
      out.template_name = std::move(v);
    } else if (key == "k" && out.key_version == 0) {
      uint32_t k = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), k);
      if (ec == std::errc() && p == v.data() + v.size()) out.key_version = k;
    } else if (key == "seal" && out.seal.empty()) {
      auto raw = Base64Decode(v);
      if (raw.ok()) out.seal = std::move(*raw);
    }
  }
  return out;
}

std::string FormatProtectedHeader(std::string_view id,
                                  std::string_view template_name) {
  std::string t(template_name);
  if (NeedsQuotes(template_name)) {
    t = "\"";
    for (char c : template_name) {
      if (c == '"' || c == '\\') t += '\\';
      if (c != '\r' && c != '\n') t += c;  // never a header injection
    }
    t += '"';
  }
  return "v1; id=" + std::string(id) + "; template=" + t;
}

std::string FormatSealParams(uint32_t key_version, std::string_view signature) {
  return "; k=" + std::to_string(key_version) +
         "; seal=" + Base64UrlEncode(AsBytes(signature));
}

void CanonicalBodyHasher::Update(std::string_view chunk) {
  while (!chunk.empty()) {
    size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      line_.append(chunk);
      return;
    }
    line_.append(chunk.substr(0, nl));
    chunk.remove_prefix(nl + 1);
    EndLine();
  }
}

// One line (without its LF) is complete: hashed as canonical, or counted
// as an empty line that is hashed only if a line with content follows.
void CanonicalBodyHasher::EndLine() {
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    ++pending_empty_;
  } else {
    for (; pending_empty_ > 0; --pending_empty_) hasher_.Update("\r\n");
    hasher_.Update(line);
    hasher_.Update("\r\n");
  }
  line_.clear();
}

std::string CanonicalBodyHasher::Finish() {
  if (!line_.empty()) EndLine();  // a last line without its line end
  return hasher_.Finish();
}

std::string WrapperSealInputWithDigest(std::string_view id,
                                       std::string_view template_name,
                                       std::string_view header,
                                       std::string_view body_digest) {
  std::string out(kSealContext);
  out += '\0';
  out += id;
  out += '\0';
  out += template_name;
  out += '\0';
  out += SignedFieldsDigest(header);
  out += body_digest;
  return out;
}

}  // namespace sealpost::sealed
