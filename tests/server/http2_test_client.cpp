#include "http2_test_client.h"

#include <algorithm>

namespace hcbench::test {

namespace {

Http2Client& self(void* user) {
  return *static_cast<Http2Client*>(user);
}

std::string_view view(const std::uint8_t* data, std::size_t length) {
  return {reinterpret_cast<const char*>(data), length};
}

nghttp2_nv nv(const std::string& name, const std::string& value) {
  return {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
          const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
          name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

struct Callbacks {
  static int header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                    std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                    std::uint8_t, void* user) {
    self(user).responses[frame->hd.stream_id].headers[std::string(view(name, name_length))] =
        view(value, value_length);
    return 0;
  }
  static int data(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t* d,
                  std::size_t length, void* user) {
    self(user).responses[stream_id].body += view(d, length);
    return 0;
  }
  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Client& client = self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      client.goaway = true;
      client.goaway_code = frame->goaway.error_code;
      client.goaway_last_stream = frame->goaway.last_stream_id;
    } else if (frame->hd.type == NGHTTP2_RST_STREAM) {
      Http2Response& response = client.responses[frame->hd.stream_id];
      response.reset = true;
      response.reset_code = frame->rst_stream.error_code;
    }
    return 0;
  }
  static int stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user) {
    self(user).responses[stream_id].closed = true;
    return 0;
  }
};

ssize_t read_request_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                          std::uint32_t* flags, nghttp2_data_source* source, void*) {
  auto& body = *static_cast<std::string*>(source->ptr);
  const std::size_t n = std::min(length, body.size());
  std::copy_n(body.data(), n, buf);
  body.erase(0, n);
  if (body.empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

void put32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

} // namespace

Http2Client::Http2Client(std::vector<nghttp2_settings_entry> settings) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, Callbacks::header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, Callbacks::data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, Callbacks::frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, Callbacks::stream_close);
  nghttp2_session_client_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  bodies_.reserve(1024); // stable addresses for the data sources
}

Http2Client::~Http2Client() {
  nghttp2_session_del(session_);
}

std::int32_t Http2Client::request(std::string_view method, std::string_view path,
                                  std::vector<std::pair<std::string, std::string>> extra,
                                  std::string_view body, bool hold_body) {
  std::vector<std::pair<std::string, std::string>> fields = {{":method", std::string(method)},
                                                             {":scheme", "http"},
                                                             {":authority", "127.0.0.1"},
                                                             {":path", std::string(path)}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  std::vector<nghttp2_nv> nva;
  for (const auto& [name, value] : fields) nva.push_back(nv(name, value));
  nghttp2_data_provider provider{};
  if (hold_body) {
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t*, std::size_t,
                                std::uint32_t*, nghttp2_data_source*,
                                void*) -> ssize_t { return NGHTTP2_ERR_DEFERRED; };
  } else if (!body.empty()) {
    bodies_.emplace_back(body);
    provider.source.ptr = &bodies_.back();
    provider.read_callback = read_request_body;
  }
  const bool has_body = hold_body || !body.empty();
  const std::int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                                 has_body ? &provider : nullptr, nullptr);
  responses[id];
  return id;
}

std::string Http2Client::pending() {
  std::string out;
  for (;;) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out += view(data, static_cast<std::size_t>(n));
  }
  return out;
}

bool Http2Client::receive(std::string_view bytes) {
  return nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                  bytes.size()) >= 0;
}

std::string take(OutputQueue& out) {
  std::string bytes;
  out.for_each([&](std::string_view piece) { bytes += piece; });
  out.clear();
  return bytes;
}

Http2Session::Status exchange(Http2Client& client, Http2Session& session, OutputQueue& out,
                              std::size_t chunk, int max_rounds) {
  Http2Session::Status status = Http2Session::Status::open;
  for (int round = 0; round < max_rounds; ++round) {
    const std::string to_server = client.pending();
    for (std::size_t at = 0; at < to_server.size() && status == Http2Session::Status::open;
         at += chunk) {
      const std::string_view piece = std::string_view(to_server).substr(at, chunk);
      status = session.feed({piece.data(), piece.size()}, out);
    }
    if (status == Http2Session::Status::open && session.wants_write())
      status = session.produce(out);
    const std::string to_client = take(out);
    if (!to_client.empty()) client.receive(to_client);
    if (status == Http2Session::Status::close) break;
    if (to_server.empty() && to_client.empty()) break;
  }
  return status;
}

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id,
                  std::string_view payload) {
  std::string out;
  const auto length = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<char>(length >> 16));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  put32(out, stream_id & 0x7fffffff);
  out += payload;
  return out;
}

std::string request_block(std::string_view path) {
  // :method GET (static 2), :scheme http (static 6), then literals without indexing:
  // :authority x (name: static 1), :path (name: static 4).
  std::string block = "\x82\x86\x01\x01x\x04";
  block.push_back(static_cast<char>(path.size()));
  block += path;
  return block;
}

std::string client_preface() {
  return std::string(NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN) +
         frame(NGHTTP2_SETTINGS, 0, 0);
}

std::vector<RawFrame> split_frames(std::string_view bytes) {
  std::vector<RawFrame> frames;
  while (bytes.size() >= 9) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
    const std::size_t length = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    if (bytes.size() < 9 + length) break;
    const std::uint32_t id =
        ((byte(5) << 24) | (byte(6) << 16) | (byte(7) << 8) | byte(8)) & 0x7fffffff;
    frames.push_back({byte(3), byte(4), id, std::string(bytes.substr(9, length))});
    bytes.remove_prefix(9 + length);
  }
  return frames;
}

std::map<std::uint32_t, std::map<std::string, std::string>> decode_headers(std::string_view bytes) {
  std::map<std::uint32_t, std::map<std::string, std::string>> out;
  nghttp2_hd_inflater* inflater = nullptr;
  nghttp2_hd_inflate_new(&inflater);
  for (const RawFrame& f : split_frames(bytes)) {
    if (f.type != NGHTTP2_HEADERS)
      continue; // the server sends no padding, priority or CONTINUATION
    auto* in = reinterpret_cast<const std::uint8_t*>(f.payload.data());
    std::size_t left = f.payload.size();
    for (;;) {
      nghttp2_nv nv;
      int flags = 0;
      const auto used = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, left, 1);
      if (used < 0) break;
      in += used;
      left -= static_cast<std::size_t>(used);
      if (flags & NGHTTP2_HD_INFLATE_EMIT) {
        out[f.stream_id][std::string(view(nv.name, nv.namelen))] = view(nv.value, nv.valuelen);
      }
      if (flags & NGHTTP2_HD_INFLATE_FINAL) {
        nghttp2_hd_inflate_end_headers(inflater);
        break;
      }
      if (used == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT)) break;
    }
  }
  nghttp2_hd_inflate_del(inflater);
  return out;
}

std::int64_t goaway_code(std::string_view bytes) {
  for (const RawFrame& f : split_frames(bytes)) {
    if (f.type != NGHTTP2_GOAWAY || f.payload.size() < 8) continue;
    std::uint32_t code = 0;
    for (int i = 4; i < 8; ++i) code = (code << 8) | static_cast<std::uint8_t>(f.payload[i]);
    return code;
  }
  return -1;
}

} // namespace hcbench::test
