// One g_mime_init() for the whole module: it is not thread-safe, so every
// GMime entry point in src/mime calls InitGmime() first, and all share one
// std::once_flag.
#ifndef SEALPOST_MIME_GMIME_INIT_H_
#define SEALPOST_MIME_GMIME_INIT_H_

namespace sealpost::mime::internal {

void InitGmime();

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_GMIME_INIT_H_
