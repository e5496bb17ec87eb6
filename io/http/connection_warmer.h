#pragma once
// No handshake in the chunk wave: TCP connections opened ahead of need to a plain-http host that
// keeps connections alive, handed to libcurl (CURLOPT_OPENSOCKETFUNCTION, already connected) when
// a transfer needs a new connection. The client warms a host once its first answer shows
// keep-alive, while the rest of the metadata is read, so the first chunk wave starts on
// connections whose handshake is already done. (HTTPS hosts speak HTTP/2 where offered: one
// connection, many streams; their TLS handshake is not warmed here.)
// Internal to the HttpClient (its loop thread only, and libcurl callbacks on that thread).
#include <curl/curl.h>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "http/transfer.h"

namespace nz::http {

class ConnectionWarmer {
 public:
  ConnectionWarmer() = default;
  ~ConnectionWarmer();
  ConnectionWarmer(const ConnectionWarmer&) = delete;
  ConnectionWarmer& operator=(const ConnectionWarmer&) = delete;

  // Starts non-blocking connects to ip:port until `count` are pooled for it.
  void warm(const std::string& ip, long port, int count);
  // Installs the socket callbacks on an easy handle.
  void attach(CURL* easy);

  std::uint64_t handedOut() const { return handedOut_; }
  std::uint64_t opened() const { return opened_; }

 private:
  struct Pooled {
    int fd = -1;
    Clock::time_point since{};
  };
  static curl_socket_t openSocket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int sockopt(void* self, curl_socket_t fd, curlsocktype purpose);
  int take(const curl_sockaddr& address);  // a connected pooled socket for it, or -1

  std::map<std::string, std::deque<Pooled>> pool_;  // "ip port" -> sockets
  std::set<int> given_;                             // handed to libcurl, not yet configured
  std::uint64_t handedOut_ = 0, opened_ = 0;
};

}  // namespace nz::http
