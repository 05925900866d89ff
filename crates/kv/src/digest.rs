//! Stable fingerprints (the same on every platform), kept up to date as state changes so that
//! replicas can be compared after every operation without rehashing their whole state.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over `bytes`, continuing from `state` (start from [`fnv1a_start`]). Continuing lets
/// an Append extend a value's hash with only the appended bytes.
pub fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    // A few lines and no dependency: it only has to be stable, not strong.
    bytes.iter().fold(state, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// The FNV-1a starting state.
pub fn fnv1a_start() -> u64 {
    FNV_OFFSET
}

/// Scrambles a pair of hashes into one item of an order-independent sum (SplitMix64's finaliser).
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
