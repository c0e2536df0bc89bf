// Transport decryption for inspection (docs/compliance.md): what it costs
// the protection stage to open a 4 KB protected message arriving with its
// container (TransportDecryptionSetting Optional: the key release, its
// audit record on a real SQLite store, the rules on the decrypted content)
// against the same message under Disabled (the rules read the wrapper as it
// travels), interleaved in one run so that a busy machine slows both alike.
//
// Output: one "key value" per line.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protect/test_gateway_for_testing.h"

namespace sealpost {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
}

void SetMode(protect::testing::TestGateway& gw, std::string_view mode) {
  auto irm = gw.org.licenses.LoadIrm();
  Check(irm.status());
  Check(irm->Set("TransportDecryptionSetting", mode));
  Check(gw.org.licenses.SaveIrm(*irm));
}

int Run() {
  SystemClock clock;
  protect::testing::TestGateway gw(clock, "inspect-bench");
  gw.org.AddUser("alice@example.com");
  gw.org.AddUser("bob@example.com");
  std::string body;
  while (body.size() < 4096) body += "quarterly numbers, line of text\r\n";
  auto first = gw.Send("alice@example.com", {"bob@example.com"},
                       "From: alice@example.com\r\nTo: bob@example.com\r\n"
                       "Subject: [encrypt] bench\r\n\r\n" +
                           body);
  Check(first.status());
  for (const auto& r : first->messages.at(0).protected_records) {
    Check(gw.org.store.AddProtectedMessage(r));
  }
  const std::string wrapper = first->messages[0].content;
  gw.AddRule(R"({"name": "flag", "conditions": [{"kind":
    "subject_or_body_contains_words", "values": ["quarterly"]}],
    "actions": [{"kind": "add_header", "header": "X-Flag", "value":
    "hit"}]})");
  auto once = [&](std::string_view mode) {
    SetMode(gw, mode);
    auto a = Clock::now();
    auto out = gw.Send("m@partner.test", {"bob@example.com"}, wrapper, false);
    auto b = Clock::now();
    Check(out.status());
    bool flagged = out->messages.at(0).content.starts_with("X-Flag: hit");
    if (flagged != (mode != "Disabled")) std::abort();
    return Seconds(a, b);
  };
  once("Disabled");
  once("Optional");
  double off_s = 0, on_s = 0;
  int n = 0;
  for (auto start = Clock::now(); Seconds(start, Clock::now()) < 6.0; ++n) {
    off_s += once("Disabled");
    on_s += once("Optional");
  }
  // The key release's audit record alone (a synchronous SQLite commit):
  // the part of the added cost that is not decryption or rules.
  double audit_s = 0;
  for (int i = 0; i < n; ++i) {
    auto a = Clock::now();
    Check(gw.org.store.AppendAudit(
        {0, clock.NowUnix(), "system", "bench.audit", "bench", "ok", "bench"}));
    audit_s += Seconds(a, Clock::now());
  }
  std::printf("inspect_4096_messages %d\n", n);
  std::printf("inspect_disabled_4096_ms_per_message %.3f\n", 1000 * off_s / n);
  std::printf("inspect_optional_4096_ms_per_message %.3f\n", 1000 * on_s / n);
  std::printf("inspect_added_4096_ms_per_message %.3f\n",
              1000 * (on_s - off_s) / n);
  std::printf("inspect_audit_record_ms %.3f\n", 1000 * audit_s / n);
  return 0;
}

}  // namespace
}  // namespace sealpost

int main() { return sealpost::Run(); }
