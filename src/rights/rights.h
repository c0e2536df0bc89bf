// Usage rights: the 14 rights of the Azure RMS policy encoding
// (reference/ome-inventory.md §4.1, SPEC.md §4 "Rights (exact)") as a bitmask
// value type, with parsing and formatting by their policy names.
//
// Thread-safety: Rights is a value type; the free functions are pure.
#ifndef SEALPOST_RIGHTS_RIGHTS_H_
#define SEALPOST_RIGHTS_RIGHTS_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::rights {

// One usage right. The order is the canonical order used when formatting; the
// numeric values are bit positions and are stored in licenses, so never
// renumber them.
enum class Right : uint8_t {
  kView = 0,             // VIEW: open and see content
  kDocEdit = 1,          // DOCEDIT: modify in the app, not save
  kEdit = 2,             // EDIT: save in place
  kComment = 3,          // COMMENT: annotations
  kExport = 4,           // EXPORT: save as, possibly unprotected
  kForward = 5,          // FORWARD: forward and add To/Cc
  kReply = 6,            // REPLY
  kReplyAll = 7,         // REPLYALL
  kPrint = 8,            // PRINT
  kExtract = 9,          // EXTRACT: copy, screenshots
  kViewRightsData = 10,  // VIEWRIGHTSDATA: see the policy
  kEditRightsData = 11,  // EDITRIGHTSDATA: change or remove the policy
  kObjModel = 12,        // OBJMODEL: programmatic access, macros
  kOwner = 13,           // OWNER: full control, unprotect and reprotect
};

inline constexpr int kRightCount = 14;

// Every right, in canonical order.
inline constexpr std::array<Right, kRightCount> kAllRights = {
    Right::kView,     Right::kDocEdit,        Right::kEdit,
    Right::kComment,  Right::kExport,         Right::kForward,
    Right::kReply,    Right::kReplyAll,       Right::kPrint,
    Right::kExtract,  Right::kViewRightsData, Right::kEditRightsData,
    Right::kObjModel, Right::kOwner};

// The policy name: "VIEW", "DOCEDIT", ...
std::string_view RightName(Right right);
// Case-insensitive. Only the policy encodings are accepted, not the common
// names ("Save", "Copy"), so that a name means one thing everywhere.
Result<Right> ParseRight(std::string_view name);

// A set of rights.
class Rights {
 public:
  constexpr Rights() = default;
  constexpr Rights(std::initializer_list<Right> rights) {
    for (Right r : rights) bits_ |= Bit(r);
  }
  static constexpr Rights FromBits(uint16_t bits) {
    Rights r;
    r.bits_ = bits & kMask;
    return r;
  }
  static constexpr Rights None() { return Rights(); }
  static constexpr Rights All() { return FromBits(kMask); }

  constexpr uint16_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool Has(Right r) const { return (bits_ & Bit(r)) != 0; }
  constexpr bool HasAll(Rights other) const {
    return (bits_ & other.bits_) == other.bits_;
  }
  int Count() const;
  // The rights in canonical order.
  std::vector<Right> List() const;

  constexpr Rights& operator|=(Rights o) {
    bits_ |= o.bits_;
    return *this;
  }
  constexpr Rights& operator&=(Rights o) {
    bits_ &= o.bits_;
    return *this;
  }
  friend constexpr Rights operator|(Rights a, Rights b) { return a |= b; }
  friend constexpr Rights operator&(Rights a, Rights b) { return a &= b; }
  // Set difference: the rights of `a` that are not in `b`.
  friend constexpr Rights operator-(Rights a, Rights b) {
    return FromBits(a.bits_ & ~b.bits_);
  }
  friend constexpr bool operator==(Rights a, Rights b) = default;

 private:
  static constexpr uint16_t kMask = (1u << kRightCount) - 1;
  static constexpr uint16_t Bit(Right r) {
    return static_cast<uint16_t>(1u << static_cast<uint8_t>(r));
  }
  uint16_t bits_ = 0;
};

// "VIEW,DOCEDIT,EDIT" in canonical order; "" for no rights.
std::string FormatRights(Rights rights);
// Names separated by commas and/or spaces, case-insensitive, duplicates
// allowed; "" parses to no rights. Unknown names are an error naming them.
Result<Rights> ParseRights(std::string_view text);

// Permission levels (ome-inventory §4.1), as the template editor offers them.
inline constexpr Rights kViewerRights = {Right::kView, Right::kViewRightsData,
                                         Right::kReply, Right::kReplyAll,
                                         Right::kObjModel};
inline constexpr Rights kRestrictedEditorRights =
    kViewerRights | Rights{Right::kEdit, Right::kDocEdit, Right::kForward};
inline constexpr Rights kEditorRights =
    kRestrictedEditorRights |
    Rights{Right::kExtract, Right::kExport, Right::kPrint};
inline constexpr Rights kOwnerRights = Rights::All();

}  // namespace sealpost::rights

#endif  // SEALPOST_RIGHTS_RIGHTS_H_
