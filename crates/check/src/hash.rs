//! Hashing helpers: a fast deterministic hasher for the search's tables, a bit mixer for
//! building hashes of sets, and the polynomial string hash that lets the register model compare
//! values in O(1).

use std::hash::{BuildHasherDefault, Hasher};

/// `HashMap`/`HashSet` hasher for the search's tables. Their keys are small integers or strings
/// that are only probed, never iterated, so a multiply-rotate hash (as in rustc's FxHash) is
/// enough, and it is deterministic and identical natively and in wasm.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// See [`FxBuild`].
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// SplitMix64's finaliser: a bijective mix that spreads every input bit over the whole word.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The polynomial string hash is taken modulo this Mersenne prime, 2^61 - 1: unlike a hash
/// modulo 2^64 it has no systematic collisions (e.g. Thue–Morse strings).
const MODULUS: u64 = (1 << 61) - 1;
const BASE: u64 = 0x3c6e_f372_fe94_f82b % MODULUS;

fn mul_mod(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    // a, b < 2^61 - 1, so both halves are below the modulus and one subtraction suffices.
    add_mod(product as u64 & MODULUS, (product >> 61) as u64)
}

/// `a + b` modulo the modulus, for `a` below it and `b` at most the modulus.
fn add_mod(a: u64, b: u64) -> u64 {
    let sum = a + b;
    if sum >= MODULUS {
        sum - MODULUS
    } else {
        sum
    }
}

/// The polynomial hash of a string extended by one byte, from the string's hash.
pub(crate) fn push_byte(hash: u64, byte: u8) -> u64 {
    add_mod(mul_mod(hash, BASE), u64::from(byte))
}

/// The polynomial hash of `text` and `BASE^len(text)`, the factor that shifts a hash left past
/// `text` (see [`concat()`]).
pub(crate) fn poly(text: &str) -> (u64, u64) {
    text.bytes().fold((0, 1), |(hash, pow), byte| (push_byte(hash, byte), mul_mod(pow, BASE)))
}

/// The polynomial hash of `a + b` from `a`'s hash and `b`'s hash and shift factor.
pub(crate) fn concat(a_hash: u64, b_pow: u64, b_hash: u64) -> u64 {
    add_mod(mul_mod(a_hash, b_pow), b_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concatenation_hashes_like_the_whole_string() {
        let parts = ["", "a", "bc", "x y 12 ", "\0", "éü"];
        for a in parts {
            for b in parts {
                let (ha, _) = poly(a);
                let (hb, pb) = poly(b);
                assert_eq!(concat(ha, pb, hb), poly(&format!("{a}{b}")).0, "{a:?} + {b:?}");
            }
        }
    }
}
