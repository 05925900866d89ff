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
    /// A map holding `pairs`; of two pairs with one key (only a corrupt snapshot has them),
    /// the later one.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Store {
        let mut store = Store::default();
        for (key, value) in pairs {
            let (key_hash, hash) = (key_hash(&key), fnv1a(fnv1a_start(), value.as_bytes()));
            store.digest = store.digest.wrapping_add(mix(key_hash, hash));
            if let Some((_, old)) = store.map.insert(key, (value, hash)) {
                store.digest = store.digest.wrapping_sub(mix(key_hash, old));
            }
        }
        store
    }

    /// A copy as pairs, in key order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
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
        assert_eq!(a.to_pairs(), b.to_pairs());
        assert_eq!(Store::from_pairs(a.to_pairs()).digest(), a.digest());
        b.append("y", "2");
        assert_ne!(a.digest(), b.digest());
        assert_eq!(b.get("y"), Some("12"));
    }

    #[test]
    fn a_repeated_key_keeps_the_later_value_and_its_digest() {
        let pairs = |p: &[(&str, &str)]| p.iter().map(|&(k, v)| (k.into(), v.into())).collect();
        let twice = Store::from_pairs(pairs(&[("k", "old"), ("j", "1"), ("k", "new")]));
        let once = Store::from_pairs(pairs(&[("j", "1"), ("k", "new")]));
        assert_eq!(twice, once);
        assert_eq!(twice.digest(), once.digest());
    }

    #[test]
    fn pairs_encode_as_the_map_did() {
        // Snapshots held the map as a `BTreeMap`; as pairs in key order their bytes are the
        // same, so what was persisted before still decodes.
        let mut store = Store::default();
        store.put("b", "2");
        store.put("a", "1");
        let map: BTreeMap<String, String> = store.to_pairs().into_iter().collect();
        let bytes = postcard::to_allocvec(&store.to_pairs()).unwrap();
        assert_eq!(bytes, postcard::to_allocvec(&map).unwrap());
        let back: Vec<(String, String)> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(Store::from_pairs(back), store);
    }
}
