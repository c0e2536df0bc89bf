#include "crypto/revocation.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <ctime>
#include <memory>
#include <system_error>

#include "base/strings.h"
#include "crypto/asn1_time.h"
#include "crypto/host_lookup.h"

namespace sealpost::crypto {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using StorePtr =
    std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using OcspReqPtr =
    std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST, OCSP_REQUEST_free>>;
using OcspRespPtr =
    std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using OcspBasicPtr =
    std::unique_ptr<OCSP_BASICRESP,
                    Deleter<OCSP_BASICRESP, OCSP_BASICRESP_free>>;
using CertIdPtr =
    std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID, OCSP_CERTID_free>>;
void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr =
    std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeX509Stack>>;

X509Ptr ParseDer(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  return x;
}

std::string OpenSslReason(std::string_view fallback) {
  unsigned long e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string out = r != nullptr ? r : std::string(fallback);
  ERR_clear_error();
  return out;
}

// How long an OCSP answer without nextUpdate holds after its thisUpdate.
constexpr long kOcspMaxAgeSeconds = 7L * 24 * 3600;

bool IsHttpUrl(std::string_view url) {
  std::string scheme = AsciiLower(url.substr(0, 8));
  return scheme.starts_with("http://") || scheme == "https://";
}

using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
// OPENSSL_free is a macro (it passes the caller's file and line), so a
// function wraps it for Deleter.
void FreeOpenSslString(char* p) { OPENSSL_free(p); }
using OpenSslStringPtr =
    std::unique_ptr<char, Deleter<char, FreeOpenSslString>>;

// What the TLS step of an https:// fetch needs.
struct TlsTarget {
  SSL_CTX* ctx;
  const char* host;
  long verify = X509_V_OK;  // why the server's certificate was refused
};

// OSSL_HTTP_bio_cb_t: TLS over the connection OpenSSL's HTTP client made
// (as its own apps do), the server's certificate checked against the
// system's CAs and the URL's host name; undone on disconnect.
BIO* TlsOverConnection(BIO* bio, void* arg, int connect, int detail) {
  auto* target = static_cast<TlsTarget*>(arg);
  if (connect != 0 && detail != 0) {
    BIO* ssl_bio = BIO_new_ssl(target->ctx, 1);
    SSL* ssl = nullptr;
    if (ssl_bio == nullptr || BIO_get_ssl(ssl_bio, &ssl) <= 0 ||
        SSL_set_tlsext_host_name(ssl, target->host) != 1 ||
        SSL_set1_host(ssl, target->host) != 1) {
      BIO_free(ssl_bio);
      return nullptr;
    }
    return BIO_push(ssl_bio, bio);
  }
  if (connect == 0 && bio != nullptr && BIO_method_type(bio) == BIO_TYPE_SSL) {
    // No close_notify after a failed handshake: SSL_shutdown would put
    // "shutdown while in init" on the queue over the real reason
    // ("certificate verify failed").
    SSL* ssl = nullptr;
    if (BIO_get_ssl(bio, &ssl) > 0 && ssl != nullptr) {
      if (SSL_is_init_finished(ssl) != 0) {
        BIO_ssl_shutdown(bio);
      } else {
        target->verify = SSL_get_verify_result(ssl);
      }
    }
    BIO* next = BIO_pop(bio);
    BIO_free(bio);
    return next;
  }
  return bio;
}

SslCtxPtr NewClientTls() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return nullptr;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

// Calls `each(error, words)` for every error on this thread's queue,
// oldest first; `words` is the text it was raised with, null when none.
// The queue emptied.
template <class Each>
void DrainErrors(Each&& each) {
  const char* data = nullptr;
  int flags = 0;
  for (unsigned long e =
           ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
       e != 0;
       e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    const bool words =
        (flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0';
    each(e, words ? data : nullptr);
  }
}

// Why a connect failed: the system's words (errno) when OpenSSL's queue
// has them, else its first reason with the words it was raised with, else
// its last reason; the queue emptied. HttpFetch empties the queue before
// it connects, so these are this connect's errors.
std::string ConnectFailure() {
  std::string system, with_data, other;
  DrainErrors([&](unsigned long e, const char* data) {
    if (ERR_SYSTEM_ERROR(e)) {
      if (system.empty()) {
        system = std::error_code(ERR_GET_REASON(e), std::generic_category())
                     .message();
      }
      return;
    }
    const char* r = ERR_reason_error_string(e);
    if (r == nullptr) return;
    other = r;
    if (with_data.empty() && data != nullptr) with_data = other + ": " + data;
  });
  if (!system.empty()) return system;
  if (!with_data.empty()) return with_data;
  return other.empty() ? "cannot connect" : other;
}

// Why OSSL_HTTP_transfer failed: every reason on the queue, in order,
// each once, with the words it was raised with. A TLS failure's cause
// ("certificate verify failed" with the verify error) comes before the
// HTTP client's "error sending", which alone would hide it. The queue
// emptied.
std::string TransferFailure() {
  std::string out;
  DrainErrors([&](unsigned long e, const char* data) {
    const char* r = ERR_reason_error_string(e);
    if (r == nullptr) return;
    std::string one = r;
    if (data != nullptr) one += " (" + std::string(data) + ")";
    if (out.find(one) == std::string::npos) {
      out += (out.empty() ? "" : "; ") + one;
    }
  });
  return out.empty() ? "no answer" : out;
}

// A TCP connection to host:port made by us, not by OSSL_HTTP_transfer: its
// connect retries a refused connection until the timeout (BIO_do_connect_
// retry), so a host that says no would cost the whole per-request timeout.
// Here a refusal (or any other connect error) fails at once; only a host
// that does not answer waits, until `max_time`.
Result<BioPtr> Connect(const char* host, const char* port, time_t max_time) {
  BioPtr conn(BIO_new_connect(host));
  if (!conn || BIO_set_conn_port(conn.get(), port) <= 0) {
    ERR_clear_error();
    return InternalError("out of memory");
  }
  BIO_set_nbio(conn.get(), 1);
  for (;;) {
    if (BIO_do_connect(conn.get()) > 0) {
      ERR_clear_error();
      return conn;
    }
    if (!BIO_should_retry(conn.get())) {
      return UnavailableError(ConnectFailure());
    }
    errno = 0;
    int waited = BIO_wait(conn.get(), max_time, 100);
    if (waited < 0 && errno == EINTR && std::time(nullptr) < max_time) {
      ERR_clear_error();  // a signal, not the connection: wait on
      continue;
    }
    if (waited <= 0) {
      ERR_clear_error();
      return UnavailableError(waited == 0 ? "connect timeout"
                                          : "cannot wait for the connection");
    }
  }
}

// `host` looked up by `lookup` until `deadline` (an IP literal as it is),
// then a connection to its addresses (the first kMaxAddresses) in the
// resolver's order, the next one tried when one fails at once (as
// OpenSSL's own connect did), until the same `deadline`. With several
// addresses, the failure names the address ("192.0.2.1: Connection
// refused").
Result<BioPtr> LookUpAndConnect(const std::string& host,
                                const std::string& port,
                                std::chrono::steady_clock::time_point deadline,
                                GetAddrInfoFn lookup) {
  // OSSL_HTTP_parse_url keeps an IPv6 literal's brackets ("[::1]"), which
  // the lookup would take for a name.
  const bool bracketed =
      host.size() > 2 && host.front() == '[' && host.back() == ']';
  SP_ASSIGN_OR_RETURN(
      std::vector<std::string> addresses,
      LookUpHost(bracketed ? host.substr(1, host.size() - 2) : host, port,
                 deadline, lookup));
  // BIO_wait counts in wall-clock seconds: what is left of `deadline` once
  // the lookup is done, rounded up, so that a late answer leaves the
  // connect all the time there is and not a second less (none left: the
  // connect is tried once, not waited for).
  const auto left = deadline - std::chrono::steady_clock::now();
  const time_t max_time =
      std::time(nullptr) +
      std::max<time_t>(0,
                       std::chrono::ceil<std::chrono::seconds>(left).count());
  Status last = UnavailableError("cannot connect");
  for (const std::string& address : addresses) {
    // BIO_set_conn_hostname reads "host:port": an IPv6 address is
    // bracketed, so that its colons are not taken for a port.
    const bool v6 = address.find(':') != std::string::npos;
    auto conn = Connect((v6 ? "[" + address + "]" : address).c_str(),
                        port.c_str(), max_time);
    if (conn.ok()) return conn;
    last = addresses.size() == 1
               ? conn.status()
               : Status(conn.status().code(),
                        address + ": " + conn.status().message());
    if (std::time(nullptr) >= max_time) break;  // no time for another
  }
  return last;
}

}  // namespace

RevocationPointers RevocationPointersOf(std::string_view certificate_der) {
  RevocationPointers out;
  X509Ptr x = ParseDer(certificate_der);
  if (!x) return out;
  auto* dps = static_cast<STACK_OF(DIST_POINT)*>(
      X509_get_ext_d2i(x.get(), NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; dps != nullptr && i < sk_DIST_POINT_num(dps); ++i) {
    DIST_POINT* dp = sk_DIST_POINT_value(dps, i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
    GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
      if (gn->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
      std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
      if (IsHttpUrl(url)) out.crl_urls.push_back(std::move(url));
    }
  }
  sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
  STACK_OF(OPENSSL_STRING)* ocsp = X509_get1_ocsp(x.get());
  for (int i = 0; ocsp != nullptr && i < sk_OPENSSL_STRING_num(ocsp); ++i) {
    std::string url = sk_OPENSSL_STRING_value(ocsp, i);
    if (IsHttpUrl(url)) out.ocsp_urls.push_back(std::move(url));
  }
  X509_email_free(ocsp);
  ERR_clear_error();
  return out;
}

std::string IssuerAmong(std::string_view certificate_der,
                        const std::vector<std::string>& candidates) {
  X509Ptr x = ParseDer(certificate_der);
  if (!x) return "";
  for (const auto& der : candidates) {
    X509Ptr ca = ParseDer(der);
    if (ca && X509_check_issued(ca.get(), x.get()) == X509_V_OK &&
        X509_verify(x.get(), X509_get0_pubkey(ca.get())) == 1) {
      ERR_clear_error();
      return der;
    }
  }
  ERR_clear_error();
  return "";
}

Result<std::string> HttpFetch(const std::string& url, std::string_view body,
                              const std::string& content_type, size_t max_bytes,
                              int timeout_seconds, GetAddrInfoFn lookup) {
  ERR_clear_error();  // errors left by others are not this fetch's
  if (!IsHttpUrl(url)) {
    return UnavailableError("only http:// and https:// are fetched: " + url);
  }
  char* raw_host = nullptr;
  char* raw_port = nullptr;
  char* raw_path = nullptr;
  int use_ssl = 0;
  const int parsed =
      OSSL_HTTP_parse_url(url.c_str(), &use_ssl, nullptr, &raw_host, &raw_port,
                          nullptr, &raw_path, nullptr, nullptr);
  // Owned from here on, whichever way this returns.
  const OpenSslStringPtr host(raw_host);
  const OpenSslStringPtr port(raw_port);
  const OpenSslStringPtr path(raw_path);
  if (parsed != 1) {
    ERR_clear_error();
    return UnavailableError("not a usable URL: " + url);
  }
  BioPtr request;
  if (!body.empty()) {
    request.reset(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
  }
  SslCtxPtr tls;
  TlsTarget target{nullptr, host.get()};
  if (use_ssl != 0) {
    tls = NewClientTls();
    if (!tls) {
      return UnavailableError("cannot set up TLS for " + url + ": " +
                              OpenSslReason("no TLS"));
    }
    target.ctx = tls.get();
  }
  // Connected here, so no proxy from the environment either: these fetches
  // go where a trusted CA said, and nowhere else. The deadline covers the
  // host name lookup (on a helper thread, left to itself at the deadline:
  // a resolver that hangs cannot hold the message), the connect and the
  // transfer.
  const int timeout = std::max(timeout_seconds, 1);
  const auto started = std::chrono::steady_clock::now();
  auto conn = LookUpAndConnect(host.get(), port.get(),
                               started + std::chrono::seconds(timeout), lookup);
  if (!conn.ok()) {
    // The code kept: RESOURCE_EXHAUSTED (too many lookups at once) is a
    // limit of ours, not a failure of this URL.
    return Status(conn.status().code(),
                  "cannot fetch " + url + ": " + conn.status().message());
  }
  // Redirects are not followed by this call. `conn` stays ours (closed
  // after OSSL_HTTP_close has taken TLS off it). What the lookup and the
  // connect took is off the timeout; none left is a timeout (0 would mean
  // no limit to OSSL_HTTP_transfer).
  const auto left_ms = std::chrono::milliseconds(timeout * 1000L) -
                       std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started);
  // In whole seconds, rounded up: OSSL_HTTP_transfer counts in seconds.
  const long left = (left_ms.count() + 999) / 1000;
  if (left_ms.count() <= 0) {
    return UnavailableError("cannot fetch " + url + ": connect timeout");
  }
  OSSL_HTTP_REQ_CTX* rctx = nullptr;
  BioPtr response(OSSL_HTTP_transfer(
      &rctx, host.get(), port.get(), path.get(), use_ssl, nullptr, nullptr,
      conn->get(), nullptr, use_ssl != 0 ? TlsOverConnection : nullptr,
      use_ssl != 0 ? &target : nullptr, 0, nullptr,
      body.empty() ? nullptr : content_type.c_str(), request.get(), nullptr, 1,
      max_bytes, static_cast<int>(left), 0));
  if (rctx != nullptr) OSSL_HTTP_close(rctx, response != nullptr);
  if (!response) {
    std::string why = TransferFailure();
    if (target.verify != X509_V_OK) {  // which check refused it, with it
      const std::string failed = "certificate verify failed";
      const std::string reason = X509_verify_cert_error_string(target.verify);
      size_t at = why.find(failed);
      if (at == std::string::npos) {
        why += "; " + failed + ": " + reason;
      } else {
        why.insert(at + failed.size(), ": " + reason);
      }
    }
    return UnavailableError("cannot fetch " + url + ": " + why);
  }
  std::string out;
  char buf[16384];
  for (;;) {
    int n = BIO_read(response.get(), buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ERR_clear_error();
      return UnavailableError(url + " answered more than " +
                              std::to_string(max_bytes) + " bytes");
    }
  }
  ERR_clear_error();
  return out;
}

Result<std::string> MakeOcspRequest(std::string_view certificate_der,
                                    std::string_view issuer_der) {
  X509Ptr x = ParseDer(certificate_der);
  X509Ptr issuer = ParseDer(issuer_der);
  if (!x || !issuer) return InvalidArgumentError("not a certificate");
  OcspReqPtr req(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), x.get(), issuer.get());
  if (!req || id == nullptr || OCSP_request_add0_id(req.get(), id) == nullptr) {
    OCSP_CERTID_free(id);
    return InternalError("cannot make an OCSP request: " +
                         OpenSslReason("out of memory"));
  }
  if (OCSP_request_add1_nonce(req.get(), nullptr, -1) != 1) {
    return InternalError("cannot add an OCSP nonce");
  }
  int n = i2d_OCSP_REQUEST(req.get(), nullptr);
  if (n <= 0) return InternalError("cannot encode the OCSP request");
  std::string der(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_OCSP_REQUEST(req.get(), &p);
  return der;
}

Result<OcspAnswer> CheckOcspResponse(std::string_view response_der,
                                     std::string_view request_der,
                                     std::string_view certificate_der,
                                     std::string_view issuer_der) {
  X509Ptr x = ParseDer(certificate_der);
  X509Ptr issuer = ParseDer(issuer_der);
  if (!x || !issuer) return InvalidArgumentError("not a certificate");
  if (response_der.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("the OCSP response is too large");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(response_der.data());
  OcspRespPtr resp(
      d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response_der.size())));
  if (!resp) {
    ERR_clear_error();
    return InvalidArgumentError("not an OCSP response");
  }
  int rs = OCSP_response_status(resp.get());
  if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return InvalidArgumentError(std::string("the responder says ") +
                                OCSP_response_status_str(rs));
  }
  OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
  const auto* q = reinterpret_cast<const unsigned char*>(request_der.data());
  OcspReqPtr req(
      d2i_OCSP_REQUEST(nullptr, &q, static_cast<long>(request_der.size())));
  if (!basic || !req) {
    ERR_clear_error();
    return InvalidArgumentError("not a basic OCSP response");
  }
  // 1: the nonce echoed; -1: the responder sends none (many precompute
  // their answers). 0: another request's answer, replayed.
  if (OCSP_check_nonce(req.get(), basic.get()) == 0) {
    return InvalidArgumentError("the OCSP response's nonce is not ours");
  }
  // The signer must be the issuer, or a responder the issuer certified for
  // OCSP signing: the issuer is the only trust anchor here.
  StorePtr store(X509_STORE_new());
  X509StackPtr certs(sk_X509_new_null());
  if (!store || !certs || X509_STORE_add_cert(store.get(), issuer.get()) != 1) {
    return InternalError("out of memory");
  }
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  X509_up_ref(issuer.get());
  sk_X509_push(certs.get(), issuer.get());
  if (OCSP_basic_verify(basic.get(), certs.get(), store.get(), 0) != 1) {
    return InvalidArgumentError(
        "the OCSP response is not signed by the issuer or its responder (" +
        OpenSslReason("bad signature") + ")");
  }
  CertIdPtr id(OCSP_cert_to_id(EVP_sha1(), x.get(), issuer.get()));
  int status = 0, reason = 0;
  ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr,
                       *next_update = nullptr;
  if (!id ||
      OCSP_resp_find_status(basic.get(), id.get(), &status, &reason,
                            &revoked_at, &this_update, &next_update) != 1) {
    ERR_clear_error();
    return InvalidArgumentError(
        "the OCSP response is not about this "
        "certificate");
  }
  // Without a nextUpdate the responder does not say how long its answer
  // holds: taken for kOcspMaxAgeSeconds after its thisUpdate, so that an
  // old `good` replayed over plain HTTP after the revocation is not (with
  // a nonce the responder echoes this cannot happen, without one it can).
  if (OCSP_check_validity(this_update, next_update, 300,
                          next_update == nullptr ? kOcspMaxAgeSeconds : -1) !=
      1) {
    ERR_clear_error();
    return InvalidArgumentError("the OCSP response is out of date");
  }
  OcspAnswer out;
  out.next_update = UnixOf(next_update);
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      out.status = OcspAnswer::Status::kGood;
      break;
    case V_OCSP_CERTSTATUS_REVOKED: {
      out.status = OcspAnswer::Status::kRevoked;
      int64_t at = UnixOf(revoked_at);
      char date[32] = {};
      time_t t = static_cast<time_t>(at);
      struct tm tm {};
      gmtime_r(&t, &tm);
      std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
      out.reason = std::string("revoked on ") + date;
      break;
    }
    default:
      out.status = OcspAnswer::Status::kUnknown;
      out.reason = "the responder does not know the certificate";
  }
  return out;
}

}  // namespace sealpost::crypto
