/* The Dyad plugin ABI: the only thing a plugin and its host share besides
 * the generated proto library (dyad_proto).
 *
 * A plugin is a shared library exporting one C function,
 *
 *   const DyadPlugin* dyad_plugin_entry(void);
 *
 * whose struct says which ABI it speaks and points to functions whose inputs
 * and outputs are serialized protobuf messages of dyad.plugin.v1 (like
 * protoc's plugins), so no C++ object crosses between separately built
 * binaries.
 *
 * Versioning: the host refuses a plugin whose abi_major differs from its own
 * or whose abi_minor is newer than its own. Minor versions only append fields
 * to DyadPlugin; struct_size tells the host which fields exist.
 *
 * Memory: every DyadBytes a plugin fills is released by the same plugin's
 * free_bytes. C++ exceptions never cross the boundary. */
#ifndef DYAD_PLUGIN_SDK_DYAD_PLUGIN_H_
#define DYAD_PLUGIN_SDK_DYAD_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DYAD_PLUGIN_ABI_MAJOR 1
#define DYAD_PLUGIN_ABI_MINOR 0
#define DYAD_PLUGIN_ENTRY_SYMBOL "dyad_plugin_entry"

/* A byte buffer owned by the plugin that filled it. */
typedef struct DyadBytes {
  uint8_t* data;
  size_t size;
} DyadBytes;

/* Results of the function pointers below. On DYAD_PLUGIN_ERROR the output
 * buffer holds a UTF-8 message instead of a message. */
enum {
  DYAD_PLUGIN_OK = 0,
  DYAD_PLUGIN_ERROR = 1,
};

typedef struct DyadPlugin {
  /* sizeof(DyadPlugin) as the plugin was built. */
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  /* Unique name, [a-z0-9_]+, and version. Static strings. */
  const char* name;
  const char* version;
  /* SHA-256 (hex) of the .proto schema the plugin was built against. */
  const char* schema_fingerprint;
  /* Fills *out with a serialized dyad.plugin.v1.Manifest. */
  int (*manifest)(DyadBytes* out);
  /* Fills *out with a serialized dyad.plugin.v1.DataBundle. */
  int (*bundle)(DyadBytes* out);
  /* Runs a hook: request is a serialized dyad.plugin.v1.HookRequest; fills
   * *out with a serialized dyad.plugin.v1.HookResponse. */
  int (*call_hook)(const uint8_t* request, size_t request_size, DyadBytes* out);
  /* Releases a buffer this plugin filled. */
  void (*free_bytes)(DyadBytes* bytes);
} DyadPlugin;

typedef const DyadPlugin* (*DyadPluginEntryFn)(void);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* DYAD_PLUGIN_SDK_DYAD_PLUGIN_H_ */
