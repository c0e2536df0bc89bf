// Tests only: a fresh directory under /tmp, removed with everything in it
// when the object goes.
//
// Thread-safety: one object per test.
#ifndef SEALPOST_BASE_TEMP_DIR_FOR_TESTING_H_
#define SEALPOST_BASE_TEMP_DIR_FOR_TESTING_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sealpost::testing {

class TempDir {
 public:
  // `name` tells whose directory it is when a test leaves one behind.
  explicit TempDir(std::string_view name = "test") {
    std::string tmpl = "/tmp/sealpost-" + std::string(name) + "-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + tmpl);
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `path()/name`.
  std::string File(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  std::string path_;
};

}  // namespace sealpost::testing

#endif  // SEALPOST_BASE_TEMP_DIR_FOR_TESTING_H_
