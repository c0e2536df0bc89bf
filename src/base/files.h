// Small file helpers with the durability the store and keys need.
//
// Thread-safety: free functions; callers serialise writes to the same path.
#ifndef SEALPOST_BASE_FILES_H_
#define SEALPOST_BASE_FILES_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost {

Result<std::string> ReadFile(const std::string& path);
// Writes to PATH.tmp, fsyncs it, renames over PATH and fsyncs the directory,
// so a crash leaves either the old or the new content. `mode` is the file
// permission (0600 for secrets).
Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode = 0644);
// The same with the temporary name given (Maildir's tmp/ -> new/): with
// `exclusive`, `tmp` must not exist yet. A failure removes `tmp`.
Status WriteAndRename(const std::string& tmp, const std::string& path,
                      std::string_view content, int mode, bool exclusive);
// Writes PATH only if it does not exist: the content goes to a temporary
// file, is fsynced, then linked to PATH (atomic, never replacing anything).
// An existing PATH is ALREADY_EXISTS naming it.
Status WriteFileExclusive(const std::string& path, std::string_view content,
                          int mode);
Status MakeDirs(const std::string& path, int mode = 0700);
bool FileExists(const std::string& path);

}  // namespace sealpost

#endif  // SEALPOST_BASE_FILES_H_
