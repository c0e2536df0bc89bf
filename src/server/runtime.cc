#include "server/runtime.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <thread>

#include "base/log.h"

namespace sealpost::server {

namespace asio = boost::asio;

struct Runtime::Impl {
  explicit Impl(int n) : threads(n > 0 ? n : 1), signals(io, SIGINT, SIGTERM) {}
  int threads;
  asio::io_context io;
  asio::signal_set signals;
  std::vector<std::function<void()>> callbacks;
  bool shutting_down = false;  // only touched on I/O threads via post

  void Shutdown() {
    if (shutting_down) return;
    shutting_down = true;
    log::Info("shutting down: finishing in-flight work");
    signals.cancel();
    for (auto& cb : callbacks) cb();
  }
};

Runtime::Runtime(int threads) : impl_(std::make_unique<Impl>(threads)) {}
Runtime::~Runtime() = default;

asio::io_context& Runtime::io() { return impl_->io; }

void Runtime::OnShutdown(std::function<void()> callback) {
  impl_->callbacks.push_back(std::move(callback));
}

void Runtime::RequestShutdown() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->Shutdown(); });
}

void Runtime::Run() {
  impl_->signals.async_wait(
      [impl = impl_.get()](const boost::system::error_code& ec, int) {
        if (!ec) impl->Shutdown();
      });
  std::vector<std::thread> pool;
  for (int i = 1; i < impl_->threads; ++i) {
    pool.emplace_back([this] { impl_->io.run(); });
  }
  impl_->io.run();
  for (auto& t : pool) t.join();
}

}  // namespace sealpost::server
