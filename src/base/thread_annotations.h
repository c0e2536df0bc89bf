// Clang thread-safety annotations and the annotated locks every class that
// shares state uses (LevelDB's port::Mutex and port::CondVar idea). The
// `tsa` build (`make tsa`, run by CI) compiles src/ with clang's
// -Wthread-safety -Werror=thread-safety, so a guarded member touched without
// its lock, or a helper called without the lock it requires, fails the
// build; elsewhere the annotations are no-ops.
//
// A class guards state like this:
//
//   mutable Mutex mu_;
//   std::deque<Job> ready_ SP_GUARDED_BY(mu_);
//   void Pop() SP_REQUIRES(mu_);   // private helper, called with mu_ held
//   void Push(Job job) SP_EXCLUDES(mu_);
//
// SP_NO_THREAD_SAFETY_ANALYSIS is for what the analysis cannot follow, and
// always comes with a comment saying why.
#ifndef SEALPOST_BASE_THREAD_ANNOTATIONS_H_
#define SEALPOST_BASE_THREAD_ANNOTATIONS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define SP_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define SP_THREAD_ANNOTATION_(x)
#endif

#define SP_GUARDED_BY(x) SP_THREAD_ANNOTATION_(guarded_by(x))
#define SP_PT_GUARDED_BY(x) SP_THREAD_ANNOTATION_(pt_guarded_by(x))
#define SP_REQUIRES(...) SP_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define SP_REQUIRES_SHARED(...) \
  SP_THREAD_ANNOTATION_(requires_shared_capability(__VA_ARGS__))
#define SP_EXCLUDES(...) SP_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define SP_CAPABILITY(x) SP_THREAD_ANNOTATION_(capability(x))
#define SP_SCOPED_CAPABILITY SP_THREAD_ANNOTATION_(scoped_lockable)
#define SP_ACQUIRE(...) SP_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define SP_ACQUIRE_SHARED(...) \
  SP_THREAD_ANNOTATION_(acquire_shared_capability(__VA_ARGS__))
#define SP_RELEASE(...) SP_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define SP_RELEASE_SHARED(...) \
  SP_THREAD_ANNOTATION_(release_shared_capability(__VA_ARGS__))
#define SP_ASSERT_HELD(x) SP_THREAD_ANNOTATION_(assert_capability(x))
#define SP_TRY_ACQUIRE(...) \
  SP_THREAD_ANNOTATION_(try_acquire_capability(__VA_ARGS__))
#define SP_NO_THREAD_SAFETY_ANALYSIS \
  SP_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace sealpost {

class CondVar;

// Thread-safety: thread-safe (it is the lock).
class SP_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() SP_ACQUIRE() { mu_.lock(); }
  void Unlock() SP_RELEASE() { mu_.unlock(); }
  // Takes the lock only when nobody holds it: true when it did.
  bool TryLock() SP_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis that the caller holds the lock, for an owner it
  // cannot follow (a lock taken for a thread in one call and released in
  // another); checks nothing at run time.
  void AssertHeld() const SP_ASSERT_HELD() {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// A reader/writer lock: many holders in shared mode, or one in exclusive mode.
// Thread-safety: thread-safe (it is the lock).
class SP_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() SP_ACQUIRE() { mu_.lock(); }
  void Unlock() SP_RELEASE() { mu_.unlock(); }
  void LockShared() SP_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() SP_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a Mutex for its scope. Thread-safety: one thread's object.
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

// Holds a SharedMutex in exclusive mode for its scope.
// Thread-safety: one thread's object.
class SP_SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex* mu) SP_ACQUIRE(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~WriterMutexLock() SP_RELEASE() { mu_->Unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  // Not owned (references and pointers below): must outlive this object.
  SharedMutex* mu_;
};

// Holds a SharedMutex in shared mode for its scope.
// Thread-safety: one thread's object.
class SP_SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex* mu) SP_ACQUIRE_SHARED(mu) : mu_(mu) {
    mu_->LockShared();
  }
  ~ReaderMutexLock() SP_RELEASE() { mu_->UnlockShared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  // Not owned (references and pointers below): must outlive this object.
  SharedMutex* mu_;
};

// A condition variable used with a Mutex (Abseil's CondVar; LevelDB's
// port::CondVar). Wait requires the mutex, releases it while blocked and
// holds it again on return, so to the analysis the mutex is held throughout;
// callers loop on their condition (`while (!ready_) cv_.Wait(&mu_);`), which
// also absorbs spurious wake-ups. Every waiter on one CondVar passes the
// same Mutex. Signal and SignalAll need not hold it.
// Thread-safety: thread-safe.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex* mu) SP_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Waits for a signal or until `deadline`; false when the deadline passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex* mu,
                 const std::chrono::time_point<Clock, Duration>& deadline)
      SP_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    std::cv_status status = cv_.wait_until(lock, deadline);
    lock.release();
    return status == std::cv_status::no_timeout;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_THREAD_ANNOTATIONS_H_
