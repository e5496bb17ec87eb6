#include "doctor/network_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace nz::doctor {

namespace {

// A connected socket (closed on scope exit), or -1 with `error` set.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

bool connectWithTimeout(Socket& s, const std::string& address, int port, double timeout,
                        std::string& error) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    error = "not a numeric address: " + address;
    return false;
  }
  s.fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s.fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    return false;
  }
  pollfd p{s.fd, POLLOUT, 0};
  const int r = ::poll(&p, 1, static_cast<int>(timeout * 1000));
  if (r == 0) {
    error = "no answer within " + std::to_string(static_cast<int>(timeout)) + " s (timed out)";
    return false;
  }
  int soError = 0;
  socklen_t sl = sizeof soError;
  ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &soError, &sl);
  if (r < 0 || soError != 0) {
    error = std::strerror(r < 0 ? errno : soError);
    return false;
  }
  // Blocking from here (the TLS handshake uses socket timeouts).
  ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{static_cast<time_t>(timeout), 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return true;
}

std::string x509Name(X509_NAME* name) {
  if (!name) return "?";
  char buf[256];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

std::string asn1Time(const ASN1_TIME* t) {
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || !t) return "?";
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

std::optional<Endpoint> parseEndpoint(const std::string& url) {
  Endpoint e;
  const auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  e.scheme = url.substr(0, sep);
  if (e.scheme != "http" && e.scheme != "https") return std::nullopt;
  std::string authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos)
    authority = authority.substr(at + 1);
  e.port = e.scheme == "https" ? 443 : 80;
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    e.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      e.port = std::atoi(authority.c_str() + close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    e.host = authority.substr(0, colon);
    e.port = std::atoi(authority.c_str() + colon + 1);
  } else {
    e.host = authority;
  }
  if (e.host.empty() || e.port <= 0 || e.port > 65535) return std::nullopt;
  return e;
}

ProbeResult resolveHost(const Endpoint& e, std::vector<std::string>& addresses) {
  ProbeResult r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(e.host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    r.error = "cannot resolve " + e.host + ": " + ::gai_strerror(rc);
    return r;
  }
  std::vector<std::string> v4, v6;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET)
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, buf, sizeof buf);
    else if (a->ai_family == AF_INET6)
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, buf,
                  sizeof buf);
    else
      continue;
    auto& list = a->ai_family == AF_INET ? v4 : v6;
    if (std::find(list.begin(), list.end(), buf) == list.end()) list.push_back(buf);
  }
  ::freeaddrinfo(res);
  addresses = v4;
  addresses.insert(addresses.end(), v6.begin(), v6.end());
  if (addresses.empty()) {
    r.error = "no address for " + e.host;
    return r;
  }
  std::string all;
  for (const auto& a : addresses) all += (all.empty() ? "" : ", ") + a;
  r.ok = true;
  r.lines.push_back(e.host + " -> " + all);
  return r;
}

ProbeResult connectTcp(const Endpoint& e, const std::string& address, double timeoutSeconds) {
  ProbeResult r;
  Socket s;
  std::string error;
  if (!connectWithTimeout(s, address, e.port, timeoutSeconds, error)) {
    r.error = "cannot connect to " + address + " port " + std::to_string(e.port) + ": " + error;
    return r;
  }
  r.ok = true;
  r.lines.push_back("connected to " + address + " port " + std::to_string(e.port));
  return r;
}

ProbeResult tlsHandshake(const Endpoint& e, const std::string& address, const std::string& caFile,
                         bool insecure, double timeoutSeconds) {
  ProbeResult r;
  Socket s;
  std::string error;
  if (!connectWithTimeout(s, address, e.port, timeoutSeconds, error)) {
    r.error = "cannot connect for TLS: " + error;
    return r;
  }
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) {
    r.error = "OpenSSL cannot create a TLS context";
    return r;
  }
  if (!caFile.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), caFile.c_str(), nullptr) != 1) {
      r.error = "cannot read the CA bundle " + caFile;
      return r;
    }
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // judged below, after the handshake
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), &SSL_free);
  SSL_set_fd(ssl.get(), s.fd);
  SSL_set_tlsext_host_name(ssl.get(), e.host.c_str());
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  in_addr probe4;
  in6_addr probe6;
  if (::inet_pton(AF_INET, e.host.c_str(), &probe4) == 1 ||
      ::inet_pton(AF_INET6, e.host.c_str(), &probe6) == 1)
    X509_VERIFY_PARAM_set1_ip_asc(param, e.host.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, e.host.c_str(), 0);
  if (SSL_connect(ssl.get()) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    r.error = "TLS handshake with " + e.host + " failed: " + buf;
    return r;
  }
  r.lines.push_back(std::string("TLS ") + SSL_get_version(ssl.get()) + ", " +
                    SSL_get_cipher_name(ssl.get()));
  if (X509* cert = SSL_get1_peer_certificate(ssl.get())) {
    r.lines.push_back("certificate: " + x509Name(X509_get_subject_name(cert)) + ", issued by " +
                      x509Name(X509_get_issuer_name(cert)) + ", valid until " +
                      asn1Time(X509_get0_notAfter(cert)));
    X509_free(cert);
  }
  const long verify = SSL_get_verify_result(ssl.get());
  if (verify != X509_V_OK) {
    const std::string why = X509_verify_cert_error_string(verify);
    if (insecure) {
      r.lines.push_back("certificate NOT trusted (" + why + "), accepted because of --insecure");
    } else {
      r.error = "certificate problem: " + why;
      return r;
    }
  } else {
    r.lines.push_back(
        "certificate chain and host name verified" +
        (caFile.empty() ? std::string(" (system CA store)") : " (CA " + caFile + ")"));
  }
  SSL_shutdown(ssl.get());
  r.ok = true;
  return r;
}

}  // namespace nz::doctor
