#!/usr/bin/env python3
"""Makes the ID token vectors in tokens.json for src/portal/oidc_test.cc.

Keys and signatures come from python3-cryptography, never from Sealpost's own
code (STYLE.md §8). The vectors are fixed: the test verifies them "at" NOW.
Run again to regenerate (new keys each time; the test reads only the JSON):

    python3 tests/data/oidc/make_tokens.py > tests/data/oidc/tokens.json
"""
import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

NOW = 1_800_000_000
ISSUER = "https://accounts.example.test"
CLIENT_ID = "sealpost-portal"
NONCE = "n-0S6_WzA2Mj"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def rsa_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64u(uint(pub.n)), "e": b64u(uint(pub.e))}


def ec_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
            "x": b64u(pub.x.to_bytes(32, "big")),
            "y": b64u(pub.y.to_bytes(32, "big"))}


def signing_input(header, claims):
    return (b64u(json.dumps(header).encode()) + "." +
            b64u(json.dumps(claims).encode()))


def rs256(key, header, claims):
    si = signing_input(header, claims)
    sig = key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
    return si + "." + b64u(sig)


def es256(key, header, claims):
    si = signing_input(header, claims)
    r, s = decode_dss_signature(key.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
    return si + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def claims(**over):
    c = {"iss": ISSUER, "sub": "248289761001", "aud": CLIENT_ID,
         "exp": NOW + 600, "iat": NOW - 5, "nonce": NONCE,
         "email": "ext@gmail.test", "email_verified": True}
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def main():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    weak_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks = {"keys": [rsa_jwk(rsa_key, "rsa1"), ec_jwk(ec_key, "ec1"),
                     dict(rsa_jwk(weak_rsa, "weak"), alg="RS256")]}
    rs = {"alg": "RS256", "kid": "rsa1", "typ": "JWT"}
    es = {"alg": "ES256", "kid": "ec1"}

    good = rs256(rsa_key, rs, claims())
    head, body, sig = good.split(".")
    flipped = bytearray(base64.urlsafe_b64decode(sig + "=="))
    flipped[-1] ^= 1

    # HS256 with the RSA public key (PEM) as the HMAC secret: the classic
    # algorithm-confusion attack.
    pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_si = signing_input({"alg": "HS256", "kid": "rsa1"}, claims())
    hs = hs_si + "." + b64u(hmac.new(pem, hs_si.encode(), hashlib.sha256).digest())

    cases = [
        # name, token, ok, email, email_verified
        ("good_rs256", good, True, "ext@gmail.test", True),
        ("good_es256", es256(ec_key, es, claims()), True, "ext@gmail.test", True),
        ("bad_signature", head + "." + body + "." + b64u(bytes(flipped)),
         False, "", False),
        ("signed_by_other_key", rs256(other_rsa, rs, claims()), False, "", False),
        ("alg_none", signing_input({"alg": "none", "kid": "rsa1"}, claims()) + ".",
         False, "", False),
        ("hs256_public_key_as_secret", hs, False, "", False),
        ("wrong_iss", rs256(rsa_key, rs, claims(iss="https://evil.test")),
         False, "", False),
        ("wrong_aud", rs256(rsa_key, rs, claims(aud="someone-else")),
         False, "", False),
        ("aud_list_with_azp", rs256(rsa_key, rs, claims(
            aud=["other", CLIENT_ID], azp=CLIENT_ID)), True, "ext@gmail.test", True),
        ("aud_list_without_azp", rs256(rsa_key, rs, claims(
            aud=["other", CLIENT_ID])), False, "", False),
        ("azp_other_client", rs256(rsa_key, rs, claims(azp="other")),
         False, "", False),
        ("expired", rs256(rsa_key, rs, claims(exp=NOW - 61, iat=NOW - 700)),
         False, "", False),
        ("expired_within_leeway", rs256(rsa_key, rs, claims(
            exp=NOW - 30, iat=NOW - 700)), True, "ext@gmail.test", True),
        ("no_exp", rs256(rsa_key, rs, claims(exp=None)), False, "", False),
        ("iat_far_future", rs256(rsa_key, rs, claims(
            iat=NOW + 3600, exp=NOW + 7200)), False, "", False),
        ("wrong_nonce", rs256(rsa_key, rs, claims(nonce="other-nonce")),
         False, "", False),
        ("no_nonce", rs256(rsa_key, rs, claims(nonce=None)), False, "", False),
        ("unknown_kid", rs256(rsa_key, dict(rs, kid="rotated"), claims()),
         False, "", False),
        ("es256_header_rsa_kid", es256(ec_key, {"alg": "ES256", "kid": "rsa1"},
                                       claims()), False, "", False),
        ("weak_rsa_key", rs256(weak_rsa, dict(rs, kid="weak"), claims()),
         False, "", False),
        ("crit_header", rs256(rsa_key, dict(rs, crit=["exp"], exp=1), claims()),
         False, "", False),
        ("email_not_verified", rs256(rsa_key, rs, claims(
            email="mallory@evil.test", email_verified=False)),
         True, "mallory@evil.test", False),
        ("email_verified_string", rs256(rsa_key, rs, claims(
            email_verified="true")), True, "ext@gmail.test", True),
        ("no_email_claims", rs256(rsa_key, rs, claims(
            email=None, email_verified=None)), True, "", False),
        ("no_sub", rs256(rsa_key, rs, claims(sub=None)), False, "", False),
        ("padded_base64", good + "=", False, "", False),
        ("two_parts", head + "." + body, False, "", False),
    ]
    print(json.dumps({
        "comment": "made by tests/data/oidc/make_tokens.py (python3-cryptography)",
        "now": NOW, "issuer": ISSUER, "client_id": CLIENT_ID, "nonce": NONCE,
        "jwks": jwks,
        "cases": [{"name": n, "token": t, "ok": ok, "email": e,
                   "email_verified": v} for n, t, ok, e, v in cases],
    }, indent=1))


if __name__ == "__main__":
    main()
