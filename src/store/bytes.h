// Bytes{field}: marks a record field that travels as a BLOB (PostgreSQL:
// bytea) rather than text, for the engines' helpers that bind a row's values
// or read its columns in order (Stmt::BindAll and Stmt::ReadInto in SQLite,
// PgParams::Of and PgResult::ReadInto in PostgreSQL). A reader or writer
// then names each field once, with no column number to keep in step.
//
// Thread-safety: a Bytes refers to its field; it lives for one call.
#ifndef SEALPOST_STORE_BYTES_H_
#define SEALPOST_STORE_BYTES_H_

namespace sealpost::store::internal {

template <typename Field>
struct Bytes {
  // Not owned: the record's field, which outlives the call it is passed to.
  Field& field;
};
template <typename Field>
Bytes(Field&) -> Bytes<Field>;

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_BYTES_H_
