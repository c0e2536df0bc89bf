#include "store/body_store.h"

namespace sealpost::store {

BodyStore* BodyStoreOf(QueueStore& store) {
  auto* bodies = dynamic_cast<BodyStore*>(&store);
  // SQLite in memory (tests) has no directory for body files.
  if (bodies == nullptr || !store.StagesBodies(SIZE_MAX)) return nullptr;
  return bodies;
}

}  // namespace sealpost::store
