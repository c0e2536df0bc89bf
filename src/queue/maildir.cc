#include "queue/maildir.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "base/files.h"
#include "base/log.h"

namespace sealpost::queue {
namespace {

std::atomic<uint64_t> g_sequence{0};

}  // namespace

Status PrepareMaildir(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) {
    SP_RETURN_IF_ERROR(MakeDirs(dir + "/" + sub, 0700));
  }
  return Status::Ok();
}

Result<std::string> WriteMaildirMessage(const std::string& dir,
                                        std::string_view bytes) {
  // Maildir unique name: time.Mpid_seq.host (the maildir(5) convention).
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now).count() %
      1000000;
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  std::string name = std::to_string(secs) + ".M" + std::to_string(micros) +
                     "P" + std::to_string(getpid()) + "Q" +
                     std::to_string(g_sequence.fetch_add(1)) + "." + host;
  SP_RETURN_IF_ERROR(WriteAndRename(dir + "/tmp/" + name, dir + "/new/" + name,
                                    bytes, 0600, /*exclusive=*/true));
  return name;
}

namespace {

// What a delivery the transport did not start reports: cancelled, so the
// queue tries it again later.
void Cancel(DeliveryRequest& request,
            std::function<void(DeliveryResult)>& done) {
  DeliveryResult r;
  r.cancelled = true;
  r.recipients.resize(request.recipients.size());
  done(std::move(r));
}

}  // namespace

MaildirTransport::MaildirTransport(int threads) : tasks_(threads, &Run) {}

MaildirTransport::~MaildirTransport() {
  Shutdown();
  tasks_.Join();
}

void MaildirTransport::Deliver(DeliveryRequest request,
                               std::function<void(DeliveryResult)> done) {
  if (auto refused = tasks_.Push({std::move(request), std::move(done)})) {
    Cancel(refused->request, refused->done);
  }
}

void MaildirTransport::Shutdown() {
  for (Task& t : tasks_.Stop()) Cancel(t.request, t.done);
}

void MaildirTransport::Run(Task task) {
  const DeliveryRequest& req = task.request;
  DeliveryResult result;
  result.tls = "none";
  Status prepared = PrepareMaildir(req.hop.dir);
  for (const DeliveryRecipient& rcpt : req.recipients) {
    if (!prepared.ok()) {
      result.recipients.push_back({451, "451 4.3.0 " + prepared.message()});
      continue;
    }
    std::string bytes = "Return-Path: <" + req.mail_from +
                        ">\r\nDelivered-To: " + rcpt.address + "\r\n";
    bytes.reserve(bytes.size() + req.content->size());
    bytes += *req.content;
    auto written = WriteMaildirMessage(req.hop.dir, bytes);
    if (written.ok()) {
      result.recipients.push_back(
          {250, "250 2.0.0 Ok: delivered to maildir as " + *written});
    } else {
      log::Warn("maildir delivery of {} failed: {}", req.message_id,
                written.status().message());
      result.recipients.push_back(
          {451, "451 4.3.0 " + written.status().message()});
    }
  }
  task.done(std::move(result));
}

}  // namespace sealpost::queue
