use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random id with a readable prefix, e.g. `note_3f9c…` (128 random bits).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// An API key as the client holds it. Only its hash is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    const PREFIX: &'static str = "igk_";

    /// A fresh key: 256 random bits.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{}{}", Self::PREFIX, hex::encode(bytes)))
    }

    /// Accepts what a client sent if it has the shape of a key; the store decides if it is real.
    pub fn parse(raw: &str) -> Option<Self> {
        let hex_part = raw.strip_prefix(Self::PREFIX)?;
        (hex_part.len() == 64 && hex_part.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps and looks keys up by: SHA-256, hex. Keys carry 256 random
    /// bits, so a fast hash is enough, and a lookup by hash leaks no timing about the key.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The key's public id, which names it in lists and revocations without its secret.
    pub fn public_id(&self) -> ApiKeyId {
        ApiKeyId::of_hash(&self.hash())
    }
}

/// The public id of an API key: `key_` and the first 16 hex digits of its hash. Knowing
/// it gives nothing towards the key (the hash is not reversible, and is not the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyId(String);

impl ApiKeyId {
    const PREFIX: &'static str = "key_";
    const HEX_DIGITS: usize = 16;

    /// The public id of the key with this hash (hex, as [`ApiKey::hash`] gives it).
    pub fn of_hash(hash: &str) -> Self {
        Self(format!("{}{}", Self::PREFIX, hash.get(..Self::HEX_DIGITS).unwrap_or(hash)))
    }

    /// Accepts `key_` and 16 lower-case hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        let hex_part = raw.strip_prefix(Self::PREFIX)?;
        let well_formed = hex_part.len() == Self::HEX_DIGITS
            && hex_part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The start of the hash of the key it names.
    pub fn hash_prefix(&self) -> &str {
        &self.0[Self::PREFIX.len()..]
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_differ() {
        let a = ApiKey::generate();
        let b = ApiKey::generate();
        assert_ne!(a, b);
        assert_eq!(ApiKey::parse(a.expose()), Some(a.clone()));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
    }

    #[test]
    fn rejects_malformed_keys() {
        assert!(ApiKey::parse("").is_none());
        assert!(ApiKey::parse("igk_abc").is_none());
        assert!(ApiKey::parse(&format!("xxx_{}", "a".repeat(64))).is_none());
        assert!(ApiKey::parse(&format!("igk_{}", "g".repeat(64))).is_none());
    }

    #[test]
    fn public_ids_name_a_key_by_its_hash_and_parse_back() {
        let key = ApiKey::generate();
        let id = key.public_id();
        assert_eq!(id.as_str().len(), 20);
        assert!(key.hash().starts_with(id.hash_prefix()));
        assert!(!id.as_str().contains(&key.expose()[4..20]));
        assert_eq!(ApiKeyId::parse(id.as_str()), Some(id));
        for bad in ["", "key_", "key_0123456789abcdeF", "key_0123456789abcde", "igk_0123456789abcdef"] {
            assert_eq!(ApiKeyId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = ApiKey::generate();
        assert!(!format!("{key:?}").contains(key.expose()));
    }
}

/// The workspace of an authenticated request (or of a CLI command that checked it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkspaceId(String);

impl WorkspaceId {
    /// Trusts the caller: only the store's authentication and lookups construct these.
    pub fn new_unchecked(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
