// Runtime: the process's I/O context, its threads, SIGINT/SIGTERM and
// SIGHUP. Listeners (HTTPS, SMTP) attach to io(); Run() returns once a
// signal has started shutdown and every listener has drained its
// connections. SIGHUP runs the reload callbacks (certificates, log level)
// and the server goes on.
//
// Thread-safety: construct and configure on one thread, then Run(); io() may
// be used from any thread.
#ifndef SEALPOST_SERVER_RUNTIME_H_
#define SEALPOST_SERVER_RUNTIME_H_

#include <functional>
#include <memory>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace sealpost::server {

class Runtime {
 public:
  explicit Runtime(int threads);
  ~Runtime();
  boost::asio::io_context& io();
  // Called once, on an I/O thread, when SIGINT or SIGTERM arrives.
  void OnShutdown(std::function<void()> callback);
  // Called on an I/O thread at every SIGHUP until shutdown starts.
  void OnReload(std::function<void()> callback);
  // Runs the I/O threads until no work is left (after shutdown).
  void Run();
  // Starts shutdown as if a signal had arrived.
  void RequestShutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_RUNTIME_H_
