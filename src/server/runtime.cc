#include "server/runtime.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <csignal>
#include <thread>

#include "base/log.h"

namespace sealpost::server {

namespace asio = boost::asio;

struct Runtime::Impl {
  explicit Impl(int n)
      : threads(n > 0 ? n : 1),
        strand(asio::make_strand(io)),
        signals(strand, SIGINT, SIGTERM),
        hangup(strand, SIGHUP) {}
  int threads;
  asio::io_context io;
  // Signal handling and Shutdown run on this strand: the signal sets are
  // not safe to use from two threads at once.
  asio::strand<asio::io_context::executor_type> strand;
  asio::signal_set signals;
  asio::signal_set hangup;
  std::vector<std::function<void()>> callbacks;
  std::vector<std::function<void()>> reload_callbacks;
  bool shutting_down = false;  // on the strand

  void Shutdown() {
    if (shutting_down) return;
    shutting_down = true;
    log::Info("shutting down: finishing in-flight work");
    signals.cancel();
    hangup.cancel();
    for (auto& cb : callbacks) cb();
  }

  // One SIGHUP at a time: the handler runs the callbacks, then waits for
  // the next.
  void WaitForHangup() {
    hangup.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec || shutting_down) return;
      log::Info("SIGHUP: reloading");
      for (auto& cb : reload_callbacks) cb();
      WaitForHangup();
    });
  }
};

Runtime::Runtime(int threads) : impl_(std::make_unique<Impl>(threads)) {}
Runtime::~Runtime() = default;

asio::io_context& Runtime::io() { return impl_->io; }

void Runtime::OnShutdown(std::function<void()> callback) {
  impl_->callbacks.push_back(std::move(callback));
}

void Runtime::OnReload(std::function<void()> callback) {
  impl_->reload_callbacks.push_back(std::move(callback));
}

void Runtime::RequestShutdown() {
  asio::post(impl_->strand, [impl = impl_.get()] { impl->Shutdown(); });
}

void Runtime::Run() {
  impl_->signals.async_wait(
      [impl = impl_.get()](const boost::system::error_code& ec, int) {
        if (!ec) impl->Shutdown();
      });
  impl_->WaitForHangup();
  std::vector<std::thread> pool;
  for (int i = 1; i < impl_->threads; ++i) {
    pool.emplace_back([this] { impl_->io.run(); });
  }
  impl_->io.run();
  for (auto& t : pool) t.join();
}

}  // namespace sealpost::server
