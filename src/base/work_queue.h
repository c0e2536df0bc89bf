// WorkQueue: jobs handed to a few threads of its own, first come first
// served, for blocking work kept off the I/O threads (the protection stage,
// the Maildir sink). Stopping hands back the jobs no thread has taken, so
// their owner can answer each one; a job already running finishes.
//
// Thread-safety: thread-safe; Push and Stop from any thread, Join from
// none of the queue's own threads.
#ifndef SEALPOST_BASE_WORK_QUEUE_H_
#define SEALPOST_BASE_WORK_QUEUE_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"

namespace sealpost {

template <typename Job>
class WorkQueue {
 public:
  // Starts max(1, threads) threads that call `run` once a job. Whatever
  // `run` uses must outlive the threads (Join).
  WorkQueue(int threads, std::function<void(Job)> run) : run_(std::move(run)) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      threads_.emplace_back([this] { Work(); });
    }
  }
  // Jobs still waiting then are dropped unanswered: owners whose jobs
  // carry a callback call Stop first and answer what it returns.
  ~WorkQueue() {
    Stop();
    Join();
  }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `job`; once stopped, gives it back untouched instead.
  std::optional<Job> Push(Job job) SP_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (stopped_) return job;
    jobs_.push_back(std::move(job));
    cv_.Signal();
    return std::nullopt;
  }

  // Takes no more jobs and returns those still waiting (oldest first).
  std::deque<Job> Stop() SP_EXCLUDES(mu_) {
    std::deque<Job> left;
    {
      MutexLock lock(&mu_);
      stopped_ = true;
      left.swap(jobs_);
    }
    cv_.SignalAll();
    return left;
  }

  // Waits for the running jobs after Stop; then no thread is left.
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void Work() SP_EXCLUDES(mu_) {
    for (;;) {
      std::optional<Job> job;
      {
        MutexLock lock(&mu_);
        while (!stopped_ && jobs_.empty()) cv_.Wait(&mu_);
        if (stopped_) return;
        job.emplace(std::move(jobs_.front()));
        jobs_.pop_front();
      }
      run_(std::move(*job));
    }
  }

  const std::function<void(Job)> run_;
  Mutex mu_;
  CondVar cv_;  // signalled when a job arrives or the queue stops
  std::deque<Job> jobs_ SP_GUARDED_BY(mu_);
  bool stopped_ SP_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // last: they use everything above
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_WORK_QUEUE_H_
