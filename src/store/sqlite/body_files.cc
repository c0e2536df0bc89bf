#include "store/sqlite/body_files.h"

#include <unistd.h>

#include <filesystem>

#include "base/encoding.h"
#include "base/files.h"

namespace sealpost::store::internal {
namespace {

constexpr std::string_view kQueuePrefix = "q-";
constexpr std::string_view kPortalPrefix = "p-";

class FileBodyWriter final : public BodyWriter {
 public:
  explicit FileBodyWriter(std::unique_ptr<ExclusiveFileWriter> file)
      : file_(std::move(file)) {}
  Status Append(std::string_view bytes) override {
    return file_->Append(bytes);
  }
  Status Finish() override { return file_->Commit(); }

 private:
  std::unique_ptr<ExclusiveFileWriter> file_;
};

}  // namespace

std::string BodyFiles::DirFor(const std::string& database_path) {
  if (database_path.empty() || database_path == ":memory:" ||
      database_path.rfind("file:", 0) == 0) {
    return "";
  }
  return database_path + "-bodies";
}

BodyFiles::BodyFiles(const std::string& database_path)
    : dir_(DirFor(database_path)) {}

std::string BodyFiles::PathOf(BodyKind kind, std::string_view id) const {
  // Hex: an id never names anything outside the directory.
  return dir_ + "/" +
         std::string(kind == BodyKind::kQueue ? kQueuePrefix : kPortalPrefix) +
         HexEncode(AsBytes(id));
}

Status BodyFiles::Write(BodyKind kind, std::string_view id,
                        std::string_view body) const {
  SP_RETURN_IF_ERROR(MakeDirs(dir_));
  // Never over another body (ids are unique; an existing file is a
  // committed body, which a rolled-back batch must not take away).
  return WriteFileExclusive(PathOf(kind, id), body, 0600);
}

Result<std::unique_ptr<BodyWriter>> BodyFiles::Start(
    BodyKind kind, std::string_view id) const {
  SP_RETURN_IF_ERROR(MakeDirs(dir_));
  SP_ASSIGN_OR_RETURN(auto file,
                      ExclusiveFileWriter::Create(PathOf(kind, id), 0600));
  return std::unique_ptr<BodyWriter>(new FileBodyWriter(std::move(file)));
}

Result<std::unique_ptr<BodyReader>> BodyFiles::Open(BodyKind kind,
                                                    std::string_view id) const {
  if (!enabled()) return NotFoundError("no body files");
  // A body file is never changed once written (only removed, which the
  // open file outlives): its size when opened is the size read.
  SP_ASSIGN_OR_RETURN(auto file, FileReader::Open(PathOf(kind, id)));
  return std::unique_ptr<BodyReader>(std::move(file));
}

Result<std::string> BodyFiles::Read(BodyKind kind, std::string_view id) const {
  return ReadFile(PathOf(kind, id));
}

void BodyFiles::Remove(BodyKind kind, std::string_view id) const {
  unlink(PathOf(kind, id).c_str());
}

int BodyFiles::Sweep(
    const std::function<bool(BodyKind, const std::string& id)>& wanted) const {
  if (!enabled()) return 0;
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    bool keep = false;
    // Anything else (a temporary file a crash left) goes.
    {
      for (auto [kind, prefix] :
           {std::pair{BodyKind::kQueue, kQueuePrefix},
            std::pair{BodyKind::kPortal, kPortalPrefix}}) {
        if (!name.starts_with(prefix)) continue;
        auto id = HexDecode(std::string_view(name).substr(prefix.size()));
        keep = id.ok() && wanted(kind, *id);
      }
    }
    if (!keep && unlink(entry.path().c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace sealpost::store::internal
