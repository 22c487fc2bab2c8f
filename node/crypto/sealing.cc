#include "node/crypto/sealing.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "node/crypto/x509.h"

namespace cairn::crypto {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kKeyBytes = 32;
// Binds the derived key to this use, so it is never the key of anything else.
constexpr char kInfo[] = "cairn feedback seal v1";

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct KdfFree {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}
unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

bool IsP256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t length = 0;
  return EVP_PKEY_is_a(key, "EC") &&
         EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &length) == 1 &&
         absl::string_view(group, length) == "prime256v1";
}

// The AES key both sides derive: HKDF-SHA256 of the ECDH secret between `own` and `other`,
// salted with the ephemeral public key.
absl::StatusOr<std::string> DeriveKey(EVP_PKEY* own, EVP_PKEY* other,
                                      absl::string_view ephemeral_der) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(own, nullptr));
  size_t secret_length = 0;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), other) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &secret_length) != 1) {
    return absl::InternalError(absl::StrCat("ECDH: ", OpenSslError()));
  }
  std::string secret(secret_length, '\0');
  if (EVP_PKEY_derive(ctx.get(), Bytes(secret), &secret_length) != 1) {
    return absl::InternalError(absl::StrCat("ECDH: ", OpenSslError()));
  }
  secret.resize(secret_length);
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> kdf_ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  std::string salt(ephemeral_der);
  std::string info(kInfo);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret.data(), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end()};
  std::string key(kKeyBytes, '\0');
  if (kdf_ctx == nullptr || EVP_KDF_derive(kdf_ctx.get(), Bytes(key), key.size(), params) != 1) {
    return absl::InternalError(absl::StrCat("HKDF: ", OpenSslError()));
  }
  return key;
}

}  // namespace

absl::StatusOr<Sealed> Seal(absl::string_view recipient_cert_der, absl::string_view message) {
  X509Ptr cert = FromDer(recipient_cert_der);
  EVP_PKEY* recipient = cert == nullptr ? nullptr : X509_get0_pubkey(cert.get());
  if (recipient == nullptr || !IsP256(recipient)) {
    return absl::InvalidArgumentError(
        "the recipient's certificate does not parse, or its key is not ECDSA P-256");
  }
  KeyPtr ephemeral(EVP_EC_gen("P-256"));
  if (ephemeral == nullptr) return absl::InternalError(absl::StrCat("EC key: ", OpenSslError()));
  Sealed sealed;
  unsigned char* der = nullptr;
  const int der_length = i2d_PUBKEY(ephemeral.get(), &der);
  if (der_length <= 0) return absl::InternalError(absl::StrCat("EC key: ", OpenSslError()));
  sealed.ephemeral_key.assign(reinterpret_cast<char*>(der), der_length);
  OPENSSL_free(der);
  absl::StatusOr<std::string> key = DeriveKey(ephemeral.get(), recipient, sealed.ephemeral_key);
  if (!key.ok()) return key.status();
  sealed.nonce.resize(kNonceBytes);
  if (RAND_bytes(Bytes(sealed.nonce), kNonceBytes) != 1) {
    return absl::InternalError(absl::StrCat("random nonce: ", OpenSslError()));
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(message.size() + kTagBytes, '\0');
  int length = 0, final_length = 0;
  if (ctx == nullptr ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(*key), Bytes(sealed.nonce)) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), Bytes(out), &length, Bytes(message),
                        static_cast<int>(message.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), Bytes(out) + length, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          Bytes(out) + length + final_length) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM: ", OpenSslError()));
  }
  out.resize(length + final_length + kTagBytes);
  sealed.ciphertext = std::move(out);
  sealed.recipient = Sha256Hex(recipient_cert_der);
  return sealed;
}

absl::StatusOr<std::string> Unseal(const Sealed& sealed, EVP_PKEY* key) {
  auto refused = [](absl::string_view why) {
    return absl::UnauthenticatedError(absl::StrCat("the sealed message cannot be opened: ", why));
  };
  if (sealed.nonce.size() != kNonceBytes || sealed.ciphertext.size() < kTagBytes) {
    return refused("its nonce or ciphertext is too short");
  }
  const unsigned char* der = Bytes(sealed.ephemeral_key);
  KeyPtr ephemeral(d2i_PUBKEY(nullptr, &der, static_cast<long>(sealed.ephemeral_key.size())));
  if (ephemeral == nullptr || !IsP256(ephemeral.get())) {
    ERR_clear_error();
    return refused("its ephemeral key is not a P-256 public key");
  }
  absl::StatusOr<std::string> aes_key = DeriveKey(key, ephemeral.get(), sealed.ephemeral_key);
  if (!aes_key.ok()) return refused(aes_key.status().message());
  const size_t body = sealed.ciphertext.size() - kTagBytes;
  std::string tag = sealed.ciphertext.substr(body);
  std::string message(body, '\0');
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int length = 0, final_length = 0;
  const bool opened =
      ctx != nullptr &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(*aes_key),
                         Bytes(sealed.nonce)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), Bytes(message), &length, Bytes(sealed.ciphertext),
                        static_cast<int>(body)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, Bytes(tag)) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), Bytes(message) + length, &final_length) == 1;
  ERR_clear_error();
  if (!opened) return refused("it was sealed for another key, or altered on the way");
  message.resize(length + final_length);
  return message;
}

}  // namespace cairn::crypto
