#include "net/client_key.h"

#include <boost/asio/ip/address.hpp>

namespace sealpost::net {

namespace asio = boost::asio;

std::string ClientKey(std::string_view address) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(address), ec);
  if (ec) return std::string(address);
  if (addr.is_v4()) return addr.to_string();
  asio::ip::address_v6 v6 = addr.to_v6();
  if (v6.is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string();
  }
  asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  for (size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

bool IsLoopbackAddress(std::string_view address) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(address), ec);
  if (ec) return false;
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6())
        .is_loopback();
  }
  return addr.is_loopback();
}

}  // namespace sealpost::net
