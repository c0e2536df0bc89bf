// `sealpost queue retry|list`: act on the gateway's delivery queue.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "cli/cli.h"

namespace sealpost::cli {

void RegisterQueue(CLI::App& app, Globals& g) {
  auto* queue = AddNoun(app, "queue", "The gateway's delivery queue");
  auto id = std::make_shared<std::string>();
  auto* retry =
      AddVerbOn(*queue, "retry",
                "Deliver a queued message now instead of at its next retry",
                "id", *id, "Queue id (from `message list`)");
  retry->callback([id, &g] {
    CallAndSay(g, "POST", "/api/v1/queue/messages/" + *id + "/retry", "",
               "Retrying " + *id + " now");
  });
}

}  // namespace sealpost::cli
