// The only native code in @flynn-ts/netlink: an AF_NETLINK socket, opened
// (optionally) inside a network namespace, with non-blocking send/recv bytes
// and a libuv readiness callback. Every message is built and parsed in
// TypeScript (src/wire, src/rtnl).
#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

static Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

// socket(2) in the namespace at `path`: setns on this (the opening) thread
// only, then straight back. Failing to return would leave the JS thread in the
// wrong namespace, so that aborts.
static int OpenIn(const char* path, int protocol, const char** failed) {
  int orig = -1, target = -1, fd = -1, err = 0;
  if (path != nullptr) {
    orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig < 0) { *failed = "open /proc/thread-self/ns/net"; return -1; }
    target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) { err = errno; close(orig); errno = err; *failed = "open netns"; return -1; }
    if (setns(target, CLONE_NEWNET) != 0) {
      err = errno; close(orig); close(target); errno = err; *failed = "setns"; return -1;
    }
  }
  fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  err = errno;
  if (path != nullptr) {
    if (setns(orig, CLONE_NEWNET) != 0) {
      fprintf(stderr, "flynn-netlink: cannot return to the original netns: %s\n", strerror(errno));
      abort();
    }
    close(orig);
    close(target);
  }
  if (fd < 0) { errno = err; *failed = "socket"; }
  return fd;
}

class Socket : public Napi::ObjectWrap<Socket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Socket", {
      InstanceMethod<&Socket::Send>("send"),
      InstanceMethod<&Socket::Recv>("recv"),
      InstanceMethod<&Socket::SetOption>("setOption"),
      InstanceMethod<&Socket::Poll>("poll"),
      InstanceMethod<&Socket::CloseJs>("close"),
      InstanceAccessor<&Socket::Pid>("pid"),
    });
  }

  // new Socket(protocol: number, netnsPath?: string)
  explicit Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
    Napi::Env env = info.Env();
    std::string path;
    bool inNs = info.Length() > 1 && info[1].IsString();
    if (inNs) path = info[1].As<Napi::String>().Utf8Value();
    const char* failed = "";
    fd_ = OpenIn(inNs ? path.c_str() : nullptr, info[0].As<Napi::Number>().Int32Value(), &failed);
    if (fd_ < 0) { ErrnoError(env, failed, errno).ThrowAsJavaScriptException(); return; }
    struct sockaddr_nl sa = {};
    sa.nl_family = AF_NETLINK;
    socklen_t len = sizeof(sa);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      int err = errno;
      Close();
      ErrnoError(env, "bind", err).ThrowAsJavaScriptException();
      return;
    }
    pid_ = sa.nl_pid;
  }

  ~Socket() { Close(); }

 private:
  int fd_ = -1;
  uint32_t pid_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onReadable_;

  bool Check(Napi::Env env) {
    if (fd_ >= 0) return true;
    ErrnoError(env, "netlink socket", EBADF).ThrowAsJavaScriptException();
    return false;
  }

  Napi::Value Pid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pid_); }

  // send(bytes: Uint8Array): number, to the kernel (port 0)
  Napi::Value Send(const Napi::CallbackInfo& info) {
    if (!Check(info.Env())) return info.Env().Undefined();
    auto buf = info[0].As<Napi::Uint8Array>();
    struct sockaddr_nl to = {};
    to.nl_family = AF_NETLINK;
    ssize_t n;
    do n = sendto(fd_, buf.Data(), buf.ByteLength(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    while (n < 0 && errno == EINTR);
    if (n < 0) { ErrnoError(info.Env(), "sendto", errno).ThrowAsJavaScriptException(); return info.Env().Undefined(); }
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  // recv(into: Uint8Array): number; -1 when nothing is queued; the datagram's
  // full length (MSG_TRUNC) when it did not fit
  Napi::Value Recv(const Napi::CallbackInfo& info) {
    if (!Check(info.Env())) return info.Env().Undefined();
    auto buf = info[0].As<Napi::Uint8Array>();
    ssize_t n;
    do n = recv(fd_, buf.Data(), buf.ByteLength(), MSG_TRUNC | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Napi::Number::New(info.Env(), -1);
    if (n < 0) { ErrnoError(info.Env(), "recv", errno).ThrowAsJavaScriptException(); return info.Env().Undefined(); }
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  // setOption(level: number, name: number, value: number): setsockopt with an int
  Napi::Value SetOption(const Napi::CallbackInfo& info) {
    if (!Check(info.Env())) return info.Env().Undefined();
    int value = info[2].As<Napi::Number>().Int32Value();
    if (setsockopt(fd_, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &value,
                   sizeof(value)) != 0)
      ErrnoError(info.Env(), "setsockopt", errno).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }

  // poll(onReadable: () => void) starts watching for readability; poll(null) stops
  // (an idle socket does not keep the event loop alive).
  Napi::Value Poll(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(env)) return env.Undefined();
    if (!info[0].IsFunction()) {
      if (poll_ != nullptr && !onReadable_.IsEmpty()) { uv_poll_stop(poll_); onReadable_.Reset(); Unref(); }
      return env.Undefined();
    }
    if (poll_ == nullptr) {
      uv_loop_t* loop = nullptr;
      napi_get_uv_event_loop(env, &loop);
      poll_ = new uv_poll_t;
      uv_poll_init(loop, poll_, fd_);
      poll_->data = this;
    }
    if (onReadable_.IsEmpty()) Ref();
    onReadable_ = Napi::Persistent(info[0].As<Napi::Function>());
    uv_poll_start(poll_, UV_READABLE, OnPoll);
    return env.Undefined();
  }

  static void OnPoll(uv_poll_t* handle, int status, int) {
    Socket* self = static_cast<Socket*>(handle->data);
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    if (self->onReadable_.IsEmpty()) return;
    self->onReadable_.MakeCallback(self->Value(), {Napi::Number::New(env, status)});
    if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }

  Napi::Value CloseJs(const Napi::CallbackInfo& info) {
    if (!onReadable_.IsEmpty()) { onReadable_.Reset(); Unref(); }
    Close();
    return info.Env().Undefined();
  }

  void Close() {
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) { close(fd_); fd_ = -1; }
  }
};

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Socket", Socket::Define(env));
  return exports;
}

NODE_API_MODULE(flynn_netlink, Init)
