//! One sort for every element type, for the crates above this one (`sim`, the page).
//!
//! The standard library's sorts are generic over the element: each type sorted gets its own
//! copy of the whole sort, about 2–3 KB of wasm. Ten sorted types were 10 KB of the page's
//! gzipped bundle. [`by_key`] sorts `(key, index)` triples, the same type every time, and
//! then moves the items into that order; only the moving is generic, and it is small. This
//! crate is the one every crate that sorts already depends on, so the function lives here.

/// Sorts `items` by `key` (two numbers, compared in order), stably: items with equal keys
/// keep their order.
///
/// ```
/// let mut words = vec!["pear", "fig", "apple", "kiwi"];
/// check::sort::by_key(&mut words, |w| (w.len() as u64, 0));
/// assert_eq!(words, ["fig", "pear", "kiwi", "apple"]);
/// ```
pub fn by_key<T>(items: &mut Vec<T>, key: impl Fn(&T) -> (u64, u64)) {
    let mut order: Vec<(u64, u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (a, b) = key(item);
            (a, b, i)
        })
        .collect();
    // With the index last no two triples are equal, so the unstable sort is stable here.
    order.sort_unstable();
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().map(|(_, _, i)| slots[i].take().expect("each index once")));
}

#[cfg(test)]
mod tests {
    use super::by_key;

    #[test]
    fn sorts_by_both_numbers_and_keeps_equal_keys_in_order() {
        let mut items: Vec<(u64, u64, char)> =
            vec![(2, 1, 'a'), (1, 9, 'b'), (2, 0, 'c'), (1, 9, 'd'), (0, 5, 'e'), (2, 1, 'f')];
        by_key(&mut items, |&(a, b, _)| (a, b));
        let names: String = items.iter().map(|&(.., c)| c).collect();
        assert_eq!(names, "ebdcaf");
    }

    #[test]
    fn agrees_with_the_standard_stable_sort() {
        // A small multiplicative generator: many equal keys, in no order.
        let mut x: u64 = 12345;
        let mut items: Vec<(u64, usize)> = (0..500)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((x >> 60) % 7, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|&(k, _)| k);
        by_key(&mut items, |&(k, _)| (k, 0));
        assert_eq!(items, expected);
        by_key(&mut items, |_| (0, 0));
        assert_eq!(items, expected, "equal keys keep their order");
        let mut empty: Vec<u8> = Vec::new();
        by_key(&mut empty, |&b| (u64::from(b), 0));
        assert!(empty.is_empty());
    }
}
