// `sealpost backup`, `sealpost restore` and `sealpost rms export-key|
// import-key`: copies of the store and of the keys, made on the server's
// machine from its files (docs/operations.md "Backup and restore"), or for
// a PostgreSQL store with PostgreSQL's pg_dump and pg_restore. None of
// them goes through the API: the master key never crosses the network.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>

#include "base/files.h"
#include "cli/cli.h"
#include "cli/local_config.h"
#include "crypto/errors.h"
#include "license/key_backup.h"
#include "license/key_service.h"
#include "queue/queue.h"
#include "server/server.h"
#include "store/postgres/pg_client_env.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace sealpost::cli {
namespace {

struct KeyArgs {
  LocalOptions local;
  std::string file;  // --out (export) or the positional FILE (import)
  std::string passphrase_file;
};

int ExportKey(const KeyArgs& a) {
  const std::string what = "rms export-key";
  auto paths = ResolveLocalPaths(a.local, /*postgres_ok=*/true);
  if (!paths.ok()) return LocalFailure(what, paths.status());
  auto master = license::LoadMasterKey(paths->master_key_file, false);
  if (!master.ok()) return LocalFailure(what, master.status());
  std::vector<store::OrgKeyRecord> org_keys;
  if (paths->config.store_engine == "postgres") {
    // No migrations, as below: the nodes may run an older binary.
    auto options = server::PostgresOptionsOf(paths->config);
    if (!options.ok()) return LocalFailure(what, options.status());
    options->pool_size = 1;
    auto store = store::PostgresStore::Open(*options, SystemClock::Get(),
                                            /*migrations=*/{});
    if (!store.ok()) return LocalFailure(what, store.status());
    auto records = license::ListOrgKeyRecords(**store);
    if (!records.ok()) return LocalFailure(what, records.status());
    org_keys = std::move(*records);
  } else if (FileExists(paths->database)) {
    // No migrations: the server may be running, possibly an older binary
    // than this one (after a package upgrade, before its restart).
    auto store = store::SqliteStore::Open(paths->database, SystemClock::Get(),
                                          /*migrations=*/{});
    if (!store.ok()) return LocalFailure(what, store.status());
    auto records = license::ListOrgKeyRecords(**store);
    if (!records.ok()) return LocalFailure(what, records.status());
    org_keys = std::move(*records);
  }
  if (FileExists(a.file)) {
    return LocalFailure(
        what, AlreadyExistsError(a.file + " exists; not overwritten"));
  }
  auto passphrase = ReadPassphrase(a.passphrase_file, true);
  if (!passphrase.ok()) return LocalFailure(what, passphrase.status());
  auto sealed = license::SealKeyBackup(*master, org_keys, *passphrase);
  if (!sealed.ok()) return LocalFailure(what, sealed.status());
  if (Status s = WriteFileExclusive(a.file, *sealed, 0600); !s.ok()) {
    return LocalFailure(what, s);
  }
  std::cout << "Wrote " << a.file << ": master key "
            << license::FingerprintText(master->fingerprint()) << " and "
            << org_keys.size()
            << " org key version(s), sealed under the passphrase.\n"
            << "Keep the file and the passphrase in different places.\n";
  return kExitOk;
}

// The master key a store's blobs name (org keys, queue content key), if any.
Result<std::optional<uint32_t>> StoreFingerprint(store::Store& store) {
  SP_ASSIGN_OR_RETURN(auto queue_blob, queue::StoredContentKey(store));
  if (queue_blob.has_value()) {
    auto id = crypto::Aead::CiphertextKeyId(*queue_blob);
    if (id.ok()) return std::optional<uint32_t>(*id);
  }
  return std::optional<uint32_t>();
}

int ImportKey(const KeyArgs& a) {
  const std::string what = "rms import-key";
  auto paths = ResolveLocalPaths(a.local);
  if (!paths.ok()) return LocalFailure(what, paths.status());
  auto file = ReadFile(a.file);
  if (!file.ok()) return LocalFailure(what, file.status());
  auto passphrase = ReadPassphrase(a.passphrase_file, false);
  if (!passphrase.ok()) return LocalFailure(what, passphrase.status());
  auto backup = license::OpenKeyBackup(*file, *passphrase);
  if (!backup.ok()) {
    if (crypto::IsDecryptionFailed(backup.status())) {
      return LocalFailure(
          what, InvalidArgumentError("wrong passphrase, or " + a.file +
                                     " is damaged (nothing was written)"));
    }
    return LocalFailure(what, backup.status());
  }
  const std::string fp = license::FingerprintText(backup->master.fingerprint());

  // Everything is checked before anything is written.
  bool key_in_place = false;
  auto existing = license::LoadMasterKey(paths->master_key_file, false);
  if (existing.ok()) {
    if (existing->fingerprint() != backup->master.fingerprint()) {
      return LocalFailure(
          what, AlreadyExistsError(
                    paths->master_key_file + " holds another master key (" +
                    license::FingerprintText(existing->fingerprint()) +
                    ", the backup's is " + fp + "); not overwritten"));
    }
    key_in_place = true;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return LocalFailure(what, existing.status());
  }
  if (Status s = MakeDirs(paths->data_dir); !s.ok()) {
    return LocalFailure(what, s);
  }
  auto store = store::OpenSqliteStore(paths->database, SystemClock::Get());
  if (!store.ok()) return LocalFailure(what, store.status());
  auto stored = license::ListOrgKeyRecords(**store);
  if (!stored.ok()) return LocalFailure(what, stored.status());
  auto store_fp = StoreFingerprint(**store);
  if (!store_fp.ok()) return LocalFailure(what, store_fp.status());
  if (!license::CheckOrgKeysOpen(backup->master, *stored).ok() ||
      (store_fp->has_value() && **store_fp != backup->master.fingerprint())) {
    return LocalFailure(
        what, FailedPreconditionError(
                  "the store in " + paths->data_dir +
                  " holds keys wrapped under another master key than the "
                  "backup's (" +
                  fp + "); nothing was written"));
  }
  std::vector<store::OrgKeyRecord> missing;
  for (const auto& k : backup->org_keys) {
    bool have = false;
    for (const auto& s : *stored) have |= s.version == k.version;
    if (!have) missing.push_back(k);
  }

  if (!key_in_place) {
    Status s = WriteFileExclusive(paths->master_key_file,
                                  backup->master.EncodeInsecure() + "\n", 0600);
    if (!s.ok()) return LocalFailure(what, s);
  }
  for (const auto& k : missing) {
    if (Status s = license::AddOrgKeyRecord(**store, k); !s.ok()) {
      return LocalFailure(what, s);
    }
  }
  std::cout << "Master key " << fp
            << (key_in_place ? " was already in " : " written to ")
            << paths->master_key_file << " (0600); " << missing.size()
            << " org key version(s) added to the store ("
            << backup->org_keys.size() << " in the backup).\n";
  return kExitOk;
}

struct BackupArgs {
  LocalOptions local;
  std::string dir;
};

// A PostgreSQL store's dump in a backup directory (pg_dump's custom format).
constexpr std::string_view kPgDumpName = "sealpost.pgdump";

// Runs `argv` (argv[0] looked up in PATH) with this process's environment
// but for the variables `env` sets, which it adds: the store's connection,
// its password included, never on a command line. Its output and errors go
// to ours.
Status RunPgTool(const std::vector<std::string>& argv,
                 const std::vector<std::string>& env) {
  std::set<std::string> set_here;
  for (const std::string& e : env) set_here.insert(e.substr(0, e.find('=')));
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!set_here.contains(std::string(entry.substr(0, entry.find('='))))) {
      envp.push_back(*e);
    }
  }
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc =
      posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
  if (rc != 0) {
    return UnavailableError(argv[0] + ": " + std::strerror(rc) +
                            " (install PostgreSQL's client programs, "
                            "Debian's postgresql-client)");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return InternalError("waitpid: " + std::string(std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError(argv[0] + " failed (its message is above)");
  }
  return Status::Ok();
}

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return InternalError("open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    return InternalError("fsync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

// pg_dump of the store into DIR/sealpost.pgdump: written under a temporary
// name, fsynced, then renamed, so a file of that name is a whole dump.
int BackupPostgres(const LocalPaths& paths, const std::string& dir) {
  const std::string what = "backup";
  auto options = server::PostgresOptionsOf(paths.config);
  if (!options.ok()) return LocalFailure(what, options.status());
  auto env = store::LibpqEnvironment(*options);
  if (!env.ok()) return LocalFailure(what, env.status());
  const std::string dest = dir + "/" + std::string(kPgDumpName);
  const std::string tmp = dest + ".tmp";
  std::remove(tmp.c_str());
  // --no-password: a missing password is an error, never a prompt (cron).
  Status dumped = RunPgTool(
      {"pg_dump", "--format=custom", "--no-password", "--file=" + tmp}, *env);
  if (dumped.ok()) dumped = FsyncPath(tmp, O_RDONLY);
  if (dumped.ok() && std::rename(tmp.c_str(), dest.c_str()) != 0) {
    dumped = InternalError("rename " + tmp + ": " + std::strerror(errno));
  }
  if (dumped.ok()) dumped = FsyncPath(dir, O_RDONLY | O_DIRECTORY);
  if (!dumped.ok()) {
    std::remove(tmp.c_str());
    return LocalFailure(what, dumped);
  }
  struct stat st {};
  ::stat(dest.c_str(), &st);
  std::cout << "Dumped the PostgreSQL store to " << dest << " (" << st.st_size
            << " bytes, pg_dump custom format).\n"
            << "It holds no key: keep a key backup too (`sealpost rms "
               "export-key` on a node).\n";
  return kExitOk;
}

// pg_restore of DIR/sealpost.pgdump into the store's database, which must
// be empty; in one transaction, so a failure leaves it empty.
int RestorePostgres(const LocalPaths& paths, const std::string& dir) {
  const std::string what = "restore";
  const std::string dump = dir + "/" + std::string(kPgDumpName);
  if (!FileExists(dump)) {
    return LocalFailure(
        what,
        NotFoundError(dump + " is missing (a PostgreSQL store restores "
                             "from `sealpost backup` of one; a SQLite "
                             "copy moves with `sealpost store migrate`)"));
  }
  auto options = server::PostgresOptionsOf(paths.config);
  if (!options.ok()) return LocalFailure(what, options.status());
  auto tables = store::CountPostgresTables(*options);
  if (!tables.ok()) return LocalFailure(what, tables.status());
  if (*tables > 0) {
    return LocalFailure(
        what, AlreadyExistsError("the database of store.url has " +
                                 std::to_string(*tables) +
                                 " tables; not overwritten (restore into "
                                 "an empty database)"));
  }
  auto env = store::LibpqEnvironment(*options);
  if (!env.ok()) return LocalFailure(what, env.status());
  std::string database;
  for (const std::string& e : *env) {
    if (e.starts_with("PGDATABASE=")) database = e.substr(11);
  }
  // pg_restore connects only when given --dbname; the name alone (no
  // secret) and the rest from the environment. Objects are owned by the
  // store's user, whoever owned them in the dumped database.
  std::vector<std::string> argv = {"pg_restore",           "--format=custom",
                                   "--single-transaction", "--exit-on-error",
                                   "--no-owner",           "--no-privileges",
                                   "--no-password"};
  argv.push_back("--dbname=" + database);
  argv.push_back(dump);
  if (Status s = RunPgTool(argv, *env); !s.ok()) {
    return LocalFailure(what, s);
  }
  std::cout << "Restored " << dump << " into the PostgreSQL store.\n";
  if (!FileExists(paths.master_key_file)) {
    std::cout << "Next: `sealpost rms import-key KEY-BACKUP` puts its master "
                 "key in "
              << paths.master_key_file << " (on every node).\n";
  }
  return kExitOk;
}

int Backup(const BackupArgs& a) {
  const std::string what = "backup";
  auto paths = ResolveLocalPaths(a.local, /*postgres_ok=*/true);
  if (!paths.ok()) return LocalFailure(what, paths.status());
  if (Status s = MakeDirs(a.dir); !s.ok()) return LocalFailure(what, s);
  if (paths->config.store_engine == "postgres") {
    return BackupPostgres(*paths, a.dir);
  }
  const std::string dest = a.dir + "/sealpost.db";
  auto info = store::CopySqliteDatabase(paths->database, dest);
  if (!info.ok()) return LocalFailure(what, info.status());
  std::cout << "Copied the store to " << dest << " (" << info->bytes
            << " bytes, schema version " << info->schema_version << ").\n"
            << "It holds no key: keep a key backup too (`sealpost rms "
               "export-key`).\n";
  return kExitOk;
}

int Restore(const BackupArgs& a) {
  const std::string what = "restore";
  auto paths = ResolveLocalPaths(a.local, /*postgres_ok=*/true);
  if (!paths.ok()) return LocalFailure(what, paths.status());
  if (paths->config.store_engine == "postgres") {
    return RestorePostgres(*paths, a.dir);
  }
  for (const char* suffix : {"", "-wal", "-journal"}) {
    if (FileExists(paths->database + suffix)) {
      return LocalFailure(
          what, AlreadyExistsError(paths->database + suffix +
                                   " exists; not overwritten (restore into "
                                   "an empty data directory)"));
    }
  }
  if (Status s = MakeDirs(paths->data_dir); !s.ok()) {
    return LocalFailure(what, s);
  }
  auto info =
      store::CopySqliteDatabase(a.dir + "/sealpost.db", paths->database);
  if (!info.ok()) return LocalFailure(what, info.status());
  std::cout << "Restored the store into " << paths->database
            << " (schema version " << info->schema_version << ").\n";
  if (!FileExists(paths->master_key_file)) {
    std::cout << "Next: `sealpost rms import-key KEY-BACKUP` puts its master "
                 "key in "
              << paths->master_key_file << ".\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterKeyBackup(CLI::App* rms, Globals& g) {
  auto* export_cmd = rms->add_subcommand(
      "export-key",
      "Write the master key and the org keys to a file sealed under a "
      "passphrase (Argon2id + AES-256-GCM), from the server's own files");
  auto& ex = RunWithArgs<KeyArgs>(export_cmd, g, ExportKey);
  export_cmd->add_option("--out", ex.file, "The backup file to write")
      ->required();
  export_cmd->add_option(
      "--passphrase-file", ex.passphrase_file,
      "File whose first line is the passphrase (else SEALPOST_PASSPHRASE "
      "or a prompt); at least 12 characters");
  AddLocalOptions(export_cmd, ex.local);

  auto* import_cmd = rms->add_subcommand(
      "import-key",
      "Restore the master key and the org keys from an export-key file into "
      "this node's key file and store (server stopped)");
  auto& im = RunWithArgs<KeyArgs>(import_cmd, g, ImportKey);
  import_cmd->add_option("file", im.file, "The export-key file")->required();
  import_cmd->add_option("--passphrase-file", im.passphrase_file,
                         "File whose first line is the passphrase (else "
                         "SEALPOST_PASSPHRASE or a prompt)");
  AddLocalOptions(import_cmd, im.local);
}

void RegisterBackup(CLI::App& app, Globals& g) {
  auto* backup = app.add_subcommand(
      "backup",
      "Copy the store consistently while the server runs: SQLite's online "
      "backup into DIR/sealpost.db, or for PostgreSQL pg_dump into "
      "DIR/sealpost.pgdump; keys are not included");
  auto& b = RunWithArgs<BackupArgs>(backup, g, Backup);
  backup->add_option("--out", b.dir, "Directory for the copy")->required();
  AddLocalOptions(backup, b.local);

  auto* restore = app.add_subcommand(
      "restore",
      "Put a `sealpost backup` copy into an empty data directory, or for "
      "PostgreSQL an empty database (pg_restore; servers stopped); then "
      "`sealpost rms import-key`");
  auto& r = RunWithArgs<BackupArgs>(restore, g, Restore);
  restore->add_option("dir", r.dir, "Directory written by `sealpost backup`")
      ->required();
  AddLocalOptions(restore, r.local);
}

}  // namespace sealpost::cli
