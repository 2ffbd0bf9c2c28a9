// Servers that end-to-end tests start and stop: nginx, Apache, Caddy,
// the reference registry, dockerd, containerd.

#ifndef STOWAGE_TESTS_HARNESS_DAEMON_H_
#define STOWAGE_TESTS_HARNESS_DAEMON_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace stowage::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// True once something accepts connections on 127.0.0.1:port, waiting up to
// `seconds`.
bool WaitForPort(int port, double seconds);
// True once `path` exists (a unix socket, a pid file), waiting up to `seconds`.
bool WaitForFile(const std::string& path, double seconds);

// A child process in its own process group, with stdout and stderr in
// `log`. Stopped (SIGTERM, then SIGKILL after 10 s) on destruction.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& argv, const std::string& log,
         const std::vector<std::string>& env = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  bool running() const;
  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }
  // The log's content, for failure messages.
  std::string LogText() const;
  void Stop();

 private:
  pid_t pid_ = -1;
  std::string log_;
};

}  // namespace stowage::testing

#endif  // STOWAGE_TESTS_HARNESS_DAEMON_H_
