#include "portal/qr_svg.h"

#include <qrencode.h>

#include <memory>

#include "portal/sanitize.h"

namespace sealpost::portal {
namespace {

constexpr int kQuietZone = 4;

}  // namespace

Result<std::string> QrSvg(std::string_view text, std::string_view label) {
  std::string data(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeData(static_cast<int>(data.size()),
                        reinterpret_cast<const unsigned char*>(data.data()), 0,
                        QR_ECLEVEL_M),
      &QRcode_free);
  if (qr == nullptr) return InternalError("the QR code could not be made");
  const int width = qr->width;
  const int size = width + 2 * kQuietZone;
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each byte is the module's colour (1: dark).
      if ((qr->data[y * width + x] & 1) == 0) continue;
      path += 'M' + std::to_string(x + kQuietZone) + ' ' +
              std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  std::string n = std::to_string(size);
  std::string escaped;
  AppendHtmlEscaped(escaped, label);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 "
         "0 " +
         n + " " + n + "\" width=\"" + std::to_string(size * 5) +
         "\" height=\"" + std::to_string(size * 5) +
         "\" role=\"img\" aria-label=\"" + escaped +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + n +
         "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace sealpost::portal
