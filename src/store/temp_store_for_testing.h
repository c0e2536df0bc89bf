// Tests only: a fresh SQLite store in a temporary directory, removed when
// the object goes.
//
// Thread-safety: one object per test.
#ifndef SEALPOST_STORE_TEMP_STORE_FOR_TESTING_H_
#define SEALPOST_STORE_TEMP_STORE_FOR_TESTING_H_

#include <memory>
#include <stdexcept>
#include <string_view>

#include "base/clock.h"
#include "base/temp_dir_for_testing.h"
#include "store/store.h"

namespace sealpost::store::testing {

struct TempStore {
  // `clock` must outlive the store.
  explicit TempStore(const Clock& clock, std::string_view name = "store")
      : dir(name), store(Open(dir.File("s.db"), clock)) {}

  sealpost::testing::TempDir dir;
  std::unique_ptr<Store> store;  // owned; closed before `dir` goes

 private:
  static std::unique_ptr<Store> Open(const std::string& path,
                                     const Clock& clock) {
    auto s = OpenSqliteStore(path, clock);
    if (!s.ok()) throw std::runtime_error(s.status().ToString());
    return std::move(s).value();
  }
};

}  // namespace sealpost::store::testing

#endif  // SEALPOST_STORE_TEMP_STORE_FOR_TESTING_H_
