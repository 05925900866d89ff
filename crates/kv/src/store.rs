use std::collections::BTreeMap;

use crate::digest::{fnv1a, fnv1a_start, mix};

/// The key/value map, with a fingerprint of its contents kept up to date as it changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    /// Each key's value and the FNV-1a hash of that value.
    map: BTreeMap<String, (String, u64)>,
    digest: u64,
}

impl Store {
    /// A map holding `pairs`.
    pub fn from_map(pairs: BTreeMap<String, String>) -> Store {
        let mut store = Store::default();
        for (key, value) in pairs {
            let hash = fnv1a(fnv1a_start(), value.as_bytes());
            store.digest = store.digest.wrapping_add(mix(key_hash(&key), hash));
            store.map.insert(key, (value, hash));
        }
        store
    }

    /// A copy as a plain map.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(|(v, _)| v.as_str())
    }

    /// Keys and values in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, (v, _))| (k.as_str(), v.as_str()))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Replaces `key`'s value, reusing the old value's buffer.
    pub fn put(&mut self, key: &str, value: &str) {
        let (key_hash, hash) = (key_hash(key), fnv1a(fnv1a_start(), value.as_bytes()));
        match self.map.get_mut(key) {
            Some((old_value, old)) => {
                self.digest = self.digest.wrapping_sub(mix(key_hash, *old));
                old_value.clear();
                old_value.push_str(value);
                *old = hash;
            }
            None => {
                self.map.insert(key.to_string(), (value.to_string(), hash));
            }
        }
        self.digest = self.digest.wrapping_add(mix(key_hash, hash));
    }

    /// Appends to `key`'s value (creating it if missing), in place: the cost is the suffix's.
    pub fn append(&mut self, key: &str, suffix: &str) {
        let Some((value, hash)) = self.map.get_mut(key) else {
            self.put(key, suffix);
            return;
        };
        let old = *hash;
        value.push_str(suffix);
        *hash = fnv1a(old, suffix.as_bytes());
        let key_hash = key_hash(key);
        self.digest =
            self.digest.wrapping_sub(mix(key_hash, old)).wrapping_add(mix(key_hash, *hash));
    }

    /// A fingerprint of the contents, equal for equal maps.
    pub fn digest(&self) -> u64 {
        self.digest
    }
}

fn key_hash(key: &str) -> u64 {
    fnv1a(fnv1a_start(), key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser (`wasm-pack test --headless --chrome`), as wasm-bindgen tests.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn equal_contents_equal_digests_however_reached() {
        let mut a = Store::default();
        a.append("x", "ab");
        a.append("x", "c");
        a.put("y", "1");
        let mut b = Store::default();
        b.put("x", "");
        b.append("x", "");
        b.put("y", "0");
        b.put("x", "abc");
        b.put("y", "1");
        assert_eq!(a.digest(), b.digest());
        assert_eq!(a.to_map(), b.to_map());
        assert_eq!(Store::from_map(a.to_map()).digest(), a.digest());
        b.append("y", "2");
        assert_ne!(a.digest(), b.digest());
        assert_eq!(b.get("y"), Some("12"));
    }
}
