#include "base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "base/json_quote.h"

namespace sealpost::log {
namespace {

// Writes one JSON object per line: {"ts":..,"level":..,"msg":..}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                    msg.time.time_since_epoch())
                    .count();
    fmt::format_to(std::back_inserter(dest), R"({{"ts_ms":{},"level":")", secs);
    auto lvl = spdlog::level::to_string_view(msg.level);
    dest.append(lvl.data(), lvl.data() + lvl.size());
    static constexpr std::string_view kMsg = R"(","msg":)";
    dest.append(kMsg.data(), kMsg.data() + kMsg.size());
    const std::string text =
        JsonQuote(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
    static constexpr std::string_view kEnd = "}\n";
    dest.append(kEnd.data(), kEnd.data() + kEnd.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> MakeLogger(Format format, Level level) {
  auto logger = std::make_shared<spdlog::logger>(
      "sealpost", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == Format::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(ToSpd(level));
  logger->flush_on(spdlog::level::info);
  return logger;
}

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger =
      MakeLogger(Format::kText, Level::kInfo);
  return logger;
}

}  // namespace

Result<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return InvalidArgumentError("log level must be debug, info, warn or error");
}

Result<Format> ParseFormat(std::string_view s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  return InvalidArgumentError("log format must be text or json");
}

void Init(Format format, Level level) {
  std::atomic_store(&Logger(), MakeLogger(format, level));
}

void Write(Level level, std::string_view message) {
  auto logger = std::atomic_load(&Logger());
  logger->log(ToSpd(level), "{}", message);
}

}  // namespace sealpost::log
