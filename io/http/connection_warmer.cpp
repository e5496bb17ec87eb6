#include "http/connection_warmer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nz::http {

namespace {

// A pooled connection unused for this long is closed rather than handed out (servers drop
// connections that never send a request: nginx after client_header_timeout, 60 s).
constexpr auto kMaxIdle = std::chrono::seconds(10);
// How long a first burst gathers its transfers (a caller submits a wave one request at a time)
// before its spares are opened: far below any wide-area round trip.
constexpr auto kFirstBurstWindow = std::chrono::milliseconds(5);

std::string keyOf(const sockaddr* sa) {
  char ip[INET6_ADDRSTRLEN] = {};
  long port = 0;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
    port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
    port = ntohs(in6->sin6_port);
  } else {
    return {};
  }
  return std::string(ip) + " " + std::to_string(port);
}

// Connected, no error, and the peer has not closed it (nothing readable yet: a server speaks
// only after a request).
enum class State { Connecting, Ready, Dead };
State stateOf(int fd) {
  pollfd p{fd, static_cast<short>(POLLOUT | POLLIN), 0};
  if (poll(&p, 1, 0) < 0) return State::Dead;
  if (p.revents & (POLLERR | POLLHUP | POLLIN)) return State::Dead;
  if (!(p.revents & POLLOUT)) return State::Connecting;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return State::Dead;
  return State::Ready;
}

}  // namespace

ConnectionWarmer::~ConnectionWarmer() {
  for (auto& [key, q] : pool_)
    for (auto& p : q) ::close(p.fd);
}

void ConnectionWarmer::warm(const std::string& ip, long port, int count) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *in;
  } else if (inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof *in6;
  } else {
    return;
  }
  warm(reinterpret_cast<sockaddr*>(&ss), len, count);
}

void ConnectionWarmer::warm(const sockaddr* address, socklen_t length, int count) {
  const std::string key = keyOf(address);
  if (key.empty()) return;
  auto& q = pool_[key];
  while (static_cast<int>(q.size()) < count) {
    const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
      ::close(fd);
      return;
    }
    q.push_back({fd, Clock::now()});
    ++opened_;
  }
}

void ConnectionWarmer::countFirstBurst(const curl_sockaddr& address) {
  if (firstBurstAllowance_ <= 0) return;
  const std::string key = keyOf(&address.addr);
  if (key.empty() || address.addrlen > sizeof(sockaddr_storage)) return;
  // An address already warmed (an https host after its HTTP/1.1 answer) has had its first burst.
  if (pool_.count(key)) return;
  if (seen_.insert(key).second) {
    FirstBurst& b = bursts_[key];
    std::memcpy(&b.address, &address.addr, address.addrlen);
    b.length = address.addrlen;
    b.due = Clock::now() + kFirstBurstWindow;
  }
  if (auto it = bursts_.find(key); it != bursts_.end()) ++it->second.opened;
}

long ConnectionWarmer::completeFirstBursts(Clock::time_point now) {
  long untilNext = -1;
  for (auto it = bursts_.begin(); it != bursts_.end();) {
    if (it->second.due > now) {
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(it->second.due - now).count();
      untilNext =
          untilNext < 0 ? static_cast<long>(ms) : std::min(untilNext, static_cast<long>(ms));
      ++it;
      continue;
    }
    const FirstBurst& b = it->second;
    warm(reinterpret_cast<const sockaddr*>(&b.address), b.length, firstBurstAllowance_ - b.opened);
    it = bursts_.erase(it);
  }
  return untilNext;
}

int ConnectionWarmer::take(const curl_sockaddr& address) {
  auto it = pool_.find(keyOf(&address.addr));
  if (it == pool_.end()) return -1;
  auto& q = it->second;
  const auto now = Clock::now();
  for (auto p = q.begin(); p != q.end();) {
    const State s = now - p->since > kMaxIdle ? State::Dead : stateOf(p->fd);
    if (s == State::Connecting) {
      ++p;
      continue;
    }
    const int fd = p->fd;
    p = q.erase(p);
    if (s == State::Dead) {
      ::close(fd);
      continue;
    }
    return fd;
  }
  return -1;
}

curl_socket_t ConnectionWarmer::openSocket(void* self, curlsocktype purpose,
                                           curl_sockaddr* address) {
  auto* w = static_cast<ConnectionWarmer*>(self);
  if (purpose == CURLSOCKTYPE_IPCXN && address->socktype == SOCK_STREAM) {
    const int fd = w->take(*address);
    if (fd >= 0) {
      w->given_.insert(fd);
      ++w->handedOut_;
      return fd;
    }
    w->countFirstBurst(*address);
  }
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

int ConnectionWarmer::sockopt(void* self, curl_socket_t fd, curlsocktype) {
  auto* w = static_cast<ConnectionWarmer*>(self);
  return w->given_.erase(fd) ? CURL_SOCKOPT_ALREADY_CONNECTED : CURL_SOCKOPT_OK;
}

void ConnectionWarmer::attach(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &ConnectionWarmer::openSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, &ConnectionWarmer::sockopt);
  curl_easy_setopt(easy, CURLOPT_SOCKOPTDATA, this);
}

}  // namespace nz::http
