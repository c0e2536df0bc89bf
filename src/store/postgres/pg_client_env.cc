#include "store/postgres/pg_client_env.h"

#include <libpq-fe.h>

#include <map>
#include <memory>

#include "store/postgres/pg_conn.h"

namespace sealpost::store {

Result<std::vector<std::string>> LibpqEnvironment(
    const PostgresOptions& options) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(options.url.c_str(), &error), &PQconninfoFree);
  if (parsed == nullptr) {
    // libpq's message may quote the faulty part, which can be the password:
    // not repeated.
    PQfreemem(error);
    return InvalidArgumentError(
        "store.url is not a libpq URL or conninfo string");
  }
  std::map<std::string, std::string> variable_of;
  {
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(
        PQconndefaults(), &PQconninfoFree);
    if (defaults == nullptr) return InternalError("libpq: out of memory");
    for (const PQconninfoOption* d = defaults.get(); d->keyword != nullptr;
         ++d) {
      if (d->envvar != nullptr) variable_of[d->keyword] = d->envvar;
    }
  }
  std::vector<std::string> out;
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    std::string keyword = o->keyword;
    if (keyword == "password" && !options.password.empty()) continue;
    auto it = variable_of.find(keyword);
    if (it == variable_of.end()) {
      return InvalidArgumentError("store.url: option '" + keyword +
                                  "' has no libpq environment variable, so "
                                  "it cannot be handed to pg_dump");
    }
    out.push_back(it->second + "=" + o->val);
  }
  if (!options.password.empty()) {
    out.push_back("PGPASSWORD=" + options.password);
  }
  return out;
}

Result<int64_t> CountPostgresTables(const PostgresOptions& options) {
  SP_ASSIGN_OR_RETURN(auto conn,
                      internal::PgConnect(options.url, options.password));
  return conn->QueryInt(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
      "current_schema()");
}

}  // namespace sealpost::store
