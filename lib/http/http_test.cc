#include "lib/http/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace stowage::http {
namespace {

using ::testing::HasSubstr;

// A tiny HTTP/1.0 server on 127.0.0.1: one thread per connection, answers
// from `route` (the request path in, the whole response out).
class TestServer {
 public:
  explicit TestServer(std::function<std::string(const std::string&)> route)
      : route_(std::move(route)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    accepter_ = std::thread([this] { Accept(); });
  }
  ~TestServer() {
    stop_ = true;
    accepter_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : connections_) t.join();
    close(fd_);
  }

  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  void Accept() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      connections_.emplace_back([this, c] { Serve(c); });
    }
  }

  void Serve(int c) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    size_t start = request.find(' ') + 1;
    std::string path = request.substr(start, request.find(' ', start) - start);
    std::string response = route_(path);
    send(c, response.data(), response.size(), MSG_NOSIGNAL);
    close(c);
  }

  std::function<std::string(const std::string&)> route_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accepter_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
};

std::string Response(int status, const std::string& headers, const std::string& body) {
  return absl::StrCat("HTTP/1.0 ", status, " X\r\n", headers, "Content-Length: ", body.size(),
                      "\r\n\r\n", body);
}

std::string Route(const std::string& path) {
  if (path == "/ok") return Response(200, "", "hello");
  if (path == "/empty") return Response(204, "", "");
  if (path == "/missing") return Response(404, "", "no");
  if (path == "/gone") return Response(410, "", "no");
  if (path == "/forbidden") return Response(403, "", "no");
  if (path == "/busy") return Response(503, "", "later");
  if (path == "/teapot") return Response(418, "", "tea");
  if (path == "/redirect") return Response(302, "Location: /ok\r\n", "");
  if (path == "/redirect-missing") return Response(301, "Location: /missing\r\n", "");
  if (path == "/loop") return Response(302, "Location: /loop\r\n", "");
  if (path == "/to-file") return Response(302, "Location: file:///etc/hostname\r\n", "");
  if (path == "/big") return Response(200, "", std::string(2000, 'x'));
  if (path == "/big-unannounced") {
    return absl::StrCat("HTTP/1.0 200 OK\r\n\r\n", std::string(2000, 'x'));
  }
  if (path == "/slow") {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return Response(200, "", "late");
  }
  return Response(500, "", "unrouted");
}

// A port nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(HttpGetTest, Bodies) {
  TestServer server(Route);
  struct Case {
    std::string path;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"/ok", "hello"},
      {"/empty", ""},
      {"/redirect", "hello"},  // followed
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> body = Get(server.Url(c.path), {});
    ASSERT_TRUE(body.ok()) << c.path << ": " << body.status();
    EXPECT_EQ(*body, c.body) << c.path;
  }
}

TEST(HttpGetTest, Errors) {
  TestServer server(Route);
  GetOptions small;
  small.max_bytes = 1000;
  GetOptions quick;
  quick.timeout = absl::Milliseconds(300);
  GetOptions few;
  few.max_redirects = 3;
  const std::string refused = absl::StrCat("http://127.0.0.1:", ClosedPort(), "/x");
  struct Case {
    std::string url;
    GetOptions options;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {server.Url("/missing"), {}, absl::StatusCode::kNotFound,
       "GET " + server.Url("/missing") + ": HTTP 404"},
      {server.Url("/gone"), {}, absl::StatusCode::kNotFound, ": HTTP 410"},
      {server.Url("/redirect-missing"), {}, absl::StatusCode::kNotFound,
       ": HTTP 404 from " + server.Url("/missing")},
      {server.Url("/forbidden"), {}, absl::StatusCode::kPermissionDenied, ": HTTP 403"},
      {server.Url("/busy"), {}, absl::StatusCode::kUnavailable, ": HTTP 503"},
      {server.Url("/teapot"), {}, absl::StatusCode::kFailedPrecondition, ": HTTP 418"},
      {server.Url("/loop"), few, absl::StatusCode::kFailedPrecondition,
       "GET " + server.Url("/loop") + ": "},
      {server.Url("/to-file"), {}, absl::StatusCode::kInvalidArgument,
       "only http:// and https:// URLs are fetched"},
      {server.Url("/big"), small, absl::StatusCode::kResourceExhausted,
       ": larger than 1000 bytes"},
      {server.Url("/big-unannounced"), small, absl::StatusCode::kResourceExhausted,
       ": larger than 1000 bytes"},
      {server.Url("/slow"), quick, absl::StatusCode::kDeadlineExceeded,
       "GET " + server.Url("/slow") + ": "},
      {refused, {}, absl::StatusCode::kUnavailable, "GET " + refused + ": "},
      {"file:///etc/hostname", {}, absl::StatusCode::kInvalidArgument,
       "GET file:///etc/hostname: "},
      {"ftp://127.0.0.1/x", {}, absl::StatusCode::kInvalidArgument, "GET ftp://127.0.0.1/x: "},
      {"http://", {}, absl::StatusCode::kInvalidArgument, "GET http://: "},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> body = Get(c.url, c.options);
    ASSERT_FALSE(body.ok()) << c.url;
    EXPECT_EQ(body.status().code(), c.code) << c.url << ": " << body.status();
    EXPECT_THAT(std::string(body.status().message()), HasSubstr(c.message)) << c.url;
  }
}

TEST(HttpGetTest, ConcurrentCalls) {
  TestServer server(Route);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<std::string> body = Get(server.Url("/ok"), {});
      if (body.ok() && *body == "hello") ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

}  // namespace
}  // namespace stowage::http
