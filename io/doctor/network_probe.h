#pragma once
// The network steps of the connection doctor, each on its own so a failure names its layer:
// name resolution (getaddrinfo), a TCP connect with a timeout, a TLS handshake that verifies the
// certificate chain and host name with the same CA settings as the HTTP client (certificate
// problems named by OpenSSL: expired, self-signed, unknown issuer, wrong host), and the server's
// clock from the Date header of an unauthenticated request.
#include <optional>
#include <string>
#include <vector>

namespace nz::doctor {

struct Endpoint {
  std::string scheme;  // "http" | "https"
  std::string host;
  int port = 0;
};
// From "https://host[:port][/...]"; nullopt when it is not an http(s) URL.
std::optional<Endpoint> parseEndpoint(const std::string& url);

struct ProbeResult {
  bool ok = false;
  std::vector<std::string> lines;  // findings
  std::string error;               // when !ok
};

// Resolves host; `addresses` gets the numeric addresses (IPv4 first).
ProbeResult resolveHost(const Endpoint& e, std::vector<std::string>& addresses);
ProbeResult connectTcp(const Endpoint& e, const std::string& address, double timeoutSeconds);
// caFile: --cacert or CURL_CA_BUNDLE/SSL_CERT_FILE (empty: the system store).
ProbeResult tlsHandshake(const Endpoint& e, const std::string& address, const std::string& caFile,
                         bool insecure, double timeoutSeconds);

}  // namespace nz::doctor
