// Protobuf messages assembled from bytes that are already serialized, so a
// reply made of stored records is sent without parsing and encoding each
// record again.
//
// On the wire a repeated message field is, per element, the field's tag
// (wire type 2, length-delimited), the element's length as a varint and the
// element's bytes. Fields may come in any order and a parser merges them, so
//
//   std::string out;
//   for (const std::string& body : stored) AppendMessageField(1, body, &out);
//   rest.AppendToString(&out);  // the reply's other fields, encoded as usual
//
// parses to the same message as filling field 1 with the parsed records and
// serializing the whole; with the repeated field the lowest-numbered one it
// is also byte for byte what protobuf itself would write.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dyad {

inline void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Appends `bytes`, one serialized message (or string), as an occurrence of
// field number `field` (1 to 2^29-1).
inline void AppendMessageField(int field, std::string_view bytes, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | 2, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

// What AppendMessageField adds for `size` bytes (to reserve before a loop).
inline size_t MessageFieldSize(int field, size_t size) {
  size_t n = 0;
  for (uint64_t v = (static_cast<uint64_t>(field) << 3) | 2; v >= 0x80; v >>= 7) ++n;
  for (uint64_t v = size; v >= 0x80; v >>= 7) ++n;
  return n + 2 + size;
}

// A reply whose repeated message field `field` holds `bodies` (serialized
// records, framed as they are) followed by `rest`, a message of the reply's
// type holding every other field. With `field` the reply's lowest-numbered
// field this is byte for byte what protobuf writes for the whole reply.
template <typename Message>
std::string FramedReply(int field, const std::vector<std::string>& bodies, const Message& rest) {
  size_t size = rest.ByteSizeLong();
  for (const std::string& body : bodies) size += MessageFieldSize(field, body.size());
  std::string out;
  out.reserve(size);
  for (const std::string& body : bodies) AppendMessageField(field, body, &out);
  rest.AppendToString(&out);
  return out;
}

}  // namespace dyad
