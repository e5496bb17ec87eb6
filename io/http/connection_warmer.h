#pragma once
// No handshake in the chunk wave: TCP connections opened ahead of need to a plain-http host,
// handed to libcurl (CURLOPT_OPENSOCKETFUNCTION, already connected) when a transfer needs a new
// connection. Two moments:
// - The first burst to an address is completed to the host's opening allowance (the ramp's
//   first burst, http/transfer_scheduler.h): a few milliseconds after the first connect, as
//   many spare connections as the burst left unused. Opening a dataset reads five metadata
//   objects, then its levels' metadata and the header chunk (six for five levels): the spare is
//   connected by then, so the second wave pays no handshake either.
// - Once the first answer shows keep-alive, the client tops the pool up for the first chunk
//   wave while the rest of the metadata is read.
// Plain-http hosts, and https hosts once they have answered over HTTP/1.1 (S3, Azure Blob): their
// TCP connect is done ahead of need, the TLS handshake still when a transfer takes the socket.
// HTTPS hosts that speak HTTP/2 (GCS, nginx) carry a wave on one connection: nothing to warm.
// Internal to the HttpClient (its loop thread only, and libcurl callbacks on that thread).
#include <curl/curl.h>
#include <sys/socket.h>

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
  // Completes each address's first burst to `allowance` connections (0: off).
  void setFirstBurstAllowance(int allowance) { firstBurstAllowance_ = allowance; }
  // Opens the spares of the first bursts whose window has passed; returns how long until the
  // next one is due (or -1 when none is pending), for the loop's poll timeout.
  long completeFirstBursts(Clock::time_point now);
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
  void warm(const sockaddr* address, socklen_t length, int count);
  void countFirstBurst(const curl_sockaddr& address);

  std::map<std::string, std::deque<Pooled>> pool_;  // "ip port" -> sockets
  std::set<int> given_;                             // handed to libcurl, not yet configured
  struct FirstBurst {
    sockaddr_storage address{};
    socklen_t length = 0;
    int opened = 0;  // connections libcurl opened to it in the burst's window
    Clock::time_point due{};
  };
  std::map<std::string, FirstBurst> bursts_;  // first bursts still in their window
  std::set<std::string> seen_;                // addresses whose first burst has begun
  int firstBurstAllowance_ = 0;
  std::uint64_t handedOut_ = 0, opened_ = 0;
};

}  // namespace nz::http
