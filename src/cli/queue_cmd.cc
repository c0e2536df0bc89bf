// `sealpost queue retry|list`: act on the gateway's delivery queue.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "cli/cli.h"

namespace sealpost::cli {

void RegisterQueue(CLI::App& app, Globals& g) {
  auto* queue = app.add_subcommand("queue", "The gateway's delivery queue");
  queue->require_subcommand(1);
  auto id = std::make_shared<std::string>();
  auto* retry = queue->add_subcommand(
      "retry", "Deliver a queued message now instead of at its next retry");
  retry->add_option("id", *id, "Queue id (from `message list`)")->required();
  retry->callback([id, &g] {
    std::string body;
    if (!CallApi(g, "POST", "/api/v1/queue/messages/" + *id + "/retry", "",
                 &body)) {
      return;
    }
    std::cout << (g.json ? body : "Retrying " + *id + " now") << "\n";
  });
}

}  // namespace sealpost::cli
