#!/usr/bin/python3
"""The passphrase box vector of docs/format.md §8, from the format's text
alone: Argon2id from argon2-cffi (python3-argon2), AES-256-GCM from
python3-cryptography. Prints the hex lines the document and
passphrase_box_test.cc quote."""
import struct

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

passphrase = b"correct horse battery staple"
t, m, p = 2, 256, 1
salt = bytes(range(0x10, 0x20))
nonce = bytes(range(0xa0, 0xac))
plaintext = b"sealpost key backup test vector"

header = b"SPBX" + bytes([1]) + struct.pack(">III", t, m, p) + salt + nonce
key = hash_secret_raw(passphrase, salt, time_cost=t, memory_cost=m,
                      parallelism=p, hash_len=32, type=Type.ID, version=19)
box = header + AESGCM(key).encrypt(nonce, plaintext, header)
print("box_passphrase =", passphrase.decode())
print("box_argon2_key =", key.hex())
print("box_plaintext =", plaintext.hex())
print("box =", box.hex())
