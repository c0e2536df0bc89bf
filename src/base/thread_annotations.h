// Clang thread-safety annotations (checked with -Wthread-safety under clang;
// no-ops elsewhere), plus an annotated mutex (LevelDB's port::Mutex idea).
#ifndef SEALPOST_BASE_THREAD_ANNOTATIONS_H_
#define SEALPOST_BASE_THREAD_ANNOTATIONS_H_

#include <mutex>

#if defined(__clang__)
#define SP_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define SP_THREAD_ANNOTATION_(x)
#endif

#define SP_GUARDED_BY(x) SP_THREAD_ANNOTATION_(guarded_by(x))
#define SP_REQUIRES(...) SP_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define SP_EXCLUDES(...) SP_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define SP_CAPABILITY(x) SP_THREAD_ANNOTATION_(capability(x))
#define SP_ACQUIRE(...) SP_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define SP_RELEASE(...) SP_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define SP_SCOPED_CAPABILITY SP_THREAD_ANNOTATION_(scoped_lockable)

namespace sealpost {

class SP_CAPABILITY("mutex") Mutex {
 public:
  void Lock() SP_ACQUIRE() { mu_.lock(); }
  void Unlock() SP_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class SP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) SP_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() SP_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  // Not owned (references and pointers below): must outlive this object.
  Mutex* mu_;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_THREAD_ANNOTATIONS_H_
