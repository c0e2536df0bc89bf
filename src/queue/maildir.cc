#include "queue/maildir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>

#include "base/files.h"
#include "base/log.h"

namespace sealpost::queue {
namespace {

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return errno == ENOSPC ? ResourceExhaustedError("disk full")
                             : InternalError("maildir write failed");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

std::atomic<uint64_t> g_sequence{0};

}  // namespace

Status PrepareMaildir(const std::string& dir) {
  for (const char* sub : {"tmp", "new", "cur"}) {
    SP_RETURN_IF_ERROR(MakeDirs(dir + "/" + sub, 0700));
  }
  return Status::Ok();
}

namespace {

std::string MaildirName();

}  // namespace

Result<std::string> WriteMaildirMessage(const std::string& dir,
                                        std::string_view bytes) {
  std::string name = MaildirName();
  SP_RETURN_IF_ERROR(WriteAndRename(dir + "/tmp/" + name, dir + "/new/" + name,
                                    bytes, 0600, /*exclusive=*/true));
  return name;
}

namespace {

// A delivery's file written a slice at a time (issue 14: a large message
// is not held whole), fsynced, then renamed into new/ (maildir(5)); the
// temporary file goes on any error.
Result<std::string> WriteMaildirStreamed(const std::string& dir,
                                         std::string_view fields,
                                         const DeliveryRequest& req) {
  std::string name = MaildirName();
  const std::string tmp = dir + "/tmp/" + name;
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("maildir: cannot create " + tmp);
  auto written = [&]() -> Status {
    SP_RETURN_IF_ERROR(WriteAll(fd, fields));
    SP_ASSIGN_OR_RETURN(auto reader, OpenContent(req));
    std::string slice;
    for (;;) {
      slice.clear();
      SP_ASSIGN_OR_RETURN(bool more, reader->Next(&slice));
      SP_RETURN_IF_ERROR(WriteAll(fd, slice));
      if (!more) break;
    }
    if (fsync(fd) != 0) return InternalError("maildir: fsync failed");
    return Status::Ok();
  }();
  close(fd);
  if (written.ok() &&
      rename(tmp.c_str(), (dir + "/new/" + name).c_str()) != 0) {
    written = InternalError("maildir: rename failed");
  }
  if (!written.ok()) {
    unlink(tmp.c_str());
    return written;
  }
  return name;
}

std::string MaildirName() {
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
  return name;
}

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
    std::string fields = "Return-Path: <" + req.mail_from +
                         ">\r\nDelivered-To: " + rcpt.address + "\r\n";
    auto written = WriteMaildirStreamed(req.hop.dir, fields, req);
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
