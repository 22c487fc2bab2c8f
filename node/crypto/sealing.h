// Sealing a message for one node, so that the nodes it passes through cannot read it (adoption
// feedback relayed towards a lesson's origin, SPEC section 10): ECIES over the recipient's
// certificate key. An ephemeral P-256 key agrees a secret with the recipient's key (ECDH), HKDF-
// SHA256 makes an AES-256 key of it, and AES-256-GCM encrypts and authenticates the message.
#ifndef CAIRN_NODE_CRYPTO_SEALING_H_
#define CAIRN_NODE_CRYPTO_SEALING_H_

#include <openssl/evp.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn::crypto {

struct Sealed {
  std::string ephemeral_key;  // DER SubjectPublicKeyInfo
  std::string nonce;          // 12 bytes
  std::string ciphertext;     // the GCM tag (16 bytes) at its end
  std::string recipient;      // SHA-256 (hex) of the recipient's certificate
};

// Seals `message` for the holder of the key of `recipient_cert_der` (a P-256 certificate).
// INVALID_ARGUMENT when the certificate does not parse or its key is not P-256.
absl::StatusOr<Sealed> Seal(absl::string_view recipient_cert_der, absl::string_view message);

// Opens what was sealed for `key` (P-256). UNAUTHENTICATED when it was not sealed for that key,
// or was altered on the way.
absl::StatusOr<std::string> Unseal(const Sealed& sealed, EVP_PKEY* key);

}  // namespace cairn::crypto

#endif  // CAIRN_NODE_CRYPTO_SEALING_H_
